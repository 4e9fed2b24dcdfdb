"""A multi-part exercise on the exercise page, as a learner without JavaScript works it: the
stem, the parts one after another (Check, Try again or Show solution, Next part), one rating
after the last part, and the limits across the parts (DESIGN §1 rule 3, §5 `parts`)."""

from __future__ import annotations

import pytest

from app import models as orm

from .conftest import TOKEN, Browser, count, enabled_ratings, exercise_pk, item

STEPS = "papers/adam/steps-01"


def part(n: int, value: str, wrong: str) -> dict:
    return {"id": f"p{n}", "prompt": f"PART-{n}-PROMPT: give {value}.",
            "answer": {"type": "number", "value": value},
            "hints": [f"PART-{n}-HINT"],
            "wrong": [{"value": wrong, "feedback": f"PART-{n}-MISTAKE"}],
            "solution": f"PART-{n}-SOLUTION: it is {value}."}


@pytest.fixture(scope="module", autouse=True)
def three_part_exercise(app) -> None:
    """A subject of its own holding one exercise of three parts."""
    with app.state.sessions.begin() as session:
        subject = orm.Subject(slug="papers", title="Papers")
        topic = orm.Topic(subject=subject, slug="adam", title="Adam")
        bank = session.query(orm.Collection).filter_by(slug="curated").one()
        session.add(orm.Exercise(
            global_id=STEPS, collection=bank, topic=topic, position=0,
            prompt="STEM: an optimiser takes three steps.", answer={},
            parts=[part(1, "1", "2"), part(2, "4", "5"), part(3, "9", "8")],
            solution="WHOLE-SOLUTION"))


def check(browser: Browser, pk: int, response: str) -> str:
    return browser.post(f"/exercises/{pk}/check", {"response": response}).text


def test_parts_one_after_another_and_one_rating_after_the_last(browser: Browser, app):
    browser.start_pass("papers")
    pk = exercise_pk(app, STEPS)
    page = browser.open(STEPS).text
    assert "STEM" in page and "Part 1 of 3" in page and "PART-1-PROMPT" in page
    assert "PART-2-PROMPT" in page and "locked" in page  # later parts listed, locked
    assert "PART-1-SOLUTION" not in page and enabled_ratings(page) == set()
    assert all(f'name="csrf_token" value="{TOKEN.search(page).group(1)}"' in form
               for form in page.split("<form")[1:])

    done = check(browser, pk, "1")
    assert "Correct" in done and "PART-1-SOLUTION" in done and "Next part" in done
    assert 'id="answer"' not in done and enabled_ratings(done) == set()
    assert "not allowed" in browser.post(f"/exercises/{pk}/rate", {"rating": "green"}).text

    second = browser.post(f"/exercises/{pk}/next-part").text
    assert "Part 2 of 3" in second and 'id="answer"' in second
    assert "PART-1-SOLUTION" in second and "Your answer: <code>1</code>" in second  # part 1 done
    assert "PART-2-HINT" not in second
    hinted = browser.post(f"/exercises/{pk}/hint", {"hints_shown": "0"}).text
    assert "PART-2-HINT" in hinted and "PART-1-HINT" not in hinted

    wrong = check(browser, pk, "5")
    assert "Incorrect" in wrong and "PART-2-MISTAKE" in wrong and "Try again" in wrong
    assert "PART-2-SOLUTION" not in wrong
    again = browser.post(f"/exercises/{pk}/retry").text
    assert 'id="answer"' in again and "Attempt 2: Incorrect" in again  # numbered across parts
    right = check(browser, pk, "4")
    assert "Correct" in right and "Next part" in right

    third = browser.post(f"/exercises/{pk}/next-part").text
    assert "Part 3 of 3" in third and "locked" not in third
    last = check(browser, pk, "9")
    assert "Next part" not in last and "WHOLE-SOLUTION" in last
    assert enabled_ratings(last) == {"yellow", "red"}  # part 2 was Incorrect once
    assert "Green is not available" in last
    browser.rate(STEPS, "yellow")
    row = item(app, browser.user_id(), STEPS, 1)
    assert (row.rating, row.part, row.attempt_count, row.incorrect_attempts) == (
        "yellow", 2, 4, 1)
    assert count(app, orm.Attempt, pass_item_id=row.id) == 4
    assert count(app, orm.Attempt, pass_item_id=row.id, part=1) == 2

    # Pass 2 starts again at part 1, the earlier pass's attempts listed with their parts.
    browser.start_pass("papers")
    browser.post(f"/exercises/{pk}/theory")  # Yellow before: the theory review comes first
    fresh = browser.open(STEPS).text
    assert "Part 1 of 3" in fresh and 'id="answer"' in fresh and "PART-1-SOLUTION" not in fresh
    assert "Pass 1, attempt 2, part 2" in fresh and "Pass 1, attempt 4, part 3" in fresh
    assert "Your previous attempt (pass 1): Correct" in fresh  # part 1's, not part 3's
    check(browser, pk, "1")
    second = browser.post(f"/exercises/{pk}/next-part").text
    assert "Your previous attempt (pass 1): Correct" in second and "<code>4</code>" in second


def test_a_parts_solution_before_its_check_ends_it_and_caps_at_yellow(browser: Browser, app):
    browser.start_pass("papers")
    pk = exercise_pk(app, STEPS)
    browser.open(STEPS)
    opened = browser.post(f"/exercises/{pk}/solution").text
    assert "PART-1-SOLUTION" in opened and "Next part" in opened and 'id="answer"' not in opened
    browser.post(f"/exercises/{pk}/next-part")
    browser.post(f"/exercises/{pk}/next-part")  # a double click: still part 2
    page = browser.open(STEPS).text
    assert "Part 2 of 3" in page and "Solution opened" in page and "capped at Yellow" in page
    check(browser, pk, "4")
    browser.post(f"/exercises/{pk}/next-part")
    assert enabled_ratings(check(browser, pk, "9")) == {"yellow", "red"}


def test_a_check_of_a_part_left_meanwhile_records_nothing(browser: Browser, app):
    browser.start_pass("papers")
    pk = exercise_pk(app, STEPS)
    check(browser, pk, "1")
    again = browser.post(f"/exercises/{pk}/check", {"response": "1"})  # another tab
    assert again.status_code == 200 and "Next part" in again.text
    row = item(app, browser.user_id(), STEPS, 1)
    assert count(app, orm.Attempt, pass_item_id=row.id) == 1


def test_the_preview_reads_the_current_parts_answer(browser: Browser, app):
    browser.start_pass("papers")
    pk = exercise_pk(app, STEPS)
    browser.open(STEPS)
    preview = browser.post(f"/exercises/{pk}/validate", {"response": "[1, 2]"})
    assert preview.status_code == 200 and "Not read" in preview.text  # a number is asked


def test_next_part_of_someone_elses_or_an_unstarted_exercise_is_not_found(browser: Browser, app):
    pk = exercise_pk(app, STEPS)
    browser.get("/")
    assert browser.post(f"/exercises/{pk}/next-part").status_code == 404
