"""Shared by every test folder: this file makes pytest put tests/ on sys.path, so helpers kept
here (`pg`, the PostgreSQL databases) can be imported from any folder's tests; and the migrated
SQLite database fixtures the bank and import tests share, and one checker pool for the whole
run (starting workers is the slow part)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.checking.pool import CheckerPool
from app.db import UnitOfWork, make_engine, migrate, session_factory


@pytest.fixture(scope="session")
def pool() -> Iterator[CheckerPool]:
    checker = CheckerPool(workers=2, timeout=10.0)
    checker.warm_up()
    yield checker
    checker.close()


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A migrated SQLite database of this test's own."""
    url = f"sqlite:///{tmp_path / 'gyrus.db'}"
    migrate(url)
    engine = make_engine(url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def uow(sessions: sessionmaker[Session]) -> UnitOfWork:
    return UnitOfWork(sessions)
