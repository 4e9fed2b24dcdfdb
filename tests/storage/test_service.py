"""The method service on a real database: what it stores, and that a rule (or a unique
constraint, when two requests race) stops a change without leaving half of it behind."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import models as orm
from app.db import UnitOfWork, make_engine, migrate, session_factory
from app.method import service
from app.method.model import (
    AlreadyChecked,
    AlreadyRated,
    MethodError,
    NothingToStudy,
    NothingToUndo,
    NotParked,
    PassNotFinished,
    Rating,
    RatingNotAllowed,
    Subject,
)
from app.method.repository import SubjectRepository, UnknownSubject

G, Y, R = Rating.GREEN, Rating.YELLOW, Rating.RED
ALICE, BOB = 1, 2
A, B, C, D = CALCULUS = [f"calculus/chain-rule/chain-rule-0{n}" for n in range(1, 5)]
BAYES = "bayesian/priors/priors-01"
IMPORTED = "calculus/chain-rule/alice-01"


def seed(session: Session) -> None:
    """Two learners; the curated bank (calculus: four exercises, bayesian: one) and a list Alice
    imported, which is hers and so not part of a default study list."""
    bank = orm.Collection(slug="curated", title="Curated bank")
    mine = orm.Collection(slug="alice-book", title="Alice's book", owner_id=ALICE)
    chain = topic("calculus", "chain-rule")
    priors = topic("bayesian", "priors")
    session.add_all(
        [
            orm.User(id=ALICE, email="alice@example.org", password_hash="x"),
            orm.User(id=BOB, email="bob@example.org", password_hash="x"),
        ]
    )
    session.flush()
    exercises = [(g, bank, chain, n) for n, g in enumerate(CALCULUS)]
    exercises += [(IMPORTED, mine, chain, 0), (BAYES, bank, priors, 0)]
    session.add_all(exercise(*args) for args in exercises)


def topic(subject: str, slug: str) -> orm.Topic:
    return orm.Topic(subject=orm.Subject(slug=subject, title=subject), slug=slug, title=slug)


def exercise(
    global_id: str, collection: orm.Collection, topic: orm.Topic, position: int
) -> orm.Exercise:
    return orm.Exercise(
        global_id=global_id,
        collection=collection,
        topic=topic,
        position=position,
        prompt=f"Exercise {global_id}",
        answer={"type": "expression", "value": "2*x"},
    )


@pytest.fixture
def seeded(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A migrated database with the seed rows, on each backend; sessions that read the
    learners' progress from the database each time."""
    migrate(database_url)
    engine = make_engine(database_url)
    factory = session_factory(engine)
    with factory.begin() as session:
        seed(session)
    yield factory
    engine.dispose()


@pytest.fixture
def sessions(seeded: sessionmaker[Session]) -> sessionmaker[Session]:
    """The seeded database's sessions."""
    return seeded


@pytest.fixture
def uow(sessions: sessionmaker[Session]) -> UnitOfWork:
    return UnitOfWork(sessions)


def count(uow: UnitOfWork, table: type[orm.Base], **where: object) -> int:
    with uow:
        query = select(func.count()).select_from(table).filter_by(**where)
        return uow.session.scalar(query)


def pass_items(uow: UnitOfWork, user_id: int, number: int) -> list[str]:
    with uow:
        query = (
            select(orm.Exercise.global_id)
            .join(orm.PassItem.exercise)
            .join(orm.Pass, orm.PassItem.pass_id == orm.Pass.id)
            .where(orm.Pass.user_id == user_id, orm.Pass.number == number)
            .order_by(orm.PassItem.position)
        )
        return list(uow.session.scalars(query))


def check_and_rate(uow: UnitOfWork, exercise_id: str, rating: Rating, user_id: int = ALICE):
    status = "correct" if rating is G else "incorrect"
    assert service.record_check(uow, user_id, "calculus", exercise_id, "2x", status)
    service.show_solution(uow, user_id, "calculus", exercise_id)
    return service.rate(uow, user_id, "calculus", exercise_id, rating)


# The round trip


def test_pass_2_holds_only_the_yellow_and_red_of_pass_1(uow):
    assert service.start_pass(uow, ALICE, "calculus") == 1
    assert pass_items(uow, ALICE, 1) == CALCULUS  # the curated bank, not Alice's import
    for exercise_id, rating in zip(CALCULUS, [G, Y, R, G], strict=True):
        check_and_rate(uow, exercise_id, rating)
    progress = service.progress(uow, ALICE, "calculus")
    assert (progress.pass_number, progress.pass_open) == (1, False)
    assert (progress.counts.green, progress.counts.yellow, progress.counts.red) == (2, 1, 1)
    assert service.start_pass(uow, ALICE, "calculus") == 2
    assert pass_items(uow, ALICE, 2) == [B, C]
    assert count(uow, orm.Rating) == 4
    assert count(uow, orm.Attempt) == 4


def test_closing_early_carries_the_unrated_over(uow):
    service.start_pass(uow, ALICE, "calculus")
    check_and_rate(uow, A, G)
    check_and_rate(uow, B, Y)
    summary = service.close_pass(uow, ALICE, "calculus")
    assert (summary.number, summary.counts.unrated) == (1, 2)
    assert summary.next_pass == [B, C, D]
    assert count(uow, orm.Pass, closed_early=True) == 1
    service.start_pass(uow, ALICE, "calculus")
    assert pass_items(uow, ALICE, 2) == [B, C, D]


def test_an_attempt_keeps_the_response_and_notes(uow):
    service.start_pass(uow, ALICE, "calculus")
    assert service.record_check(
        uow, ALICE, "calculus", A, "2x", "correct", "2 x", "outer(inner)", "chain rule"
    )
    with uow:
        attempt = uow.session.scalars(select(orm.Attempt)).one()
        assert (attempt.response, attempt.status, attempt.latex) == ("2x", "correct", "2 x")
        assert (attempt.shape_of_problem, attempt.motion_to_solution) == (
            "outer(inner)",
            "chain rule",
        )
        assert attempt.pass_item.verdict == "correct"


def test_invalid_records_nothing(uow):
    service.start_pass(uow, ALICE, "calculus")
    assert not service.record_check(uow, ALICE, "calculus", A, "2x(", "invalid")
    assert count(uow, orm.Attempt) == 0
    assert count(uow, orm.PassItem, verdict=None) == 4
    assert service.record_check(uow, ALICE, "calculus", A, "2x", "correct")


def test_a_dispute_is_stored_with_the_rating(uow):
    service.start_pass(uow, ALICE, "calculus")
    service.record_check(uow, ALICE, "calculus", A, "2*x", "incorrect")
    service.show_solution(uow, ALICE, "calculus", A)
    with pytest.raises(RatingNotAllowed):
        service.rate(uow, ALICE, "calculus", A, G)
    service.rate(uow, ALICE, "calculus", A, G, disputed=True)
    assert count(uow, orm.Rating, rating="green", disputed=True) == 1


def test_the_solution_seen_before_the_check_caps_the_rating(uow):
    service.start_pass(uow, ALICE, "calculus")
    service.show_solution(uow, ALICE, "calculus", A)
    service.show_hint(uow, ALICE, "calculus", B, last=True)
    for exercise_id in (A, B):
        service.record_check(uow, ALICE, "calculus", exercise_id, "2x", "correct")
        with pytest.raises(RatingNotAllowed):
            service.rate(uow, ALICE, "calculus", exercise_id, G)
    assert count(uow, orm.Rating) == 0
    assert count(uow, orm.PassItem, saw_solution_before_check=True) == 1
    assert count(uow, orm.PassItem, saw_last_hint_before_check=True) == 1


def test_the_red_cap_parks_and_unpark_brings_it_back(uow):
    def red_pass() -> bool:
        service.start_pass(uow, ALICE, "bayesian")
        service.record_check(uow, ALICE, "bayesian", BAYES, "1", "incorrect")
        service.show_solution(uow, ALICE, "bayesian", BAYES)
        return service.rate(uow, ALICE, "bayesian", BAYES, R)

    assert [red_pass() for _ in range(5)] == [False, False, False, False, True]
    assert service.progress(uow, ALICE, "bayesian").counts.parked == 1
    with pytest.raises(NothingToStudy):
        service.start_pass(uow, ALICE, "bayesian")
    service.unpark(uow, ALICE, "bayesian", BAYES)
    with pytest.raises(NotParked):
        service.unpark(uow, ALICE, "bayesian", BAYES)
    assert count(uow, orm.Parked) == 0
    assert red_pass()  # pass 6: Red again parks it again at once


def test_try_again_stores_each_attempt_with_what_the_checker_said(uow):
    service.start_pass(uow, ALICE, "calculus")
    service.record_check(uow, ALICE, "calculus", A, "3x", "incorrect", message="no",
                         feedback="Mind the chain rule.", shape_note="a product")
    service.try_again(uow, ALICE, "calculus", A)
    service.record_check(uow, ALICE, "calculus", A, "2x", "correct")
    with pytest.raises(RatingNotAllowed):  # an attempt was Incorrect
        service.rate(uow, ALICE, "calculus", A, G)
    service.rate(uow, ALICE, "calculus", A, Y)
    with uow:
        attempts = uow.session.execute(
            select(orm.Attempt.number, orm.Attempt.response, orm.Attempt.status,
                   orm.Attempt.feedback, orm.Attempt.shape_of_problem)
            .order_by(orm.Attempt.number)).all()
    assert attempts == [(1, "3x", "incorrect", "Mind the chain rule.", "a product"),
                        (2, "2x", "correct", None, None)]
    assert count(uow, orm.PassItem, incorrect_attempts=1, rating="yellow") == 1


def make_three_parts(uow: UnitOfWork, exercise_id: str) -> None:
    with uow:
        row = uow.session.scalars(select(orm.Exercise).filter_by(global_id=exercise_id)).one()
        row.answer = {}
        row.parts = [{"id": f"p{n}", "prompt": f"Part {n}",
                      "answer": {"type": "expression", "value": "2*x"}} for n in range(3)]
        uow.commit()


def test_parts_are_stored_with_the_current_part_and_attempts_numbered_across_them(uow):
    make_three_parts(uow, A)
    service.start_pass(uow, ALICE, "calculus")
    assert service.record_check(uow, ALICE, "calculus", A, "2x", "correct", part=0)
    service.next_part(uow, ALICE, "calculus", A)
    service.record_check(uow, ALICE, "calculus", A, "3x", "incorrect", part=1)
    service.try_again(uow, ALICE, "calculus", A)
    service.record_check(uow, ALICE, "calculus", A, "2x", "correct", part=1)
    with pytest.raises(AlreadyChecked):  # graded against part 1, which is done
        service.record_check(uow, ALICE, "calculus", A, "2x", "correct", part=1)
    service.next_part(uow, ALICE, "calculus", A)
    service.show_solution(uow, ALICE, "calculus", A)  # part 3 done without an attempt
    with uow:
        item = SubjectRepository(uow.session).get(ALICE, "calculus").item(A)
        assert (item.parts, item.part, item.attempt_count, item.stage) == (3, 2, 3, "rate")
        assert item.saw_solution_before_check and item.incorrect_before
        attempts = uow.session.execute(
            select(orm.Attempt.number, orm.Attempt.part, orm.Attempt.status)
            .order_by(orm.Attempt.number)).all()
    assert attempts == [(1, 0, "correct"), (2, 1, "incorrect"), (3, 1, "correct")]
    with pytest.raises(RatingNotAllowed):
        service.rate(uow, ALICE, "calculus", A, G)
    service.rate(uow, ALICE, "calculus", A, Y)
    service.undo_rating(uow, ALICE, "calculus", A)
    with uow:
        subject = SubjectRepository(uow.session).get(ALICE, "calculus")
        assert (subject.item(A).stage, subject.item(B).parts) == ("rate", 1)


def test_a_second_check_of_the_same_attempt_meanwhile_is_already_checked(uow, meanwhile):
    service.start_pass(uow, ALICE, "calculus")
    service.record_check(uow, ALICE, "calculus", A, "3x", "incorrect")
    service.try_again(uow, ALICE, "calculus", A)
    meanwhile(lambda s: orm.Attempt(pass_item_id=item_id(s, A), number=2, response="2x",
                                    status="correct"))
    with pytest.raises(AlreadyChecked):
        service.record_check(uow, ALICE, "calculus", A, "2x", "correct")
    assert count(uow, orm.Attempt) == 1


def test_undo_deletes_the_rating_and_reopens_the_pass_it_ended(uow):
    service.start_pass(uow, ALICE, "calculus")
    for exercise_id in CALCULUS:
        check_and_rate(uow, exercise_id, Y)
    assert count(uow, orm.Pass, ended_at=None) == 0
    service.undo_rating(uow, ALICE, "calculus", D)
    assert count(uow, orm.Rating) == 3
    assert count(uow, orm.Pass, ended_at=None) == 1
    with pytest.raises(NothingToUndo):
        service.undo_rating(uow, ALICE, "calculus", D)
    service.rate(uow, ALICE, "calculus", D, R)
    assert count(uow, orm.Rating, rating="red") == 1
    assert count(uow, orm.Pass, ended_at=None) == 0


def test_undo_of_a_red_that_parked_unparks(uow):
    for _ in range(5):
        service.start_pass(uow, ALICE, "bayesian")
        service.record_check(uow, ALICE, "bayesian", BAYES, "1", "incorrect")
        service.show_solution(uow, ALICE, "bayesian", BAYES)
        parked = service.rate(uow, ALICE, "bayesian", BAYES, R)
    assert parked and count(uow, orm.Parked) == 1
    service.undo_rating(uow, ALICE, "bayesian", BAYES)
    assert count(uow, orm.Parked) == 0
    assert service.progress(uow, ALICE, "bayesian").pass_open


def test_no_undo_after_the_next_check(uow):
    service.start_pass(uow, ALICE, "calculus")
    check_and_rate(uow, A, G)
    service.record_check(uow, ALICE, "calculus", B, "2x", "correct")
    with pytest.raises(NothingToUndo):
        service.undo_rating(uow, ALICE, "calculus", A)
    assert count(uow, orm.Rating) == 1


def test_theory_seen_is_stored_once_per_topic_per_pass(uow):
    service.start_pass(uow, ALICE, "calculus")
    check_and_rate(uow, A, Y)
    service.close_pass(uow, ALICE, "calculus")
    service.start_pass(uow, ALICE, "calculus")
    with uow.reading():
        aggregate = SubjectRepository(uow.session).get(ALICE, "calculus")
    assert aggregate.theory_review_due(A, "chain-rule")
    service.theory_shown(uow, ALICE, "calculus", "chain-rule")
    service.theory_shown(uow, ALICE, "calculus", "chain-rule")  # a second tab: no error
    assert count(uow, orm.TheorySeen) == 1
    with uow.reading():
        aggregate = SubjectRepository(uow.session).get(ALICE, "calculus")
    assert not aggregate.theory_review_due(A, "chain-rule")


def test_progress_of_a_new_learner_is_the_whole_bank_unrated(uow):
    progress = service.progress(uow, BOB, "calculus")
    assert (progress.pass_number, progress.pass_open, progress.complete) == (None, False, False)
    assert progress.counts.unrated == 4
    assert count(uow, orm.StudyList) == 0  # reading saves nothing


def test_an_unknown_learner_is_a_bug_not_a_race(uow):
    """A foreign key refusing the rows is not mistaken for "a pass was just started"."""
    with pytest.raises(IntegrityError):
        service.start_pass(uow, 99, "calculus")
    assert count(uow, orm.Pass) == 0


def test_an_unknown_subject_is_a_lookup_error(uow):
    with pytest.raises(UnknownSubject):
        service.progress(uow, ALICE, "alchemy")


# Other learners


def test_another_learners_progress_is_invisible(uow):
    service.start_pass(uow, ALICE, "calculus")
    check_and_rate(uow, A, G)
    assert service.progress(uow, BOB, "calculus").counts.green == 0
    assert service.start_pass(uow, BOB, "calculus") == 1
    check_and_rate(uow, A, R, user_id=BOB)
    assert service.progress(uow, ALICE, "calculus").counts.green == 1
    assert service.progress(uow, ALICE, "calculus").counts.red == 0
    assert pass_items(uow, BOB, 1) == CALCULUS


# Double clicks: the model says no, and nothing is duplicated


def test_a_second_start_pass_is_refused(uow):
    service.start_pass(uow, ALICE, "calculus")
    with pytest.raises(PassNotFinished):
        service.start_pass(uow, ALICE, "calculus")
    assert count(uow, orm.Pass) == 1
    assert count(uow, orm.PassItem) == 4
    assert count(uow, orm.StudyList) == 1


def test_a_second_check_or_rating_is_refused(uow):
    service.start_pass(uow, ALICE, "calculus")
    check_and_rate(uow, A, Y)
    with pytest.raises(AlreadyRated):
        service.rate(uow, ALICE, "calculus", A, R)
    with pytest.raises(AlreadyRated):
        service.record_check(uow, ALICE, "calculus", A, "2x", "correct")
    service.record_check(uow, ALICE, "calculus", B, "2x", "correct")
    with pytest.raises(AlreadyChecked):
        service.record_check(uow, ALICE, "calculus", B, "2x", "correct")
    assert (count(uow, orm.Rating), count(uow, orm.Attempt)) == (1, 2)


# Races: another request commits between our read and our write


@pytest.fixture
def meanwhile(monkeypatch) -> Callable[[Callable[[Session], object]], None]:
    """Make the next load run `concurrent(session)` right after reading, as if another request
    had written those rows while this one was deciding."""

    def arrange(concurrent: Callable[[Session], object]) -> None:
        original = SubjectRepository.get

        def get(self: SubjectRepository, user_id: int, subject: str) -> Subject:
            aggregate = original(self, user_id, subject)
            self.session.add(concurrent(self.session))
            self.session.flush()
            monkeypatch.setattr(SubjectRepository, "get", original)
            return aggregate

        monkeypatch.setattr(SubjectRepository, "get", get)

    return arrange


def item_id(session: Session, exercise_id: str) -> int:
    query = select(orm.PassItem.id).join(orm.PassItem.exercise)
    return session.scalars(query.where(orm.Exercise.global_id == exercise_id)).one()


def test_a_pass_started_meanwhile_is_pass_not_finished(uow, meanwhile):
    subject_id = select(orm.Subject.id).where(orm.Subject.slug == "calculus")
    meanwhile(lambda s: orm.Pass(user_id=ALICE, subject_id=s.scalar(subject_id), number=1))
    with pytest.raises(PassNotFinished) as raised:
        service.start_pass(uow, ALICE, "calculus")
    assert isinstance(raised.value.__cause__, IntegrityError)
    assert count(uow, orm.Pass) == 0  # all of it rolled back


def test_a_rating_made_meanwhile_is_already_rated(uow, meanwhile):
    service.start_pass(uow, ALICE, "calculus")
    service.record_check(uow, ALICE, "calculus", A, "2x", "correct")
    meanwhile(lambda s: orm.Rating(pass_item_id=item_id(s, A), rating="yellow"))
    with pytest.raises(AlreadyRated):
        service.rate(uow, ALICE, "calculus", A, G)
    assert count(uow, orm.Rating) == 0
    assert count(uow, orm.PassItem, rating=None) == 4


def test_an_attempt_made_meanwhile_is_already_checked(uow, meanwhile):
    service.start_pass(uow, ALICE, "calculus")
    meanwhile(lambda s: orm.Attempt(pass_item_id=item_id(s, A), response="3x", status="incorrect"))
    with pytest.raises(AlreadyChecked):
        service.record_check(uow, ALICE, "calculus", A, "2x", "correct")
    assert count(uow, orm.Attempt) == 0


def test_concurrent_double_clicks_make_one_row(uow, sessions):
    """Two threads (each request has its own unit of work), the same click: whichever way they
    interleave, one wins and the other is refused."""
    service.start_pass(uow, ALICE, "calculus")
    service.record_check(uow, ALICE, "calculus", A, "2x", "correct")
    outcomes = run_together(lambda: service.rate(UnitOfWork(sessions), ALICE, "calculus", A, G))
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyRated", "bool"]
    outcomes = run_together(lambda: service.start_pass(UnitOfWork(sessions), BOB, "calculus"))
    assert sorted(type(o).__name__ for o in outcomes) == ["PassNotFinished", "int"]
    assert (count(uow, orm.Rating), count(uow, orm.Pass, user_id=BOB)) == (1, 1)


def run_together(click: Callable[[], object], times: int = 2) -> list[object]:
    barrier = threading.Barrier(times)
    outcomes: list[object] = []

    def run() -> None:
        barrier.wait()
        try:
            outcomes.append(click())
        except MethodError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes
