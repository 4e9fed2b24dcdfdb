"""Fresh PostgreSQL databases for the tests (storage, web, browser, durability).

The server is the one at `GYRUS_TEST_DATABASE_URL` if set (its user must be allowed to create
databases), else a local one at 127.0.0.1:5432 as `postgres`. Each caller gets a database of its
own, dropped afterwards. Without a reachable server the PostgreSQL cases are skipped, unless
`GYRUS_TEST_DATABASE_URL` asked for one: then they fail, so CI cannot pass without running them.

`GYRUS_TEST_BACKEND=postgresql` runs the web, browser and durability tests, which use SQLite
by default, on PostgreSQL instead (`.ci/run` does a second run so).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def use_postgres() -> bool:
    """Whether GYRUS_TEST_BACKEND asks the app-level tests to run on PostgreSQL."""
    backend = os.environ.get("GYRUS_TEST_BACKEND", "sqlite").strip().lower()
    if backend not in ("sqlite", "postgresql"):
        raise pytest.UsageError(f"GYRUS_TEST_BACKEND={backend!r}: use sqlite or postgresql")
    return backend == "postgresql"


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
