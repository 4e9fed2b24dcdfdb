"""Fixtures for the bank tests: a migrated temp SQLite database and small exercise files."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.db import UnitOfWork, make_engine, migrate, session_factory

from .samples import WriteFile


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    migrate(url)
    engine = make_engine(url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def uow(sessions: sessionmaker[Session]) -> UnitOfWork:
    return UnitOfWork(sessions)


@pytest.fixture
def write(tmp_path: Path) -> WriteFile:
    """write("calculus/rules.yaml", yaml_text) -> the path, under tmp_path/bank."""
    def _write(relative: str, text: str) -> Path:
        path = tmp_path / "bank" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path
    return _write
