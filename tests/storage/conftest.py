"""Databases for the storage tests: a temp-file SQLite, and a fresh PostgreSQL database.

Each test gets a database of its own; `tests/pg.py` says which PostgreSQL server is used and
when its absence skips or fails the PostgreSQL cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg import fresh_postgres

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'gyrus.db'}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend; nothing is migrated yet."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        yield from fresh_postgres()
