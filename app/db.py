"""The database: an engine for a URL, a unit of work for the services, and the migrations.

SQLite is the default (one file, nothing to run); PostgreSQL (`postgresql+psycopg://…`) is how
several app processes share one database. Both get the same schema from the same Alembic
migrations, and the services see the same behaviour: a unit of work loads, changes, commits.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000
"""How long a SQLite writer waits for another one before "database is locked"."""

_MIGRATION_LOCK = 0x6779727573  # "gyrus": any constant the app's processes agree on

MIGRATIONS = Path(__file__).with_name("migrations")
"""Inside the package, so an installed app (wheel, Docker) can migrate itself on start."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; for SQLite, with the connection settings the app relies on."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    _create_sqlite_parent(url)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _create_sqlite_parent(url: str) -> None:
    """Create the database file's folder: SQLite creates the file, not the folder."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers go on while one learner writes; foreign keys are off by default in
    SQLite; the busy timeout makes a second writer wait instead of failing at once.

    `isolation_level = None` stops the sqlite3 module from issuing its own (late) BEGIN, so
    that `_begin_immediate` decides when a transaction starts.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock when a transaction begins, not at its first write.

    A service reads the learner's progress and then writes it. With a deferred BEGIN, two
    requests could both read and the second one's write would then fail with "database is
    locked" (the busy timeout cannot help a reader turned writer). Starting immediately makes
    the second request wait, then read what the first committed, so the method's rules decide.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for `UnitOfWork`; one factory per engine, made once at start-up."""
    return sessionmaker(engine)


_SQLITE_DUPLICATES = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
_POSTGRES_UNIQUE_VIOLATION = "23505"


def is_duplicate(error: IntegrityError) -> bool:
    """Whether a unique or primary key refused a row: another request inserted it first.

    Other integrity errors (a missing foreign row, a failed CHECK) are bugs, not races, and
    must not be reported to a learner as "already done".
    """
    driver_error = error.orig
    return (
        getattr(driver_error, "sqlstate", None) == _POSTGRES_UNIQUE_VIOLATION
        or getattr(driver_error, "sqlite_errorname", None) in _SQLITE_DUPLICATES
    )


class UnitOfWork:
    """One transaction for one service call: `with uow: … uow.commit()`.

    Leaving the block without `commit()` rolls back, so a service that raises (a rule said no,
    a constraint fired) changes nothing. The same object can be entered again for the next call,
    but it holds one session at a time: make one per request, never share one between threads.
    """

    session: Session

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


def alembic_config(url: str) -> Config:
    """An Alembic configuration built in code, so no `alembic.ini` needs to be installed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (creating a SQLite file if needed).

    The migrations run on a connection of `make_engine`, so they see the same SQLite settings
    (foreign keys, WAL) as the app. On PostgreSQL several app processes may start at once: a
    transaction-scoped advisory lock makes the others wait, then find the schema at head.
    (SQLite's BEGIN IMMEDIATE already does the same.)
    """
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
