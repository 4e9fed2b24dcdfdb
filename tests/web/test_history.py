"""Progress per subject (DESIGN §1 rule 9): the history of passes, time spent, and the
calendar of activity on `/subjects/{subject}/progress`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app import models as orm
from app.db import UnitOfWork
from app.method import queries

from .conftest import CHOICE, LINEAR, POWER, PROOF, SUBJECT, Browser, exercise_pk

ROW = re.compile(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", re.S)
CELL = re.compile(r'<rect class="(cal-[\w-]+)"[^>]*><title>([^<]*)</title></rect>')


def rows(page_text: str) -> list[list[str]]:
    """The history table's rows, as the text of their cells."""
    found = []
    for row in ROW.findall(page_text):
        cells = re.split(r"</t[hd]>", row)
        found.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells if c.strip()])
    return found


def test_history_lists_the_passes_with_their_counts(browser: Browser):
    browser.start_pass()
    browser.check(POWER, "2x")
    browser.rate(POWER, "green")
    browser.check(LINEAR, "0")
    browser.show_solution(LINEAR)
    browser.rate(LINEAR, "yellow")
    browser.check(PROOF, "It does not change.")
    browser.rate(PROOF, "red")
    browser.post(f"/subjects/{SUBJECT}/passes/1/close")  # CHOICE left unrated
    browser.post(f"/subjects/{SUBJECT}/passes")

    page = browser.get(f"/subjects/{SUBJECT}/progress")
    assert page.status_code == 200
    first, second = rows(page.text)
    # pass, started, ended, exercises, green, yellow, red, unrated, time spent
    assert first[0] == "1" and "closed early" in first[2]
    assert first[3:8] == ["4", "1", "1", "1", "1"]
    assert second[0] == "2" and second[2] == "open"
    assert second[3] == "3"  # Yellow, Red and unrated of pass 1
    assert second[4:7] == ["0", "0", "0"]
    assert "Time spent" in page.text


def test_a_learner_sees_only_their_own_history(browser: Browser, app):
    browser.start_pass()
    other = Browser(app).sign_up()
    other.get("/")
    page = other.get(f"/subjects/{SUBJECT}/progress")
    assert rows(page.text) == [] and "No passes yet." in page.text
    assert other.get("/subjects/no-such-subject/progress").status_code == 404


def test_time_spent_caps_each_gap_at_ten_minutes():
    t0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    minutes = [0, 2, 3, 63, 63.5]  # start, attempt, rating, attempt an hour later, rating
    spent = queries.time_spent([t0 + timedelta(minutes=m) for m in minutes])
    assert spent == timedelta(minutes=2 + 1 + 10 + 0.5)
    assert queries.time_spent([t0]) == timedelta()
    naive = t0.replace(tzinfo=None) + timedelta(minutes=5)  # as SQLite hands it back
    assert queries.time_spent([naive, t0]) == timedelta(minutes=5)


def seed_pass(app, user_id: int, started: datetime, events: dict[str, tuple[float, float | None]],
              number: int = 1) -> None:
    """A pass with an attempt (and maybe a rating) per exercise, `(attempt, rating)` given in
    minutes after `started`."""
    pks = {global_id: exercise_pk(app, global_id) for global_id in events}
    with app.state.sessions.begin() as session:
        subject_id = session.scalar(select(orm.Subject.id).where(orm.Subject.slug == SUBJECT))
        if number == 1:  # as the app's first save does: a pass has a study list beside it
            session.add(orm.StudyList(user_id=user_id, subject_id=subject_id))
        row = orm.Pass(user_id=user_id, subject_id=subject_id, number=number,
                       started_at=started)
        session.add(row)
        for position, (global_id, (attempted, rated)) in enumerate(events.items()):
            item = orm.PassItem(exercise_id=pks[global_id], position=position,
                                seed=position, verdict="correct",
                                rating="yellow" if rated is not None else None)
            row.items.append(item)
            session.add(orm.Attempt(pass_item=item, response="1", status="correct",
                                    created_at=started + timedelta(minutes=attempted)))
            if rated is not None:
                session.add(orm.Rating(pass_item=item, rating="yellow",
                                       created_at=started + timedelta(minutes=rated)))


def test_time_spent_from_stored_timestamps(browser: Browser, app):
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    # gaps: 4 (attempt), 1 (rating), 30 -> 10 (attempt), 2 (rating), 3 (attempt, unrated)
    seed_pass(app, browser.user_id(), started,
              {POWER: (4, 5), LINEAR: (35, 37), PROOF: (40, None)})
    history = queries.subject_history(UnitOfWork(app.state.sessions), browser.user_id(), SUBJECT)
    (only,) = history.passes
    assert only.time_spent == timedelta(minutes=4 + 1 + 10 + 2 + 3)
    assert history.time_spent == only.time_spent
    assert (only.exercises, only.counts.yellow, only.counts.unrated) == (3, 2, 1)
    assert only.state == "open"
    page = browser.get(f"/subjects/{SUBJECT}/progress")
    assert rows(page.text)[0][-1] == "20 min"
    assert "20 min in all" in page.text


def test_the_calendar_counts_attempts_per_day(browser: Browser, app):
    today = datetime.now(UTC)
    started = (today - timedelta(days=9)).replace(hour=10, minute=0, second=0, microsecond=0)
    seed_pass(app, browser.user_id(), started,
              {POWER: (0, 1), LINEAR: (5, 6), CHOICE: (60 * 24, None)})
    page = browser.get(f"/subjects/{SUBJECT}/progress")
    cells = CELL.findall(page.text)
    assert len(cells) == 182 == 7 * 26
    titles = [title for _, title in cells]
    day, next_day = started.date(), started.date() + timedelta(days=1)
    assert f"2 attempts on {day.isoformat()}" in titles
    assert f"1 attempt on {next_day.isoformat()}" in titles
    assert f"0 attempts on {(day - timedelta(days=1)).isoformat()}" in titles
    assert f"{today.date().isoformat()} is still to come" not in titles
    busiest = dict((title, css) for css, title in cells)[f"2 attempts on {day.isoformat()}"]
    assert busiest == "cal-4"
    assert "3 in all" in page.text


def test_the_calendar_ends_with_this_week():
    today = datetime(2026, 11, 4, tzinfo=UTC).date()  # a Wednesday
    weeks = queries.calendar({today: 3}, today)
    assert len(weeks) == 26 and all(len(week) == 7 for week in weeks)
    assert weeks[0][0].day.weekday() == 0 and weeks[-1][2].day == today
    assert weeks[-1][2].title == "3 attempts on 2026-11-04" and weeks[-1][2].level == 4
    assert weeks[-1][3].future and not weeks[-1][2].future
