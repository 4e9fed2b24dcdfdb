"""The pages read a learner's aggregate with plain row queries (`views.read_subject`): it must be
the very aggregate the services load through the repository."""

from __future__ import annotations

from app.method import service
from app.method.repository import SubjectRepository
from app.web import views

from .conftest import CHOICE, LINEAR, POWER, PROOF, SUBJECT, Browser


def aggregates(app, user_id: int) -> tuple:
    with app.state.sessions() as session:
        return (views.read_subject(session, user_id, SUBJECT),
                SubjectRepository(session).get(user_id, SUBJECT))


def test_the_read_path_gives_the_repository_aggregate(browser: Browser, app):
    user_id = browser.user_id()
    read, loaded = aggregates(app, user_id)
    assert read == loaded and not read.passes  # no pass yet: the curated bank
    browser.start_pass()
    browser.check(POWER, "2x", shape="a power")
    browser.rate(POWER, "green")
    browser.check(LINEAR, "0")
    browser.rate(LINEAR, "red")
    browser.post(f"/exercises/{browser.open(PROOF).url.path.rsplit('/', 1)[-1]}/solution")
    read, loaded = aggregates(app, user_id)
    assert read == loaded and read.current_pass.number == 1
    browser.post(f"/subjects/{SUBJECT}/passes/1/close")
    browser.start_pass()
    with app.state.sessions.begin() as session:  # a study list of its own, and a parked one
        repository = SubjectRepository(session)
        aggregate = repository.get(user_id, SUBJECT)
        aggregate.remove_from_study_list([CHOICE])
        aggregate.parked.add(LINEAR)
        repository.save(aggregate)
    read, loaded = aggregates(app, user_id)
    assert read == loaded and read.parked == {LINEAR} and CHOICE not in read.study_list
    cards = {card.slug: card.progress for card in views.subject_cards(
        views.UnitOfWork(app.state.sessions), user_id)}
    assert cards[SUBJECT] == service.progress(views.UnitOfWork(app.state.sessions), user_id,
                                              SUBJECT)
