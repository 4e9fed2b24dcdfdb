"""Prebuilt statements on the driver's connection (`app.rows`) give what SQLAlchemy gives."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import Session

from app import models as orm
from app.db import UnitOfWork, make_engine, migrate, readers_of, rows_of, session_factory
from app.method import repository
from app.web import accounts, views

EXERCISE = dict(global_id="calculus/derivatives/power", position=0, prompt="Differentiate $x^2$.",
                answer={"type": "expression", "value": "2*x", "vars": ["x"]},
                params={"a": [1, 2]}, hints=["The power rule."], wrong=[], solution="2x",
                difficulty=2, source="original")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    migrate(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session, session.begin():
        subject = orm.Subject(slug="calculus", title="Calculus")
        topic = orm.Topic(subject=subject, slug="derivatives", title="Derivatives", position=0)
        collection = orm.Collection(slug="starter", title="Starter", macros={"R": r"\mathbb{R}"})
        session.add_all([
            orm.Exercise(topic=topic, collection=collection, **EXERCISE),
            orm.User(email="alice@example.org", password_hash="x", is_operator=True),
            orm.User(email="bob@example.org", password_hash="x"),
        ])
    try:
        yield engine
    finally:
        engine.dispose()


def through_sqlalchemy(engine: Engine, statement, **params) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(statement, params)]


HOT = [
    (accounts._ACCOUNT, {"id": 1}),
    (accounts._ACCOUNT, {"id": 2}),
    (views._EXERCISE, {"pk": 1, "user_id": 2}),
    (views._EXERCISE_AND_OPEN_SEED, {"pk": 1, "user_id": 2}),
    (views._TOPIC_NOTES, {"subject": "calculus", "topic": "derivatives"}),
    (views._SUBJECTS, {}),
    (views._PK, {"global_id": EXERCISE["global_id"]}),
    (repository._KEY, {"user_id": 1, "slug": "calculus"}),
    (repository._CURATED_BANK, {"subject_id": 1}),
]


@pytest.mark.parametrize("number", range(len(HOT)))
def test_a_prebuilt_read_gives_what_sqlalchemy_gives(engine, number):
    """Same rows and the same Python values: booleans, JSON, datetimes and NULLs included."""
    statement, params = HOT[number]
    with readers_of(engine).read_only() as rows:
        found = rows.all(statement, **params)
    assert found == through_sqlalchemy(engine, statement, **params) and found


def test_values_come_back_as_their_types_say(engine):
    with readers_of(engine).read_only() as rows:
        alice = rows.first(accounts._ACCOUNT, id=1)
        exercise = rows.first_as_dict(views._EXERCISE, pk=1, user_id=1)
        missing = rows.first(accounts._ACCOUNT, id=99)
    assert alice == ("alice@example.org", True) and alice[1] is True
    assert exercise["answer"] == EXERCISE["answer"] and exercise["hints"] == ["The power rule."]
    assert exercise["macros"] == {"R": r"\mathbb{R}"} and exercise["subject"] == "calculus"
    assert isinstance(exercise["updated_at"], datetime)
    assert missing is None


def test_values_inside_the_statement_are_bound(engine):
    """A literal the statement compares with is a bound value too, kept beside the names."""
    statement = select(orm.User.email).where(orm.User.is_operator == bindparam("operator"),
                                             orm.User.id > 0).order_by(orm.User.id)
    readers = readers_of(engine)
    with readers.read_only() as rows:
        assert rows.all(statement, operator=False) == [("bob@example.org",)]
        assert rows.scalar(statement, operator=True) == "alice@example.org"
    assert readers.statements[statement] is readers.statements[statement]  # compiled once


def test_expanding_parameters_are_refused(engine):
    statement = select(orm.User.id).where(orm.User.id.in_(bindparam("ids", expanding=True)))
    with readers_of(engine).read_only() as rows, pytest.raises(ValueError):
        rows.all(statement, ids=[1, 2])


def test_a_read_only_transaction_sees_one_snapshot_and_writes_nothing(engine):
    with readers_of(engine).read_only() as rows:
        before = rows.all(views._SUBJECTS)
        with Session(engine) as session, session.begin():  # another writer commits meanwhile
            session.add(orm.Subject(slug="statistics", title="Statistics"))
        assert rows.all(views._SUBJECTS) == before
    with readers_of(engine).read_only() as rows:
        assert [slug for slug, _ in rows.all(views._SUBJECTS)] == ["calculus", "statistics"]


def test_in_a_session_it_runs_inside_the_sessions_transaction(engine):
    """The repository's reads see what its own transaction wrote and has not committed."""
    uow = UnitOfWork(session_factory(engine))
    with uow:
        uow.session.add(orm.Subject(slug="algebra", title="Linear algebra"))
        uow.session.flush()
        found = rows_of(uow.session).all(views._SUBJECTS)
        assert [slug for slug, _ in found] == ["calculus", "algebra"]
    with readers_of(engine).read_only() as rows:  # rolled back with the session
        assert [slug for slug, _ in rows.all(views._SUBJECTS)] == ["calculus"]


def test_on_sqlite_a_thread_keeps_its_read_connection_until_it_ends(tmp_path):
    """One connection per reading thread, outside the pool; an ended thread's is closed when
    another thread first reads (or taken over by a thread that gets its id), the rest when
    the engine is disposed."""
    url = f"sqlite:///{tmp_path / 'gyrus.db'}"
    migrate(url)
    engine = make_engine(url)
    readers = readers_of(engine)

    def connection() -> object:
        with readers.read_only() as rows:
            rows.all(views._SUBJECTS)
            return rows._connection

    mine = connection()
    assert connection() is mine and engine.pool.checkedout() == 0
    seen: list[object] = []
    for _ in range(5):  # one after the other: each ended thread's goes, or its successor
        reader = threading.Thread(target=lambda: seen.append(connection()))  # takes it over
        reader.start()
        reader.join()
    assert mine not in seen and len(readers) <= 2
    engine.dispose()
    assert len(readers) == 0
    with pytest.raises(sqlite3.ProgrammingError):  # closed
        mine.execute("SELECT 1")
    with pytest.raises(sqlite3.ProgrammingError):
        seen[-1].execute("SELECT 1")


def test_a_read_inside_a_read_gets_a_connection_of_its_own(engine):
    """The outer transaction keeps its snapshot and is not ended by the inner one."""
    readers = readers_of(engine)
    with readers.read_only() as outer:
        before = outer.all(views._SUBJECTS)
        with Session(engine) as session, session.begin():
            session.add(orm.Subject(slug="statistics", title="Statistics"))
        with readers.read_only() as inner:
            assert len(inner.all(views._SUBJECTS)) == len(before) + 1
        assert outer.all(views._SUBJECTS) == before


def test_one_statement_read_on_its_own_leaves_no_transaction_open(engine):
    """`Readers.first`: the account read on every request. Outside a transaction it runs
    alone (on SQLite without BEGIN/ROLLBACK); inside a read it reads that read's snapshot
    from a connection of its own, and ends neither."""
    readers = readers_of(engine)
    assert readers.first(accounts._ACCOUNT, id=1) == ("alice@example.org", True)
    assert readers.first(accounts._ACCOUNT, id=99) is None
    assert UnitOfWork(session_factory(engine)).read_first(accounts._ACCOUNT, id=2) == (
        "bob@example.org", False)
    if readers._kept is not None:
        (kept,) = readers._kept.values()
        assert not kept.in_transaction and engine.pool.checkedout() == 0
    with readers.read_only() as outer:
        before = outer.all(views._SUBJECTS)
        with Session(engine) as session, session.begin():
            session.add(orm.User(email="carol@example.org", password_hash="x"))
        assert readers.first(accounts._ACCOUNT, id=3) == ("carol@example.org", False)
        assert outer.all(views._SUBJECTS) == before and outer.first(accounts._ACCOUNT, id=3) is None


def test_a_session_read_sees_one_snapshot_too(engine):
    """The pages that read through the ORM (`UnitOfWork.reading`): a commit that lands while
    they read is not half seen (on PostgreSQL: REPEATABLE READ, READ ONLY)."""
    sessions = session_factory(engine)
    with UnitOfWork(sessions).reading() as reader:
        before = reader.session.scalars(select(orm.Subject.slug)).all()
        with Session(engine) as session, session.begin():
            session.add(orm.Subject(slug="statistics", title="Statistics"))
        assert reader.session.scalars(select(orm.Subject.slug)).all() == before
    with UnitOfWork(sessions).reading() as reader:
        assert "statistics" in reader.session.scalars(select(orm.Subject.slug)).all()
