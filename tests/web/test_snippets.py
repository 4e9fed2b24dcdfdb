"""Lists name exercises by their filled prompt snippet (issue 15): made in the checker pool when
items join a pass, stored with the item, read by the list pages in one statement."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from app import models as orm
from app.db import UnitOfWork
from app.method import queries
from app.method.repository import SubjectRepository

from .conftest import LINEAR, POWER, SUBJECT, Browser

FILLED = re.compile(r"Differentiate \$f\(x\) = [2-9] x\$\.")


def snippets(app, user_id: int) -> dict[str, str | None]:
    with app.state.sessions() as session:
        return dict(session.execute(
            select(orm.Exercise.global_id, orm.PassItem.snippet)
            .join(orm.PassItem, orm.PassItem.exercise_id == orm.Exercise.id)
            .join(orm.Pass, orm.Pass.id == orm.PassItem.pass_id)
            .where(orm.Pass.user_id == user_id)).all())


def test_a_new_pass_has_every_items_snippet_and_its_lists_show_them(browser: Browser, app):
    browser.start_pass()
    stored = snippets(app, browser.user_id())
    assert None not in stored.values()
    assert FILLED.fullmatch(stored[LINEAR]) and stored[POWER] == "Differentiate $x^2$."
    listing = browser.get(f"/subjects/{SUBJECT}/passes/1").text
    assert re.search(r'class="snippet" data-tex>' + FILLED.pattern, listing)
    assert "{{" not in listing
    assert FILLED.search(browser.get(f"/subjects/{SUBJECT}/study-list").text)
    summary = browser.post(f"/subjects/{SUBJECT}/passes/1/close").text
    assert FILLED.search(summary) and "{{" not in summary


def test_exercises_joining_an_open_pass_get_their_snippets(browser: Browser, app):
    browser.get(f"/subjects/{SUBJECT}/study-list")
    browser.post(f"/subjects/{SUBJECT}/study-list", {"exercise": POWER})
    browser.start_pass()
    browser.get(f"/subjects/{SUBJECT}/study-list")
    browser.post(f"/subjects/{SUBJECT}/study-list",
                 {"scope": "curated/derivatives", "exercise": [POWER, LINEAR]})
    assert FILLED.fullmatch(snippets(app, browser.user_id())[LINEAR])


def test_list_pages_never_make_a_variant(browser: Browser, app, monkeypatch):
    browser.start_pass()
    pool = app.state.checker

    def refuse(*_args, **_kwargs):
        pytest.fail("a list page used the checker pool")

    monkeypatch.setattr(pool, "run", refuse)
    monkeypatch.setattr(pool, "run_async", refuse)
    for page in (f"/subjects/{SUBJECT}/passes/1", f"/subjects/{SUBJECT}/study-list",
                 "/needs-help"):
        assert browser.get(page).status_code == 200


def test_the_pass_labels_are_one_statement(browser: Browser, app):
    browser.start_pass()
    user_id = browser.user_id()
    statements: list[str] = []
    engine = app.state.sessions.kw["bind"]

    def before(_conn, _cursor, statement: str, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        names = queries.pass_labels(UnitOfWork(app.state.sessions), user_id, SUBJECT, 1)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert len(statements) == 1, statements
    assert FILLED.fullmatch(names[LINEAR].snippet)


def test_an_item_not_filled_yet_shows_its_prompt_unfilled(browser: Browser, app):
    browser.start_pass()
    with app.state.sessions.begin() as session:
        session.execute(orm.PassItem.__table__.update().values(snippet=None))
    listing = browser.get(f"/subjects/{SUBJECT}/passes/1").text
    assert "Differentiate $f(x) = a x$." in listing


def test_needs_help_shows_the_variant_last_seen(browser: Browser, app):
    browser.start_pass()
    user_id = browser.user_id()
    with app.state.sessions.begin() as session:
        repository = SubjectRepository(session)
        aggregate = repository.get(user_id, SUBJECT)
        aggregate.parked.add(LINEAR)
        repository.save(aggregate)
    assert re.search(r'class="prompt" data-tex>' + FILLED.pattern,
                     browser.get("/needs-help").text)
