"""SQLite's connection settings: read-only units of work (the pages' queries) never queue
behind the write lock, and commits wait for the disk as the operator chose."""

from __future__ import annotations

import time

import pytest
from pydantic import ValidationError
from sqlalchemy import select, text

from app import models as orm
from app.db import UnitOfWork, make_engine, migrate, session_factory
from app.settings import Settings


def test_a_reader_does_not_wait_for_a_writer(tmp_path):
    url = f"sqlite:///{tmp_path / 'gyrus.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        sessions = session_factory(engine)
        with UnitOfWork(sessions) as writer:  # BEGIN IMMEDIATE: holds the write lock
            writer.session.add(orm.Subject(slug="calculus", title="Calculus"))
            writer.session.flush()
            started = time.perf_counter()
            with UnitOfWork(sessions).reading() as reader:
                assert reader.session.scalar(select(orm.Subject.id)) is None  # not committed
                mode = reader.session.execute(text("PRAGMA journal_mode")).scalar()
            assert time.perf_counter() - started < 1.0  # the busy timeout is 5 s
            assert mode == "wal"
            writer.commit()
        with UnitOfWork(sessions).reading() as reader:
            assert reader.session.scalar(select(orm.Subject.slug)) == "calculus"
    finally:
        engine.dispose()


def test_how_often_sqlite_waits_for_the_disk_is_the_operators_choice(tmp_path):
    """WAL with synchronous NORMAL by default (a commit survives the app being killed: see
    tests/test_durability.py), FULL when asked, anything else refused."""
    url = f"sqlite:///{tmp_path / 'gyrus.db'}"
    for choice, level in ((None, 1), ("normal", 1), ("full", 2)):
        engine = make_engine(url) if choice is None else make_engine(
            url, sqlite_synchronous=choice)
        try:
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == level
        finally:
            engine.dispose()
    with pytest.raises(ValueError):
        make_engine(url, sqlite_synchronous="off")
    assert Settings(_env_file=None, sqlite_synchronous="full").sqlite_synchronous == "full"
    with pytest.raises(ValidationError):
        Settings(_env_file=None, sqlite_synchronous="off")
