"""The database: an engine for a URL, a unit of work for the services, and the migrations.

SQLite is the default (one file, nothing to run); PostgreSQL (`postgresql+psycopg://…`) is how
several app processes share one database. Both get the same schema from the same Alembic
migrations, and the services see the same behaviour: a unit of work loads, changes, commits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, CursorResult, Engine, Executable, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000
"""How long a SQLite writer waits for another one before "database is locked"."""
SQLITE_SYNCHRONOUS = {"normal": "NORMAL", "full": "FULL"}
"""The `PRAGMA synchronous` levels an operator may choose (`Settings.sqlite_synchronous`)."""
WRITER_WAIT_S = 30.0
"""How long a writer waits for its turn among the writers of its own process."""

CONNECT_TIMEOUT_S = 10
"""How long a new PostgreSQL connection may take: a server that is unreachable without refusing
(a network partition, a frozen host) then costs a request a 503 after this long, not a thread
held for minutes. A server that is down refuses at once; a pooled connection that died is
replaced (`pool_pre_ping`), so the app recovers when the server is back."""

READ_ONLY = "gyrus_read_only"
"""Execution option of a read-only transaction (`UnitOfWork.reading`): see `_Writers`."""
SNAPSHOT_POSTGRESQL = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
"""The first statement of a read on PostgreSQL: the whole transaction reads one snapshot (the
default, READ COMMITTED, takes one per statement, so a page could show half a commit)."""

_STARTUP_LOCK = 0x6779727573  # "gyrus": any constant the app's processes agree on

MIGRATIONS = Path(__file__).with_name("migrations")
"""Inside the package, so an installed app (wheel, Docker) can migrate itself on start."""


def make_engine(url: str, *, sqlite_synchronous: str = "normal", **kwargs: Any) -> Engine:
    """An engine for `url`; for SQLite, with the connection settings the app relies on
    (`sqlite_synchronous`: see `Settings.sqlite_synchronous`)."""
    if make_url(url).get_backend_name() != "sqlite":
        connect_args = {"connect_timeout": CONNECT_TIMEOUT_S, **kwargs.pop("connect_args", {})}
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"sqlite_synchronous: one of {', '.join(SQLITE_SYNCHRONOUS)}")
    _create_sqlite_parent(url)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", partial(_configure_sqlite_connection, sqlite_synchronous))
    writers = _Writers()
    event.listen(engine, "begin", writers.begin)
    event.listen(engine, "commit", writers.release)
    event.listen(engine, "rollback", writers.release)
    event.listen(engine, "checkin", writers.checked_in)
    return engine



def _create_sqlite_parent(url: str) -> None:
    """Create the database file's folder: SQLite creates the file, not the folder."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite_connection(synchronous: str, dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers go on while one learner writes; foreign keys are off by default in
    SQLite; the busy timeout makes a second writer wait instead of failing at once; how
    often SQLite waits for the disk is `synchronous`.

    `isolation_level = None` stops the sqlite3 module from issuing its own (late) BEGIN, so
    that `_begin_immediate` decides when a transaction starts.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS[synchronous]}")
    cursor.close()


class _Writers:
    """When a SQLite transaction begins, and the queue of this process's writers.

    A write transaction begins IMMEDIATE, taking SQLite's write lock at once, not at its first
    write. A service reads the learner's progress and then writes it. With a deferred BEGIN, two
    requests could both read and the second one's write would then fail with "database is
    locked" (the busy timeout cannot help a reader turned writer). Starting immediately makes
    the second request wait, then read what the first committed, so the method's rules decide.

    The threads of one app process first queue on a lock of their own: SQLite's busy handler
    polls with sleeps of up to 100 ms and no order, so under load (dozens of request threads)
    a writer could keep losing the race until the busy timeout ("database is locked"), while
    the lock hands the turn straight on. The busy timeout still orders separate processes.

    A read-only transaction (`UnitOfWork.reading`, the pages' queries) begins deferred: in WAL
    mode a reader never waits for a writer, so pages do not queue behind the write lock.
    """

    HELD = "gyrus_write_turn"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def begin(self, connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        # Past the wait, go on without the turn: the busy timeout still applies.
        if self._lock.acquire(timeout=WRITER_WAIT_S):
            connection.info[self.HELD] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.release(connection)
            raise

    def release(self, connection: Any) -> None:
        """At commit or rollback (just before SQLite's: the next writer's BEGIN IMMEDIATE
        then waits that long in the busy handler)."""
        self._hand_on(connection.info)

    def checked_in(self, _dbapi_connection: Any, record: Any) -> None:
        """A connection back in the pool never keeps the turn (say it was invalidated)."""
        self._hand_on(record.info)

    def _hand_on(self, info: dict) -> None:
        if info.pop(self.HELD, False):
            self._lock.release()


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

    def execute(self, statement: Executable, params: object = None) -> CursorResult:
        """Run a Core statement (`params`: one dict or a list of them) on this unit's
        connection: plain rows, without the ORM's execution around them, which costs twice
        the statement itself on a page's column reads."""
        return self.session.connection().execute(statement, params)

    @contextmanager
    def reading(self) -> Iterator[UnitOfWork]:
        """`with uow.reading():` one read-only transaction (never committed): one snapshot
        for all its statements, which on SQLite does not take the write lock."""
        self.session = self._sessions()
        try:
            connection = self.session.connection(execution_options={READ_ONLY: True})
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(SNAPSHOT_POSTGRESQL)
            yield self
        finally:
            self.session.rollback()
            self.session.close()

    def rollback(self) -> None:
        self.session.rollback()


def alembic_config(url: str) -> Config:
    """An Alembic configuration built in code, so no `alembic.ini` needs to be installed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def hold_startup_lock(target: Connection | Session) -> None:
    """Serialise start-up work (migrating, loading the bank) between app processes until this
    transaction ends. On PostgreSQL an advisory lock; on SQLite the writers' BEGIN IMMEDIATE
    already does it."""
    dialect = target.dialect if isinstance(target, Connection) else target.get_bind().dialect
    if dialect.name == "postgresql":
        target.execute(text(f"SELECT pg_advisory_xact_lock({_STARTUP_LOCK})"))


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
            hold_startup_lock(connection)
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
