"""The Alembic migrations: up to head and back to base on both databases, and in step with the
models (autogenerate finds nothing to do), so a change to `app/models.py` without a migration
fails here rather than on an operator's database."""

from __future__ import annotations

import multiprocessing

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from app.db import alembic_config, make_engine, migrate
from app.models import Base

TABLES = {
    "user_account",
    "collection",
    "subject",
    "topic",
    "exercise",
    "study_list",
    "study_list_entry",
    "pass",
    "pass_item",
    "attempt",
    "rating",
    "parked",
    "bank_version",
}


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_to_head_and_downgrade_to_base(database_url):
    migrate(database_url)
    assert table_names(database_url) == TABLES | {"alembic_version"}
    migrate(database_url)  # already at head: nothing to do, nothing fails
    # The CLI's path: env.py makes its own engine from the URL.
    command.downgrade(alembic_config(database_url), "base")
    assert table_names(database_url) == {"alembic_version"}
    command.upgrade(alembic_config(database_url), "head")
    assert table_names(database_url) == TABLES | {"alembic_version"}


def test_models_and_migrations_agree(database_url):
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


BANK_CHANGES = {
    "an exercise added": "INSERT INTO exercise (global_id, collection_id, topic_id, position, "
                         "prompt, answer, hints, wrong, solution, difficulty, source, "
                         "updated_at) VALUES ('s/t/e2', 1, 1, 1, 'p', '{}', '[]', '[]', '', "
                         "1, 'original', CURRENT_TIMESTAMP)",
    "an exercise moved": "UPDATE exercise SET position = 5",
    "an exercise removed": "DELETE FROM exercise",
    "a topic moved": "UPDATE topic SET position = 3",
    "a collection given an owner": "UPDATE collection SET owner_id = 1",
    "a collection added": "INSERT INTO collection (slug, title, created_at) "
                          "VALUES ('c2', 'C2', CURRENT_TIMESTAMP)",
}


def bank_version(connection: Connection) -> int:
    return connection.exec_driver_sql("SELECT version FROM bank_version").scalar_one()


@pytest.mark.parametrize("change", BANK_CHANGES)
def test_every_change_to_the_banks_shape_moves_its_version(database_url, change):
    """The progress cache trusts `bank_version` (migration 0005's triggers) to move whatever
    wrote the bank; a later migration that rebuilt a table without its triggers fails here."""
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO user_account (email, password_hash, is_operator, created_at) "
                "VALUES ('a@example.org', 'x', false, CURRENT_TIMESTAMP)")
            for statement in ("INSERT INTO collection (slug, title, created_at) VALUES "
                              "('c', 'C', CURRENT_TIMESTAMP)",
                              "INSERT INTO subject (slug, title) VALUES ('s', 'S')",
                              "INSERT INTO topic (subject_id, slug, title, position, theory, "
                              "examples, prerequisites) VALUES (1, 't', 'T', 0, '', '[]', '[]')",
                              BANK_CHANGES["an exercise added"].replace("e2", "e1")):
                connection.exec_driver_sql(statement)
        with engine.begin() as connection:
            before = bank_version(connection)
            connection.exec_driver_sql("UPDATE exercise SET prompt = 'q'")  # not its shape
            assert bank_version(connection) == before
            connection.exec_driver_sql(BANK_CHANGES[change])
            assert bank_version(connection) > before
    finally:
        engine.dispose()


@pytest.mark.parametrize("pragma", ["journal_mode", "foreign_keys", "busy_timeout"])
def test_sqlite_connections_are_configured(tmp_path, pragma):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'gyrus.db'}")
    try:
        with engine.connect() as connection:
            value = connection.exec_driver_sql(f"PRAGMA {pragma}").scalar()
    finally:
        engine.dispose()
    assert value == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000}[pragma]


def test_app_processes_starting_together_migrate_once(database_url):
    """Several app processes migrating one database at start-up all succeed.

    Real processes, as in production: threads of one process would share Alembic's `context`
    and `op` (module globals) and the process's GIL, which is not the situation under test."""
    spawn = multiprocessing.get_context("spawn")
    processes = [spawn.Process(target=migrate, args=(database_url,)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0, 0, 0]
    assert table_names(database_url) == TABLES | {"alembic_version"}
