"""The repository reads an aggregate with plain row queries and writes back only what changed:
what the pages read must be what the services saved, and an unchanged aggregate writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from app.db import UnitOfWork
from app.method import model, queries, service
from app.method.repository import SubjectRepository

from .conftest import CHOICE, LINEAR, POWER, PROOF, SUBJECT, Browser


@contextmanager
def writes(app) -> Iterator[list[str]]:
    """The INSERT/UPDATE/DELETE statements run meanwhile, by their first three words."""
    seen: list[str] = []

    def before(_conn, _cursor, statement: str, *_args) -> None:
        if statement.split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(" ".join(statement.replace("(", " ").split()[:3]))

    engine = app.state.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def reload(app, user_id: int) -> model.Subject:
    with app.state.sessions() as session:
        return SubjectRepository(session).get(user_id, SUBJECT)


def test_what_is_saved_is_what_is_read_back(browser: Browser, app):
    user_id = browser.user_id()
    assert not reload(app, user_id).passes  # no pass yet: the curated bank
    browser.start_pass()
    browser.check(POWER, "2x", shape="a power")
    browser.rate(POWER, "green")
    browser.check(LINEAR, "0")
    browser.show_solution(LINEAR)
    browser.rate(LINEAR, "red")
    browser.post(f"/exercises/{browser.open(PROOF).url.path.rsplit('/', 1)[-1]}/solution")
    aggregate = reload(app, user_id)
    assert aggregate.current_pass.number == 1
    assert aggregate.latest_rating(POWER) is model.Rating.GREEN
    assert aggregate.item(PROOF).saw_solution_before_check
    browser.post(f"/subjects/{SUBJECT}/passes/1/close")
    browser.start_pass()
    with app.state.sessions.begin() as session:  # a study list of its own, and a parked one
        repository = SubjectRepository(session)
        changed = repository.get(user_id, SUBJECT)
        changed.remove_from_study_list([CHOICE])
        changed.parked.add(LINEAR)
        repository.save(changed)
    read = reload(app, user_id)
    assert read == changed and read.parked == {LINEAR} and CHOICE not in read.study_list
    assert CHOICE not in read.open_pass and POWER not in read.open_pass
    cards = {card.slug: card.progress for card in queries.subject_cards(
        UnitOfWork(app.state.sessions), user_id)}
    assert cards[SUBJECT] == service.progress(UnitOfWork(app.state.sessions), user_id, SUBJECT)


def test_saving_writes_only_the_differences(browser: Browser, app):
    user_id = browser.user_id()
    browser.start_pass()
    browser.check(POWER, "2x")
    with app.state.sessions.begin() as session, writes(app) as seen:
        repository = SubjectRepository(session)
        aggregate = repository.get(user_id, SUBJECT)
        repository.save(aggregate)
        assert seen == []  # nothing changed, nothing written
        aggregate.rate(POWER, model.Rating.GREEN)
        repository.save(aggregate)
        assert seen == ["UPDATE pass_item SET", "INSERT INTO rating"]  # one item, its rating
        repository.save(aggregate)
        assert len(seen) == 2  # saving again: already written
    assert reload(app, user_id).latest_rating(POWER) is model.Rating.GREEN


def test_a_subject_not_started_shows_what_its_aggregate_would(browser: Browser, app):
    """The dashboard reads subjects the learner has not started in one statement: the card
    says what loading the aggregate would (rule 1's curated bank, all unrated)."""
    browser.start_pass()
    user_id = browser.user_id()
    cards = {c.slug: c.progress for c in queries.subject_cards(UnitOfWork(app.state.sessions),
                                                                 user_id)}
    with app.state.sessions() as session:
        repository = SubjectRepository(session)
        loaded = {slug: service.Progress.of(repository.get(user_id, slug)) for slug in cards}
    assert cards == loaded
    assert cards[SUBJECT].pass_number == 1 and cards["probability"].pass_number is None
    assert cards["probability"].counts.unrated == 1
