"""The whole Green-Yellow-Red loop in the browser, as a learner without JavaScript does it."""

from __future__ import annotations

import re

from app import models as orm

from .conftest import (
    CHOICE,
    LINEAR,
    POWER,
    PROOF,
    SUBJECT,
    Browser,
    count,
    enabled_ratings,
    exercise_pk,
    item,
)

PARAM = re.compile(r"f\(x\) = (\d+) x")


def slope(page_text: str) -> str:
    found = PARAM.search(page_text)
    assert found, "the parameterised prompt was not shown"
    return found.group(1)


def test_the_whole_loop(browser: Browser, app):
    dashboard = browser.get("/")
    assert "Dashboard" in dashboard.text and "Calculus" in dashboard.text
    assert "Start pass" in dashboard.text

    page = browser.start_pass()
    assert page.url.path == f"/subjects/{SUBJECT}/passes/1"
    assert "pass 1" in page.text and "Next" in page.text

    first = browser.get(f"/subjects/{SUBJECT}/next?order=list")
    assert first.url.path == f"/exercises/{exercise_pk(app, POWER)}"
    for word in ("Answer", "Shape of the problem", "Motion to the solution", "Check",
                 "Show hint", "Show solution"):
        assert word in first.text

    checked = browser.check(POWER, "2x", shape="a power", motion="power rule")
    assert "Correct" in checked.text
    assert "By the power rule" in checked.text  # the worked solution is shown after the check
    for word in ("Green", "Yellow", "Red", "Solved correctly and I understand why"):
        assert word in checked.text

    after = browser.rate(POWER, "green")
    assert after.url.path == f"/exercises/{exercise_pk(app, LINEAR)}"  # on to the next one
    assert "Rated Green." in after.text

    wrong = browser.check(LINEAR, str(int(slope(after.text)) + 1))
    assert "Incorrect" in wrong.text
    assert enabled_ratings(wrong.text) == {"yellow", "red"}
    browser.rate(LINEAR, "yellow")

    browser.check(PROOF, "It has no slope anywhere.")
    browser.rate(PROOF, "red")
    browser.check(CHOICE, "", choice="b")
    summary = browser.rate(CHOICE, "green")
    assert summary.url.path == f"/subjects/{SUBJECT}/passes/1/summary"
    assert "Pass 2 holds 2 exercises" in summary.text

    second = browser.post(f"/subjects/{SUBJECT}/passes")
    assert second.url.path == f"/subjects/{SUBJECT}/passes/2"
    assert "power-01" not in second.text  # Green is never revisited
    assert "linear-02" in second.text and "proof-03" in second.text
    assert "theory review first" in second.text

    review = browser.get(f"/subjects/{SUBJECT}/next?order=list")
    assert review.url.path == f"/exercises/{exercise_pk(app, LINEAR)}/theory"
    assert "THEORY-NOTE" in review.text and "WORKED-EXAMPLE" in review.text
    assert "Your previous attempt" in review.text and "Continue" in review.text

    exercise = browser.post(f"/exercises/{exercise_pk(app, LINEAR)}/theory")
    assert exercise.url.path == f"/exercises/{exercise_pk(app, LINEAR)}"
    assert "Earlier passes" in exercise.text
    user = browser.user_id()
    assert item(app, user, LINEAR, 1).seed != item(app, user, LINEAR, 2).seed  # a fresh variant
    again = browser.check(LINEAR, slope(exercise.text))
    assert "Correct" in again.text

    dashboard = browser.get("/")
    assert "Continue pass" in dashboard.text
    assert 'aria-label="2 Green, 1 Yellow, 1 Red, 0 unrated, 0 parked"' in dashboard.text


def test_a_variant_stays_the_same_within_a_pass(browser: Browser):
    browser.start_pass()
    first = slope(browser.open(LINEAR).text)
    assert slope(browser.open(LINEAR).text) == first


def test_an_invalid_answer_records_no_attempt(browser: Browser, app):
    browser.start_pass()
    before = count(app, orm.Attempt)
    page = browser.check(POWER, "2x +* (", shape="kept note")
    assert page.status_code == 200
    assert "Not read" in page.text and "Nothing was recorded" in page.text
    assert "kept note" in page.text and "2x +* (" in page.text  # what was typed is kept
    assert count(app, orm.Attempt) == before
    assert item(app, browser.user_id(), POWER, 1).verdict is None


def test_a_wrong_answer_matching_a_typical_mistake_shows_its_feedback(browser: Browser):
    browser.start_pass()
    page = browser.check(POWER, "x")
    assert "Incorrect" in page.text and "WRONG-FEEDBACK" in page.text


def test_a_self_graded_exercise_allows_all_three(browser: Browser, app):
    browser.start_pass()
    page = browser.check(PROOF, "")
    assert "Self-graded" in page.text
    assert enabled_ratings(page.text) == {"green", "yellow", "red"}
    browser.rate(PROOF, "green")
    assert item(app, browser.user_id(), PROOF, 1).rating == "green"


def test_an_undecided_check_allows_self_rating(browser: Browser, app, monkeypatch):
    from app.checking.compare.result import CheckResult

    pool = app.state.checker

    async def undecided(spec, response, **_owner):
        return CheckResult("undecided",
                           "The checker ran out of time on this answer; rate it yourself.")

    monkeypatch.setattr(pool, "check_async", undecided)
    browser.start_pass()
    page = browser.check(POWER, "2x")
    assert "Undecided" in page.text and "rate yourself" in page.text
    monkeypatch.undo()
    browser.rate(POWER, "green")
    assert item(app, browser.user_id(), POWER, 1).rating == "green"


def test_the_last_hint_before_checking_caps_the_rating_at_yellow(browser: Browser, app):
    browser.start_pass()
    pk = exercise_pk(app, POWER)
    browser.open(POWER)
    one = browser.post(f"/exercises/{pk}/hint", {"hints_shown": "0", "shape": "my note"})
    assert "Use the power rule." in one.text and "my note" in one.text
    assert "The next hint is the last one" in one.text  # said before the click
    assert not item(app, browser.user_id(), POWER, 1).saw_last_hint_before_check
    browser.post(f"/exercises/{pk}/hint", {"hints_shown": "1"})
    assert item(app, browser.user_id(), POWER, 1).saw_last_hint_before_check
    page = browser.post(f"/exercises/{pk}/check", {"response": "2x"})
    assert "Correct" in page.text and "Green is not available" in page.text
    assert enabled_ratings(page.text) == {"yellow", "red"}
    refused = browser.rate(POWER, "green")
    assert "not allowed" in refused.text
    assert item(app, browser.user_id(), POWER, 1).rating is None
    browser.rate(POWER, "yellow")
    assert item(app, browser.user_id(), POWER, 1).rating == "yellow"


def test_the_solution_before_checking_caps_the_rating(browser: Browser, app):
    browser.start_pass()
    pk = exercise_pk(app, POWER)
    page = browser.open(POWER)
    assert "Opening the solution before you check caps your rating at Yellow" in page.text
    shown = browser.post(f"/exercises/{pk}/solution")
    assert "By the power rule" in shown.text
    browser.post(f"/exercises/{pk}/check", {"response": "2x"})
    browser.rate(POWER, "green")
    assert item(app, browser.user_id(), POWER, 1).rating is None


def test_an_incorrect_verdict_can_be_disputed(browser: Browser, app):
    browser.start_pass()
    page = browser.check(POWER, "3x")
    assert "Dispute the verdict" in page.text
    browser.rate(POWER, "green", disputed="true")
    row = item(app, browser.user_id(), POWER, 1)
    assert (row.rating, row.disputed) == ("green", True)
    assert count(app, orm.Rating, pass_item_id=row.id, disputed=True) == 1


def test_closing_a_pass_early_moves_the_unrated_on(browser: Browser):
    browser.start_pass()
    browser.check(POWER, "2x")
    browser.rate(POWER, "green")
    summary = browser.post(f"/subjects/{SUBJECT}/passes/1/close")
    assert summary.url.path == f"/subjects/{SUBJECT}/passes/1/summary"
    assert "You closed this pass early" in summary.text
    assert "Pass 2 holds 3 exercises" in summary.text
