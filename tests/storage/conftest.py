"""Databases for the storage tests: a temp-file SQLite, and a fresh PostgreSQL database.

PostgreSQL is the server at `GYRUS_TEST_DATABASE_URL` if set (its user must be allowed to create
databases), else a local one at 127.0.0.1:5432 as `postgres`. Each test gets a database of its
own, dropped afterwards. Without a reachable server the PostgreSQL cases are skipped, unless
`GYRUS_TEST_DATABASE_URL` asked for one: then they fail, so CI cannot pass without running them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BACKENDS = ["sqlite", "postgresql"]


def _server() -> tuple[URL, bool]:
    explicit = os.environ.get("GYRUS_TEST_DATABASE_URL")
    return make_url(explicit or LOCAL_POSTGRES), explicit is not None


def _unavailable(reason: str, explicit: bool) -> None:
    if explicit:
        pytest.fail(f"GYRUS_TEST_DATABASE_URL is set but unusable: {reason}")
    pytest.skip(
        f"PostgreSQL not reachable at 127.0.0.1:5432 ({reason}); "
        "set GYRUS_TEST_DATABASE_URL to run these tests on PostgreSQL"
    )


def fresh_postgres() -> Iterator[str]:
    """Create a uniquely named database, yield its URL, drop it."""
    pytest.importorskip("psycopg", reason="psycopg is not installed")
    server, explicit = _server()
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"gyrus_test_{uuid.uuid4().hex[:16]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as error:
        admin.dispose()
        _unavailable(str(error.orig).strip().splitlines()[0], explicit)
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'gyrus.db'}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend; nothing is migrated yet."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        yield from fresh_postgres()
