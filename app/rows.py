"""Prebuilt statements run straight on the driver's connection: the reads of nearly every
request (the signed-in account, an exercise, a learner's progress).

Why: SQLAlchemy's execution path (events, cache keys, result objects, the session and the
connection around it) costs ~35 µs a statement and ~250 µs a read transaction on the machines
we measure on, while SQLite runs such a read in 2 µs; under load it was the largest single cost
of a page. The statements stay SQLAlchemy Core, compiled once per dialect with their bind and
result types, so no SQL is written by hand, values are always bound, never formatted in, and a
row comes back with the same Python values SQLAlchemy would give (booleans, JSON, datetimes).

What is not supported is refused when the statement is first compiled: parameters expanded at
execution (`in_()` over a bound list) need SQLAlchemy's own execution.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select


@dataclass(frozen=True)
class _Compiled:
    """A statement as its dialect's driver takes it."""

    sql: str
    positions: tuple[str, ...] | None
    """Parameter names in order, for drivers that take a sequence (SQLite); None for a dict."""
    fixed: dict[str, Any]
    """Values bound inside the statement itself (a literal compared with), by name."""
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    """The parameters whose type converts a value before the driver sees it."""
    results: tuple[Callable[[Any], Any] | None, ...] | None
    """Per column, how its type converts what the driver returns (None: as it comes); None
    when no column converts."""
    columns: tuple[str, ...]


def _compile(statement: Select, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    if compiled.post_compile_params or "__[POSTCOMPILE" in compiled.string:
        raise ValueError("statements with expanding parameters need SQLAlchemy's execution")
    binds = compiled.binds
    converters = []
    for name, bind in binds.items():
        convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            converters.append((name, convert))
    columns = statement.selected_columns
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in columns)
    return _Compiled(
        sql=compiled.string,
        positions=tuple(compiled.positiontup) if compiled.positional else None,
        fixed={name: bind.value for name, bind in binds.items() if not bind.required},
        binds=tuple(converters),
        results=results if any(results) else None,
        columns=tuple(columns.keys()),
    )


class Statements:
    """The compiled form of each prebuilt statement, per dialect; made on first use.

    Keyed by the statement object: the prebuilt statements are module constants that live as
    long as the app, and a statement built per call would only fill this up (never do that)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._compiled: dict[int, tuple[Select, _Compiled]] = {}

    def __getitem__(self, statement: Select) -> _Compiled:
        found = self._compiled.get(id(statement))
        if found is None or found[0] is not statement:
            found = self._compiled[id(statement)] = (statement, _compile(statement, self.dialect))
        return found[1]


class Rows:
    """Prebuilt SELECTs on one driver connection, inside whatever transaction it is in."""

    def __init__(self, driver_connection: Any, statements: Statements) -> None:
        self._connection = driver_connection
        self._statements = statements

    def all(self, statement: Select, **params: Any) -> list[tuple]:
        """Every row, as plain tuples in the statement's column order."""
        compiled = self._statements[statement]
        cursor = self._connection.cursor()
        try:
            cursor.execute(compiled.sql, _parameters(compiled, params))
            rows = cursor.fetchall()
        finally:
            cursor.close()
        converters = compiled.results
        if converters is None:
            return [tuple(row) for row in rows]
        return [_converted(row, converters) for row in rows]

    def first(self, statement: Select, **params: Any) -> tuple | None:
        """The first row, or None."""
        found = self.all(statement, **params)
        return found[0] if found else None

    def first_as_dict(self, statement: Select, **params: Any) -> dict[str, Any] | None:
        """The first row by column name (labels included), or None."""
        found = self.first(statement, **params)
        return None if found is None else dict(
            zip(self._statements[statement].columns, found, strict=True))

    def scalar(self, statement: Select, **params: Any) -> Any:
        """The first column of the first row, or None."""
        found = self.first(statement, **params)
        return None if found is None else found[0]


def _parameters(compiled: _Compiled, params: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
    values = {**compiled.fixed, **params} if compiled.fixed else dict(params)
    for name, convert in compiled.binds:
        values[name] = convert(values[name])
    if compiled.positions is None:
        return values
    return tuple(values[name] for name in compiled.positions)


def _converted(row: Sequence[Any], converters: tuple[Callable[[Any], Any] | None, ...]) -> tuple:
    return tuple(value if convert is None else convert(value)
                 for value, convert in zip(row, converters, strict=True))


SNAPSHOT_POSTGRESQL = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
"""The first statement of a read on PostgreSQL (the driver begins the transaction with it):
the whole transaction reads one snapshot; the default, READ COMMITTED, takes a new one at
each statement, so a page could show half of another transaction's commit."""

_BEGIN = {
    # Deferred: in WAL mode a reader never waits for a writer, and sees one snapshot.
    "sqlite": "BEGIN",
    "postgresql": SNAPSHOT_POSTGRESQL,
}


class Readers:
    """Where one engine's read-only transactions run: one snapshot each, on the driver's
    connection, never committed.

    On SQLite each thread keeps a connection of its own for its reads, outside the pool:
    taking a connection from SQLAlchemy's pool and giving it back cost more than most pages'
    reads (~6 % of the server's time under load), and a SQLite connection is only an open
    file. A thread's connection is closed once the thread has ended (looked for when another
    thread first reads) or when the engine is disposed; a read begun inside another on the
    same thread takes one from the pool, so neither ends the other. On PostgreSQL connections
    are the server's to ration: each transaction takes one from the pool."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements = Statements(engine.dialect)
        self._begin = _BEGIN[engine.dialect.name]
        self._kept: dict[int, Any] | None = None
        self._lock = threading.Lock()
        if engine.dialect.name == "sqlite":
            self._kept = {}
            event.listen(engine, "engine_disposed", self._close_kept)

    @contextmanager
    def read_only(self) -> Iterator[Rows]:
        """`with readers.read_only() as rows:` one read-only transaction. Always rolled back."""
        kept = self._idle_kept()
        if kept is not None:
            yield from self._transaction(kept)
            return
        pooled = self.engine.raw_connection()
        try:
            yield from self._transaction(pooled.driver_connection)
        finally:
            pooled.close()

    def first(self, statement: Select, **params: Any) -> tuple | None:
        """The first row of one statement read on its own (the signed-in account, read on
        every request). On SQLite it runs without BEGIN and ROLLBACK: one SELECT outside a
        transaction reads one snapshot by itself, and the two calls around it cost as much as
        the read. Elsewhere, and inside another read, in a read-only transaction."""
        kept = self._idle_kept()
        if kept is not None:
            return Rows(kept, self.statements).first(statement, **params)
        with self.read_only() as rows:
            return rows.first(statement, **params)

    def _idle_kept(self) -> Any | None:
        """This thread's kept connection (SQLite), unless a read on it is under way (a read
        inside a read then takes one of its own from the pool); None on PostgreSQL."""
        if self._kept is None:
            return None
        kept = self._kept.get(threading.get_ident()) or self._keep()
        return None if kept.in_transaction else kept

    def __len__(self) -> int:
        """How many connections are kept for threads (SQLite; 0 on PostgreSQL)."""
        return len(self._kept or {})

    def _transaction(self, driver_connection: Any) -> Iterator[Rows]:
        try:
            driver_connection.execute(self._begin)
            yield Rows(driver_connection, self.statements)
        finally:
            driver_connection.rollback()

    def _keep(self) -> Any:
        """A connection of this thread's own, made as the pool makes them (the same settings),
        then detached from it."""
        pooled = self.engine.raw_connection()
        pooled.detach()
        connection = pooled.dbapi_connection
        with self._lock:
            assert self._kept is not None
            alive = {thread.ident for thread in threading.enumerate()}
            for ended in [ident for ident in self._kept if ident not in alive]:
                self._kept.pop(ended).close()
            self._kept[threading.get_ident()] = connection
        return connection

    def _close_kept(self, _engine: Engine) -> None:
        with self._lock:
            assert self._kept is not None
            kept, self._kept = list(self._kept.values()), {}
        for connection in kept:
            connection.close()
