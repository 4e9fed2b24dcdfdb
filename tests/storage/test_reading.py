"""Read-only units of work (the pages' queries) never queue behind SQLite's write lock."""

from __future__ import annotations

import time

from sqlalchemy import select, text

from app import models as orm
from app.db import UnitOfWork, make_engine, migrate, session_factory


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
