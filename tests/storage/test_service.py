"""The method service on a real database: what it stores, and that a rule (or a unique
constraint, when two requests race) stops a change without leaving half of it behind."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Select, event, func, select, update
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
    NotParked,
    PassNotFinished,
    Rating,
    RatingNotAllowed,
    Subject,
    Verdict,
)
from app.method.repository import ProgressCache, SubjectRepository, UnknownSubject
from app.rows import Rows

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


@pytest.fixture(params=["read each time", "kept in memory"])
def sessions(request: pytest.FixtureRequest, seeded: sessionmaker[Session],
             ) -> sessionmaker[Session]:
    """The seeded database's sessions, reading progress each time or keeping it in a
    `ProgressCache` (as the app does): every service test runs both ways."""
    if request.param == "kept in memory":
        ProgressCache(16).serve(seeded)
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


# The progress cache: a copy kept in memory is used only while the database still holds it


@pytest.fixture
def process(seeded: sessionmaker[Session], database_url: str) -> Iterator[
        Callable[[], tuple[sessionmaker[Session], ProgressCache]]]:
    """Start an "app process" on the seeded database: sessions with a cache of their own."""
    engines = []

    def start() -> tuple[sessionmaker[Session], ProgressCache]:
        engines.append(make_engine(database_url))
        factory, cache = session_factory(engines[-1]), ProgressCache(16)
        cache.serve(factory)
        return factory, cache

    yield start
    for engine in engines:
        engine.dispose()


@contextmanager
def selects(factory: sessionmaker[Session]) -> Iterator[list[str]]:
    """The SELECT statements run meanwhile: through SQLAlchemy, and the prebuilt ones that run
    on the driver's connection (`app.rows`)."""
    seen: list[str] = []

    def before(_conn, _cursor, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    def prebuilt(rows: Rows, statement: Select, **params: object) -> list[tuple]:
        seen.append(str(statement))
        return run(rows, statement, **params)

    engine = factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", before)
    run, Rows.all = Rows.all, prebuilt
    try:
        yield seen
    finally:
        Rows.all = run
        event.remove(engine, "before_cursor_execute", before)


def read(factory: sessionmaker[Session], subject: str = "calculus") -> Subject:
    with factory() as session:
        return SubjectRepository(session).get(ALICE, subject)


def test_progress_kept_in_memory_costs_one_query(seeded, process):
    factory, cache = process()
    service.start_pass(UnitOfWork(factory), ALICE, "calculus")  # cached when it commits
    assert len(cache) == 1
    with selects(factory) as seen:
        kept = read(factory)
    assert len(seen) == 1 and "version" in seen[0]
    assert kept == read(seeded) and kept.open_pass.number == 1


def test_what_a_save_keeps_is_what_the_database_holds(seeded, process):
    """After each change, the copy the writer kept equals a fresh read of the database."""
    factory, _ = process()
    uow = UnitOfWork(factory)

    def same(*subjects: str) -> None:
        with selects(factory) as seen:
            kept = [read(factory, subject) for subject in subjects]
        assert len(seen) == len(subjects)  # each from memory: only its version was read
        assert kept == [read(seeded, subject) for subject in subjects]

    service.start_pass(uow, ALICE, "calculus")
    same("calculus")
    check_and_rate(uow, A, G)
    service.show_solution(uow, ALICE, "calculus", B)
    check_and_rate(uow, B, Y)
    service.show_hint(uow, ALICE, "calculus", C, last=True)
    same("calculus")
    service.record_check(uow, ALICE, "calculus", C, "3x", "incorrect")
    service.close_pass(uow, ALICE, "calculus")
    same("calculus")
    service.start_pass(uow, ALICE, "calculus")
    with uow:  # the study list editor's way: the aggregate, saved
        repository = SubjectRepository(uow.session)
        aggregate = repository.get(ALICE, "calculus")
        aggregate.add_to_study_list([IMPORTED])
        aggregate.remove_from_study_list([D])
        repository.save(aggregate)
        uow.commit()
    same("calculus")
    for _ in range(5):  # the Red cap parks; unpark brings it back
        service.start_pass(uow, ALICE, "bayesian")
        service.record_check(uow, ALICE, "bayesian", BAYES, "1", "incorrect")
        service.rate(uow, ALICE, "bayesian", BAYES, R)
    same("calculus", "bayesian")
    service.unpark(uow, ALICE, "bayesian", BAYES)
    same("calculus", "bayesian")


def test_a_save_by_another_process_is_seen(seeded, process):
    (one, _), (two, kept_by_two) = process(), process()
    service.start_pass(UnitOfWork(one), ALICE, "calculus")
    assert service.progress(UnitOfWork(two), ALICE, "calculus").counts.green == 0
    assert len(kept_by_two) == 1
    check_and_rate(UnitOfWork(one), A, G)
    assert service.progress(UnitOfWork(two), ALICE, "calculus").counts.green == 1


def test_a_save_that_fails_keeps_nothing(seeded, process, meanwhile):
    factory, _ = process()
    uow = UnitOfWork(factory)
    service.start_pass(uow, ALICE, "calculus")
    service.record_check(uow, ALICE, "calculus", A, "2x", "correct")
    meanwhile(lambda s: orm.Rating(pass_item_id=item_id(s, A), rating="yellow"))
    with pytest.raises(AlreadyRated):
        service.rate(uow, ALICE, "calculus", A, G)  # saved, then the commit failed
    assert read(factory).item(A).rating is None
    assert read(factory) == read(seeded)


def test_a_save_that_raced_another_is_not_kept(seeded, process, database_url):
    """On PostgreSQL a request can read, another commit, and the first then save: its copy
    lacks the other's change, so it must not be kept."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite writers take turns: no save comes between a read and a write")
    factory, _ = process()
    service.start_pass(UnitOfWork(factory), ALICE, "calculus")
    with factory() as session:
        repository = SubjectRepository(session)
        aggregate = repository.get(ALICE, "calculus")
        service.record_check(UnitOfWork(factory), ALICE, "calculus", B, "3x", "incorrect")
        aggregate.record_check(A, Verdict.CORRECT)
        repository.save(aggregate)
        session.commit()
    kept = read(factory)
    assert kept.item(A).verdict is Verdict.CORRECT and kept.item(B).verdict is Verdict.INCORRECT
    assert kept == read(seeded)


def test_a_rolled_back_save_is_forgotten(seeded, process):
    """What a rolled-back save would have kept must not be kept by a later commit of the same
    session, when another save meanwhile brought the database to the same version."""
    (factory, _), (other, _) = process(), process()
    service.start_pass(UnitOfWork(factory), ALICE, "calculus")
    with factory() as session:
        repository = SubjectRepository(session)
        aggregate = repository.get(ALICE, "calculus")
        aggregate.record_check(A, Verdict.CORRECT)
        repository.save(aggregate)
        session.rollback()
        service.record_check(UnitOfWork(other), ALICE, "calculus", B, "3x", "incorrect")
        session.commit()
    kept = read(factory)
    assert kept.item(A).verdict is None and kept.item(B).verdict is Verdict.INCORRECT
    assert kept == read(seeded)


def test_the_curated_bank_kept_in_memory_follows_every_change_to_the_bank(seeded, process):
    """Before a learner's first save their progress is the curated bank, which has no
    `study_list.version`: the copy is kept while `bank_version` stands, and any writer's change
    to the bank (here plain SQL, as an operator might) moves it."""
    (factory, _), (other, _) = process(), process()
    assert read(factory).study_list == CALCULUS
    with selects(factory) as seen:
        assert read(factory).study_list == CALCULUS
    assert len(seen) == 1
    with other.begin() as session:  # D first; C into Alice's own collection
        session.execute(update(orm.Exercise).where(orm.Exercise.global_id == D).values(
            position=-1))
        mine = session.scalar(select(orm.Collection.id).where(orm.Collection.owner_id == ALICE))
        session.execute(update(orm.Exercise).where(orm.Exercise.global_id == C).values(
            collection_id=mine))
    assert read(factory).study_list == [D, A, B]
    assert read(factory) == read(seeded)


def test_earlier_passes_are_built_once_and_shared(seeded, process):
    """The passes before the last are history (the model never changes them): aggregates made
    from one kept snapshot share them, and a save writes nothing of them."""
    factory, _ = process()
    uow = UnitOfWork(factory)
    service.start_pass(uow, ALICE, "calculus")
    for exercise_id, rating in zip(CALCULUS, (G, Y, R, Y), strict=True):
        check_and_rate(uow, exercise_id, rating)
    service.start_pass(uow, ALICE, "calculus")
    first, second = read(factory), read(factory)
    assert first.passes[0] is second.passes[0] and first.passes[1] is not second.passes[1]
    check_and_rate(uow, B, G)
    kept = read(factory)
    assert kept.passes[0] is first.passes[0] and kept == read(seeded)
    assert [i.rating for i in kept.passes[0].items] == [G, Y, R, Y]


def test_a_read_aggregate_is_shared_until_the_progress_changes(seeded, process):
    """Pages read the aggregate without changing it: one kept snapshot makes it once for all of
    them. A change makes a new one; `save` refuses a read one (it must never be changed)."""
    factory, _ = process()
    uow = UnitOfWork(factory)
    service.start_pass(uow, ALICE, "calculus")

    def shared() -> Subject:
        with factory() as session:
            return SubjectRepository(session).read(ALICE, "calculus")

    first = shared()
    assert shared() is first and first == read(factory) and read(factory) is not first
    check_and_rate(uow, A, G)
    after = shared()
    assert after is not first and first.item(A).rating is None and after.item(A).rating is G
    with factory() as session, pytest.raises(ValueError, match="get"):
        repository = SubjectRepository(session)
        repository.save(repository.read(ALICE, "calculus"))
