"""Sessions inside a pass and progress in view (DESIGN §1 rules 9 and 10), through the pages
as a learner without JavaScript uses them: Continue pass, the place line, the session summary,
closing a pass with confirmation, the topic map, streak and daily goal, the Account settings."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from app import models as orm
from app.method import queries
from app.method.repository import SubjectRepository

from .conftest import (
    CHOICE,
    LINEAR,
    POWER,
    PROOF,
    SUBJECT,
    TOPIC,
    Browser,
    count,
    exercise_pk,
)

PLACE = re.compile(r'<p class="place" id="place">([^<]*)</p>')


def place(page_text: str) -> str:
    found = PLACE.search(page_text)
    assert found, "the exercise page shows no place line"
    return html.unescape(found.group(1))


def settings(browser: Browser, **values: str) -> object:
    browser.get("/account")
    form = {"session_size": "12", "daily_goal": "10", "time_zone": "", "order": "prerequisites"}
    return browser.post("/account/settings", {**form, **values})


def answer(browser: Browser, global_id: str, rating: str = "yellow") -> object:
    """Check a right answer (or any, for the self-graded one) and rate it."""
    responses = {POWER: {"response": "2x"}, PROOF: {"response": "It never changes."},
                 CHOICE: {"response": "", "choice": "b"}}
    pk = exercise_pk(browser.client.app, global_id)
    if global_id == LINEAR:
        page = browser.get(f"/exercises/{pk}").text
        browser.post(f"/exercises/{pk}/check",
                     {"response": re.search(r"f\(x\) = (\d+) x", page).group(1)})
    else:
        browser.post(f"/exercises/{pk}/check", responses[global_id])
    return browser.rate(global_id, rating)


def test_continue_pass_opens_the_pass_in_topic_prerequisite_order(browser: Browser, app):
    browser.start_pass()
    dashboard = browser.get("/")
    assert 'action="/subjects/calculus/continue"' in dashboard.text and "Continue pass" in \
        dashboard.text
    page = browser.post(f"/subjects/{SUBJECT}/continue")
    # Derivatives names Limits as its prerequisite: Limits comes first, though listed second.
    assert page.url.path == f"/exercises/{exercise_pk(app, CHOICE)}"
    assert place(page.text) == "1 of 12 today · 1 of 4 in pass 1"
    after = answer(browser, CHOICE)
    assert after.url.path == f"/exercises/{exercise_pk(app, POWER)}"
    assert place(after.text) == "2 of 12 today · 2 of 4 in pass 1"
    assert count(app, orm.StudySession, user_id=browser.user_id()) == 1


def test_a_session_ends_with_its_summary_and_the_next_restarts_the_count(browser: Browser, app):
    assert settings(browser, session_size="2").status_code == 200
    browser.start_pass()
    first = browser.post(f"/subjects/{SUBJECT}/continue")
    assert place(first.text) == "1 of 2 today · 1 of 4 in pass 1"
    second = answer(browser, CHOICE, "green")
    assert place(second.text) == "2 of 2 today · 2 of 4 in pass 1"
    summary = answer(browser, POWER, "red")
    assert re.fullmatch(rf"/subjects/{SUBJECT}/sessions/\d+", summary.url.path)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary.text))
    assert "session done" in text and "2 of 2 exercises rated" in text
    assert "Green 1" in text and "Yellow 0" in text and "Red 1" in text
    assert "Continue pass" in text and "Back to the Dashboard" in text
    again = browser.post(f"/subjects/{SUBJECT}/continue")
    assert again.url.path == f"/exercises/{exercise_pk(app, LINEAR)}"
    assert place(again.text) == "1 of 2 today · 3 of 4 in pass 1"  # a new session
    assert count(app, orm.StudySession, user_id=browser.user_id()) == 2


def test_rating_without_continue_still_counts_in_a_session(browser: Browser, app):
    browser.start_pass()
    page = browser.open(PROOF)  # straight from the pass page's list
    assert place(page.text) == "1 of 12 today · 1 of 4 in pass 1"
    answer(browser, PROOF)
    with app.state.sessions() as session:
        linked = session.scalars(
            select(orm.Rating.id).join(orm.StudySession, orm.StudySession.id ==
                                       orm.Rating.session_id)
            .where(orm.StudySession.user_id == browser.user_id())).all()
    assert len(linked) == 1


def test_the_last_rating_of_a_pass_leads_to_the_pass_summary(browser: Browser, app):
    settings(browser, session_size="4")
    browser.start_pass()
    browser.post(f"/subjects/{SUBJECT}/continue")
    for global_id in (CHOICE, POWER, LINEAR):
        answer(browser, global_id)
    last = answer(browser, PROOF)
    assert last.url.path == f"/subjects/{SUBJECT}/passes/1/summary"
    session_id = max_session(app, browser.user_id())
    summary = browser.get(f"/subjects/{SUBJECT}/sessions/{session_id}")
    assert "Pass 1 summary" in summary.text and "Continue pass" not in summary.text


def max_session(app, user_id: int) -> int:
    with app.state.sessions() as session:
        return session.scalar(select(orm.StudySession.id).where(
            orm.StudySession.user_id == user_id).order_by(orm.StudySession.id.desc()))


def test_another_learners_session_is_not_found(browser: Browser, app):
    browser.start_pass()
    answer(browser, POWER)
    other = Browser(app).sign_up()
    mine = max_session(app, browser.user_id())
    assert other.get(f"/subjects/{SUBJECT}/sessions/{mine}").status_code == 404
    assert browser.get(f"/subjects/{SUBJECT}/sessions/{mine}").status_code == 200


def test_closing_a_pass_early_asks_first_and_says_what_moves_on(browser: Browser, app):
    browser.start_pass()
    answer(browser, POWER, "green")
    answer(browser, PROOF, "red")
    pass_page = browser.get(f"/subjects/{SUBJECT}/passes/1")
    assert f'href="/subjects/{SUBJECT}/passes/1/close"' in pass_page.text
    confirm = browser.get(f"/subjects/{SUBJECT}/passes/1/close")
    assert confirm.status_code == 200 and "Close pass 1 of Calculus early?" in confirm.text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", confirm.text))
    assert "2 unrated exercises" in text and "0 Yellow and 1 Red" in text
    assert "Pass 2 will hold 3 exercises" in text and "The 1 Green one is done" in text
    with app.state.sessions() as session:  # asking changed nothing
        assert session.scalar(select(orm.Pass.ended_at)) is None
    closed = browser.post(f"/subjects/{SUBJECT}/passes/1/close")
    assert closed.url.path == f"/subjects/{SUBJECT}/passes/1/summary"
    assert browser.get(f"/subjects/{SUBJECT}/passes/1/close").url.path.endswith("/summary")


def test_the_pass_page_groups_exercises_by_topic_with_counts(browser: Browser):
    browser.start_pass()
    answer(browser, POWER, "green")
    page = browser.get(f"/subjects/{SUBJECT}/passes/1").text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert text.index("Limits 0 of 1 rated") < text.index(
        "Derivatives 1 of 3 rated: 1 Green, 0 Yellow, 0 Red")


def test_progress_shows_a_topic_map_and_a_streak_and_a_tile_starts_there(browser: Browser, app):
    browser.start_pass()
    answer(browser, CHOICE, "green")
    page = browser.get(f"/subjects/{SUBJECT}/progress").text
    tiles = re.findall(r'class="tile map-(\d)"[^>]*>\s*<a href="([^"]+)" aria-label="([^"]+)"',
                       page)
    assert [label for _, _, label in tiles] == [
        "Limits: 1 of 1 Green, nothing left to rate in an open pass",
        "Derivatives: 0 of 3 Green, start here",
    ]
    assert [level for level, _, _ in tiles] == ["4", "0"]
    assert "Today 1 of 10" in page and "Streak 1 day" in page
    opened = browser.get(tiles[1][1])
    assert opened.url.path == f"/exercises/{exercise_pk(app, POWER)}"
    assert browser.get(f"/subjects/no-such/topics/{TOPIC}/start").status_code == 404
    done = browser.get(tiles[0][1])
    assert done.url.path == f"/subjects/{SUBJECT}/passes/1"
    assert "Nothing of this topic is left" in done.text


def test_the_dashboard_shows_each_subjects_streak_and_todays_count(browser: Browser):
    settings(browser, daily_goal="2")
    browser.start_pass()
    assert "Today 0 of 2" in browser.get("/").text
    answer(browser, POWER)
    answer(browser, PROOF)
    dashboard = browser.get("/").text
    assert "Today 2 of 2 — goal met" in dashboard and "Streak 1 day" in dashboard


def test_settings_are_saved_and_shown_again(browser: Browser, app):
    saved = settings(browser, session_size="5", daily_goal="3", time_zone="Europe/Paris",
                     order="shuffled")
    assert saved.status_code == 200 and "Settings saved." in saved.text
    assert 'value="5"' in saved.text and 'value="Europe/Paris"' in saved.text
    with app.state.sessions() as session:
        user = session.get(orm.User, browser.user_id())
        assert (user.session_size, user.daily_goal, user.time_zone, user.session_order) == (
            5, 3, "Europe/Paris", "shuffled")


def test_bad_settings_get_a_clear_400_and_change_nothing(browser: Browser, app):
    for values, message in [
        ({"session_size": "0"}, "The session size must be a whole number from 1 to 200."),
        ({"session_size": "twelve"}, "The session size must be a whole number."),
        ({"daily_goal": "-3"}, "The daily goal must be a whole number from 1 to 1000."),
        ({"time_zone": "Mars/Olympus"}, "is not a time zone name"),
        ({"order": "alphabetical"}, "The order must be prerequisites or shuffled."),
    ]:
        page = settings(browser, **values)
        assert page.status_code == 400 and message in html.unescape(page.text), values
    too_long = settings(browser, time_zone="Europe/" + "x" * 80)
    assert too_long.status_code == 422 and "not filled in as expected" in too_long.text
    with app.state.sessions() as session:
        user = session.get(orm.User, browser.user_id())
        assert (user.session_size, user.daily_goal, user.time_zone) == (12, 10, None)
    forged = browser.client.post("/account/settings", data={"session_size": "3"})
    assert forged.status_code == 403


def test_continue_keeps_the_browsers_time_zone_until_the_learner_chooses_one(browser: Browser,
                                                                            app):
    browser.start_pass()
    browser.get("/")
    browser.post(f"/subjects/{SUBJECT}/continue", {"time_zone": "No/Such_Zone"})  # ignored
    browser.get("/")
    browser.post(f"/subjects/{SUBJECT}/continue", {"time_zone": "Asia/Tokyo"})
    browser.get("/")
    browser.post(f"/subjects/{SUBJECT}/continue", {"time_zone": "Europe/Paris"})  # kept: Tokyo
    with app.state.sessions() as session:
        assert session.get(orm.User, browser.user_id()).time_zone == "Asia/Tokyo"


def test_continue_without_an_open_pass_goes_to_the_subject(browser: Browser):
    page = browser.post(f"/subjects/{SUBJECT}/continue")
    assert page.url.path == "/"
    assert browser.post("/subjects/no-such-subject/continue").status_code == 404


def test_a_session_left_half_done_yesterday_is_over_today(browser: Browser, app):
    browser.start_pass()
    browser.post(f"/subjects/{SUBJECT}/continue")
    answer(browser, CHOICE)
    with app.state.sessions.begin() as session:  # as if it was yesterday's
        row = session.scalar(select(orm.StudySession).where(
            orm.StudySession.user_id == browser.user_id()))
        row.started_at = row.started_at - timedelta(days=1)
    page = browser.open(POWER)
    assert place(page.text) == "1 of 12 today · 2 of 4 in pass 1"
    answer(browser, POWER)
    assert count(app, orm.StudySession, user_id=browser.user_id()) == 2


def test_a_long_pass_lists_one_topic_at_a_time(browser: Browser, app, monkeypatch):
    monkeypatch.setattr(queries, "LIST_ALL", 2)  # the test bank's pass of 4 is "long"
    browser.start_pass()
    page = browser.get(f"/subjects/{SUBJECT}/passes/1").text
    assert "List its 3 exercises here" in page  # Derivatives, by its count only
    assert "List its 1 exercise here" not in page  # Limits, worked first, is listed
    chosen = browser.get(f"/subjects/{SUBJECT}/passes/1", params={"topic": TOPIC}).text
    assert "List its 1 exercise here" in chosen and "List its 3" not in chosen
    assert f"/exercises/{exercise_pk(app, POWER)}" in chosen
    other = browser.get(f"/subjects/{SUBJECT}/passes/1", params={"topic": "no-such"}).text
    assert "List its 3 exercises here" in other  # an unknown topic lists where work goes on


def test_list_and_exercise_pages_read_without_the_aggregate(browser: Browser, app, monkeypatch):
    browser.start_pass()

    def refuse(*_args, **_kwargs):
        raise AssertionError("a page loaded the learner's whole aggregate")

    monkeypatch.setattr(SubjectRepository, "get", refuse)
    assert "Derivatives" in browser.get(f"/subjects/{SUBJECT}/passes/1").text
    page = browser.get(f"/exercises/{exercise_pk(app, POWER)}").text
    assert "1 of 12 today · 1 of 4 in pass 1" in html.unescape(page)
