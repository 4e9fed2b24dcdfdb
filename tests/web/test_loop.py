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

    wrong = browser.check(LINEAR, str(int(slope(after.text)) + 1), motion="read the slope")
    assert "Incorrect" in wrong.text and "Try again" in wrong.text
    assert "The slope is" not in wrong.text  # the solution is not shown by itself
    assert enabled_ratings(wrong.text) == set()
    solution = browser.show_solution(LINEAR)
    assert "The slope is" in solution.text and "Try again" not in solution.text
    assert enabled_ratings(solution.text) == {"yellow", "red"}
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
    # Its own previous answer and notes, collapsed above the Answer box.
    assert '<details class="previous">' in exercise.text and "read the slope" in exercise.text
    assert exercise.text.index("read the slope") < exercise.text.index('id="answer"')
    user = browser.user_id()
    assert item(app, user, LINEAR, 1).seed != item(app, user, LINEAR, 2).seed  # a fresh variant
    again = browser.check(LINEAR, slope(exercise.text))
    assert "Correct" in again.text
    browser.rate(LINEAR, "green")
    # The topic's theory was shown once in this pass: its next Red exercise opens directly.
    assert "theory review first" not in browser.get(f"/subjects/{SUBJECT}/passes/2").text
    proof = browser.get(f"/subjects/{SUBJECT}/next?order=list")
    assert proof.url.path == f"/exercises/{exercise_pk(app, PROOF)}"
    assert '<details class="previous">' in proof.text

    dashboard = browser.get("/")
    assert "Continue pass" in dashboard.text
    assert 'aria-label="3 Green, 0 Yellow, 1 Red, 0 unrated, 0 parked"' in dashboard.text


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
    assert "Dispute the verdict" not in page.text  # first: Try again or Show solution
    page = browser.show_solution(POWER)
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


def test_try_again_after_incorrect_keeps_the_notes_and_caps_at_yellow(browser: Browser, app):
    browser.start_pass()
    pk = exercise_pk(app, POWER)
    wrong = browser.check(POWER, "x", shape="a power", motion="the rule")
    assert "Incorrect" in wrong.text and "WRONG-FEEDBACK" in wrong.text
    assert "Try again" in wrong.text and "Show solution" in wrong.text
    assert "By the power rule" not in wrong.text and 'id="answer"' not in wrong.text
    refused = browser.rate(POWER, "yellow")  # no rating before Try again or the solution
    assert "not allowed" in refused.text
    again = browser.try_again(POWER)
    assert again.url.path == f"/exercises/{pk}"
    assert 'id="answer"' in again.text and "a power" in again.text and "the rule" in again.text
    assert "Attempt 1: Incorrect" in again.text and "WRONG-FEEDBACK" in again.text
    assert "capped at Yellow" in again.text
    right = browser.post(f"/exercises/{pk}/check", {"response": "2x", "shape": "a power"})
    assert "Correct" in right.text and "By the power rule" in right.text
    assert enabled_ratings(right.text) == {"yellow", "red"}
    assert "Green is not available" in right.text
    assert "not allowed" in browser.rate(POWER, "green").text
    browser.rate(POWER, "yellow")
    row = item(app, browser.user_id(), POWER, 1)
    assert (row.rating, row.incorrect_attempts) == ("yellow", 1)
    assert count(app, orm.Attempt, pass_item_id=row.id) == 2


def test_a_reload_after_incorrect_still_offers_try_again(browser: Browser, app):
    browser.start_pass()
    browser.check(POWER, "x")
    page = browser.open(POWER)
    assert "Incorrect" in page.text and "WRONG-FEEDBACK" in page.text and "Try again" in page.text
    browser.try_again(POWER)
    browser.try_again(POWER)  # a double click: still the Answer box
    assert 'id="answer"' in browser.open(POWER).text


def test_undo_a_rating_until_the_next_check(browser: Browser, app):
    browser.start_pass()
    browser.check(POWER, "2x")
    after = browser.rate(POWER, "yellow")
    assert after.url.path == f"/exercises/{exercise_pk(app, LINEAR)}"
    assert "Undo" in after.text and 'data-key="u"' in after.text
    undone = browser.undo(POWER)
    assert undone.url.path == f"/exercises/{exercise_pk(app, POWER)}"
    assert "Rating undone" in undone.text
    assert enabled_ratings(undone.text) == {"green", "yellow", "red"}
    assert item(app, browser.user_id(), POWER, 1).rating is None
    assert count(app, orm.Rating, pass_item_id=item(app, browser.user_id(), POWER, 1).id) == 0
    browser.rate(POWER, "green")
    browser.check(LINEAR, "1")  # the next Check ends the time to undo
    late = browser.undo(POWER)
    assert "can no longer be undone" in late.text
    assert item(app, browser.user_id(), POWER, 1).rating == "green"
    assert browser.undo(POWER, subject="nowhere").status_code == 404
    assert "can no longer be undone" in browser.undo("not/an/exercise").text
    too_long = browser.undo("x" * 301)
    assert too_long.status_code == 422


def test_undo_of_the_rating_that_ended_the_pass_reopens_it(browser: Browser, app):
    browser.start_pass()
    for global_id, response in ((POWER, "2x"), (LINEAR, "1"), (PROOF, "")):
        browser.check(global_id, response)
        browser.show_solution(global_id)
        browser.rate(global_id, "yellow")
    browser.check(CHOICE, "", choice="b")
    summary = browser.rate(CHOICE, "green")
    assert summary.url.path == f"/subjects/{SUBJECT}/passes/1/summary"
    assert "Undo" in summary.text
    page = browser.undo(CHOICE)
    assert page.url.path == f"/exercises/{exercise_pk(app, CHOICE)}"
    assert count(app, orm.Pass, user_id=browser.user_id(), ended_at=None) == 1


def test_every_topics_theory_is_readable_at_any_time(browser: Browser, app):
    browser.start_pass()
    pass_page = browser.get(f"/subjects/{SUBJECT}/passes/1")
    assert f'href="/subjects/{SUBJECT}/theory"' in pass_page.text
    index = browser.get(f"/subjects/{SUBJECT}/theory")
    assert "Derivatives" in index.text and "Limits" in index.text
    page = browser.open(POWER)
    assert f'href="/subjects/{SUBJECT}/theory/derivatives"' in page.text
    theory = browser.get(f"/subjects/{SUBJECT}/theory/derivatives")
    assert "THEORY-NOTE" in theory.text and "WORKED-EXAMPLE" in theory.text
    assert browser.get(f"/subjects/{SUBJECT}/theory/nowhere").status_code == 404
    assert browser.get("/subjects/nowhere/theory").status_code == 404
