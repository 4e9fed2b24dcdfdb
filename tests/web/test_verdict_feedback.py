"""What the exercise page says after a Check beyond the verdict: which entries of a
structured answer are wrong, the mistake the checker recognised by itself (authored feedback first),
and a form slip that is Not read (issue 16 items 3-4, issue 15 item 1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app import models as orm

from .conftest import POWER, Browser, count, item

MATRIX = "calculus/derivatives/hessian-04"
EXACT = "calculus/derivatives/exact-05"


@pytest.fixture(scope="module", autouse=True)
def _more_exercises(app: FastAPI) -> Iterator[None]:
    """A matrix and an exact number in the module's own bank, before any pass starts."""
    with app.state.sessions.begin() as session:
        topic = session.scalar(select(orm.Topic).where(orm.Topic.slug == "derivatives"))
        bank = session.scalar(select(orm.Collection).where(orm.Collection.slug == "curated"))
        session.add_all([
            orm.Exercise(global_id=MATRIX, collection=bank, topic=topic, position=3,
                         prompt="The Hessian of $x^2 + 3xy + 2y^2$.",
                         answer={"type": "matrix", "value": "[[2, 3], [3, 4]]"},
                         solution="$\\begin{pmatrix} 2 & 3 \\\\ 3 & 4 \\end{pmatrix}$."),
            orm.Exercise(global_id=EXACT, collection=bank, topic=topic, position=4,
                         prompt="The slope of $x/6$.", answer={"type": "number", "value": "1/6"},
                         solution="$\\frac16$."),
        ])
    yield


def test_the_wrong_entries_of_a_matrix_are_listed(browser: Browser):
    browser.start_pass()
    page = browser.check(MATRIX, "[[2, 3], [3, 5]]")
    assert "Incorrect" in page.text
    assert "3 of 4 entries right: entry (2,2) is wrong." in page.text
    marked = '<p class="entries">Wrong entry: <mark>(2,2)</mark></p>'
    assert marked in page.text
    again = browser.open(MATRIX)  # kept with the attempt, shown again on the page
    assert marked in again.text


def test_several_wrong_entries_are_all_marked(browser: Browser):
    browser.start_pass()
    page = browser.check(MATRIX, "[[2, 0], [0, 4]]")
    assert "Wrong entries: <mark>(1,2)</mark>, <mark>(2,1)</mark>" in page.text


def test_a_right_matrix_lists_no_entries(browser: Browser):
    browser.start_pass()
    page = browser.check(MATRIX, "[[2, 3], [3, 4]]")
    assert "Correct" in page.text and 'class="entries"' not in page.text


def test_a_recognised_mistake_is_shown_without_an_author(browser: Browser):
    browser.start_pass()
    page = browser.check(POWER, "-2x")
    assert "Incorrect" in page.text
    assert "Your answer is the negative of a correct one." in page.text


def test_the_authors_feedback_comes_before_the_diagnosis(browser: Browser):
    """`x` for 2x is the authored typical mistake; the checker also sees half a correct one."""
    browser.start_pass()
    page = browser.check(POWER, "x")
    assert "WRONG-FEEDBACK" in page.text
    assert "half a correct one" not in page.text


def test_a_merely_different_answer_gets_no_diagnosis(browser: Browser):
    browser.start_pass()
    page = browser.check(POWER, "3x + 1")
    assert "Incorrect" in page.text and 'class="feedback"' not in page.text


def test_a_rounded_decimal_for_an_exact_answer_is_not_read(browser: Browser, app: FastAPI):
    browser.start_pass()
    before = count(app, orm.Attempt)
    page = browser.check(EXACT, "0.1667")
    assert "Not read" in page.text and "Close — give an exact value" in page.text
    assert count(app, orm.Attempt) == before
    assert item(app, browser.user_id(), EXACT, 1).verdict is None
    page = browser.check(EXACT, "1/6")  # the same item, still open: now checked
    assert "Correct" in page.text
    assert count(app, orm.Attempt) == before + 1


def test_another_decimal_for_an_exact_answer_is_incorrect(browser: Browser, app: FastAPI):
    browser.start_pass()
    before = count(app, orm.Attempt)
    page = browser.check(EXACT, "0.2")
    assert "Incorrect" in page.text and "Close" not in page.text
    assert count(app, orm.Attempt) == before + 1
