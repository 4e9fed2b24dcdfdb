"""The Alembic migrations: up to head and back to base on both databases, and in step with the
models (autogenerate finds nothing to do), so a change to `app/models.py` without a migration
fails here rather than on an operator's database."""

from __future__ import annotations

import multiprocessing

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

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
    "study_session",
    "sign_in",
    "theory_seen",
    "collection_image",
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


def triggers(connection: Connection) -> set[str]:
    if connection.dialect.name == "postgresql":
        query = "SELECT trigger_name FROM information_schema.triggers"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    return set(connection.exec_driver_sql(query).scalars())


def test_0006_drops_the_progress_caches_version_numbers_and_0005_brings_them_back(
        database_url):
    """0006 drops `bank_version`, its triggers and `study_list.version`; going back to 0005
    makes them again, and the triggers move the number when the bank changes."""
    config = alembic_config(database_url)
    migrate(database_url, "0005")
    assert "bank_version" in table_names(database_url)
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert triggers(connection) == set()
            columns = {c["name"] for c in inspect(connection).get_columns("study_list")}
        assert "version" not in columns
        assert "bank_version" not in table_names(database_url)
        command.downgrade(config, "0005")
        with engine.begin() as connection:
            assert len(triggers(connection)) == 9
            columns = {c["name"] for c in inspect(connection).get_columns("study_list")}
            before = connection.exec_driver_sql("SELECT version FROM bank_version").scalar_one()
            connection.exec_driver_sql("INSERT INTO collection (slug, title, created_at) "
                                       "VALUES ('c', 'C', CURRENT_TIMESTAMP)")
            after = connection.exec_driver_sql("SELECT version FROM bank_version").scalar_one()
        assert "version" in columns and after > before
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


@pytest.mark.slow
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


def test_0007_adds_the_sign_in_table_and_takes_it_away_again(database_url):
    """Up to 0007 a sign-in row can be stored (and goes with its account); down to 0006 the
    table is gone and the rest of the schema is untouched."""
    migrate(database_url, "0006")
    assert "sign_in" not in table_names(database_url)
    migrate(database_url, "0007")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO user_account (id, email, password_hash, is_operator, created_at) "
                "VALUES (1, 'a@example.org', 'x', false, CURRENT_TIMESTAMP)")
            connection.exec_driver_sql(
                "INSERT INTO sign_in (id, user_id, created_at, last_seen_at, data) "
                "VALUES ('" + "ab" * 32 + "', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{}')")
            connection.exec_driver_sql("DELETE FROM user_account WHERE id = 1")
            left = connection.exec_driver_sql("SELECT count(*) FROM sign_in").scalar_one()
        assert left == 0  # the sign-ins go with the account
        command.downgrade(alembic_config(database_url), "0006")
        later = {"sign_in", "theory_seen", "study_session",  # 0007's table, and later ones
                 "collection_image"}
        assert table_names(database_url) == TABLES - later | {"alembic_version"}
    finally:
        engine.dispose()


def test_0008_keeps_checked_items_solution_open_and_numbers_attempts(database_url):
    """Items checked before Try again had their solution shown at the check: up to 0008 they
    stay so (no Try again appears on an old Incorrect), and their attempt is number 1. Down to
    0007 an item keeps only its latest attempt (0007 holds one per item)."""
    migrate(database_url, "0007")
    engine = make_engine(database_url)
    insert = [
        "INSERT INTO user_account (id, email, password_hash, is_operator, created_at) "
        "VALUES (1, 'a@example.org', 'x', false, CURRENT_TIMESTAMP)",
        "INSERT INTO subject (id, slug, title) VALUES (1, 's', 'S')",
        "INSERT INTO topic (id, subject_id, slug, title, position, theory, examples, "
        "prerequisites) VALUES (1, 1, 't', 'T', 0, '', '[]', '[]')",
        "INSERT INTO collection (id, slug, title, created_at) "
        "VALUES (1, 'c', 'C', CURRENT_TIMESTAMP)",
        "INSERT INTO exercise (id, global_id, collection_id, topic_id, position, prompt, answer, "
        "hints, wrong, solution, difficulty, source, updated_at) VALUES (1, 's/t/e', 1, 1, 0, "
        "'p', '{}', '[]', '[]', '', 1, 'original', CURRENT_TIMESTAMP)",
        "INSERT INTO pass (id, user_id, subject_id, number, closed_early, started_at) "
        "VALUES (1, 1, 1, 1, false, CURRENT_TIMESTAMP)",
        "INSERT INTO pass_item (id, pass_id, exercise_id, position, seed, verdict, disputed, "
        "saw_solution_before_check, saw_last_hint_before_check) "
        "VALUES (1, 1, 1, 0, 7, 'incorrect', false, false, false)",
        "INSERT INTO attempt (id, pass_item_id, response, status, created_at) "
        "VALUES (1, 1, 'x', 'incorrect', CURRENT_TIMESTAMP)",
    ]
    try:
        with engine.begin() as connection:
            for statement in insert:
                connection.exec_driver_sql(statement)
        migrate(database_url)
        with engine.begin() as connection:
            item = connection.exec_driver_sql(
                "SELECT incorrect_attempts, solution_open FROM pass_item").one()
            assert tuple(item) == (1, True)
            assert connection.exec_driver_sql("SELECT number FROM attempt").scalar_one() == 1
            connection.exec_driver_sql(
                "INSERT INTO attempt (id, pass_item_id, number, response, status, created_at) "
                "VALUES (2, 1, 2, 'y', 'correct', CURRENT_TIMESTAMP)")
            connection.exec_driver_sql("INSERT INTO theory_seen (pass_id, topic_id) VALUES (1, 1)")
        command.downgrade(alembic_config(database_url), "0007")
        with engine.connect() as connection:
            kept = connection.exec_driver_sql("SELECT response FROM attempt").scalars().all()
        assert kept == ["y"]
        assert "theory_seen" not in table_names(database_url)
    finally:
        engine.dispose()


def test_0009_stores_parts_and_going_down_makes_them_self_graded(database_url):
    """Up to 0009 an exercise may hold parts and no answer; down to 0008 it keeps its row (and
    so every learner's history) as a self-graded exercise."""
    migrate(database_url, "0009")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for statement in [
                "INSERT INTO subject (id, slug, title) VALUES (1, 's', 'S')",
                "INSERT INTO topic (id, subject_id, slug, title, position, theory, examples, "
                "prerequisites) VALUES (1, 1, 't', 'T', 0, '', '[]', '[]')",
                "INSERT INTO collection (id, slug, title, created_at) "
                "VALUES (1, 'c', 'C', CURRENT_TIMESTAMP)",
                "INSERT INTO exercise (id, global_id, collection_id, topic_id, position, prompt, "
                "answer, parts, hints, wrong, solution, difficulty, source, updated_at) VALUES "
                "(1, 's/t/e', 1, 1, 0, 'p', '{}', '[{\"id\": \"a\"}]', '[]', '[]', '', 1, "
                "'original', CURRENT_TIMESTAMP)",
            ]:
                connection.exec_driver_sql(statement)
        command.downgrade(alembic_config(database_url), "0008")
        with engine.connect() as connection:
            answer = connection.exec_driver_sql("SELECT answer FROM exercise").scalar_one()
        assert answer in ({"type": "self"}, '{"type": "self"}')
    finally:
        engine.dispose()


def test_0011_adds_sessions_and_settings_and_takes_them_away_again(database_url):
    """Up to 0011 an account has the default settings and a rating can name its session (and
    loses it, not itself, when the session goes); down to 0010 the table and columns are gone."""
    migrate(database_url, "0011")
    engine = make_engine(database_url)
    run = "INSERT INTO {} VALUES {}"
    try:
        with engine.begin() as connection:
            for table, values in [
                ("user_account (id, email, password_hash, is_operator, created_at)",
                 "(1, 'a@example.org', 'x', false, CURRENT_TIMESTAMP)"),
                ("subject (id, slug, title)", "(1, 'calculus', 'Calculus')"),
                ("collection (id, slug, title, created_at)", "(1, 'c', 'C', CURRENT_TIMESTAMP)"),
                ("topic (id, subject_id, slug, title, position, theory, examples, prerequisites)",
                 "(1, 1, 't', 'T', 0, '', '[]', '[]')"),
                ("exercise (id, global_id, collection_id, topic_id, position, prompt, answer, "
                 "hints, wrong, solution, difficulty, source, updated_at)",
                 "(1, 'calculus/t/e', 1, 1, 0, 'p', '{}', '[]', '[]', '', 1, 'o', "
                 "CURRENT_TIMESTAMP)"),
                ("pass (id, user_id, subject_id, number, closed_early, started_at)",
                 "(1, 1, 1, 1, false, CURRENT_TIMESTAMP)"),
                ("pass_item (id, pass_id, exercise_id, position, seed, disputed, "
                 "saw_solution_before_check, saw_last_hint_before_check)",
                 "(1, 1, 1, 0, 7, false, false, false)"),
                ("study_session (id, user_id, pass_id, size, session_order, started_at)",
                 "(1, 1, 1, 12, 'prerequisites', CURRENT_TIMESTAMP)"),
                ("rating (id, pass_item_id, rating, disputed, created_at, session_id)",
                 "(1, 1, 'green', false, CURRENT_TIMESTAMP, 1)"),
            ]:
                connection.exec_driver_sql(run.format(table, values))
            settings = connection.exec_driver_sql(
                "SELECT session_size, daily_goal, time_zone, session_order FROM user_account"
            ).one()
            assert tuple(settings) == (12, 10, None, "prerequisites")
            connection.exec_driver_sql("DELETE FROM study_session")
            left = connection.exec_driver_sql("SELECT session_id FROM rating").scalar_one()
        assert left is None
        command.downgrade(alembic_config(database_url), "0010")
        later = {"study_session", "collection_image"}
        assert table_names(database_url) == TABLES - later | {"alembic_version"}
    finally:
        engine.dispose()


def test_0012_counts_the_attempts_items_have_and_puts_them_at_their_only_part(database_url):
    """Up to 0012 an item's attempt count is its latest attempt's number, and it and its
    attempts are at part 0; down to 0011 the columns go and the rows stay."""
    migrate(database_url, "0011")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for statement in [
                "INSERT INTO user_account (id, email, password_hash, is_operator, created_at) "
                "VALUES (1, 'a@example.org', 'x', false, CURRENT_TIMESTAMP)",
                "INSERT INTO subject (id, slug, title) VALUES (1, 's', 'S')",
                "INSERT INTO topic (id, subject_id, slug, title, position, theory, examples, "
                "prerequisites) VALUES (1, 1, 't', 'T', 0, '', '[]', '[]')",
                "INSERT INTO collection (id, slug, title, created_at) "
                "VALUES (1, 'c', 'C', CURRENT_TIMESTAMP)",
                "INSERT INTO exercise (id, global_id, collection_id, topic_id, position, prompt, "
                "answer, hints, wrong, solution, difficulty, source, updated_at) VALUES "
                "(1, 's/t/e', 1, 1, 0, 'p', '{}', '[]', '[]', '', 1, 'original', "
                "CURRENT_TIMESTAMP)",
                "INSERT INTO pass (id, user_id, subject_id, number, closed_early, started_at) "
                "VALUES (1, 1, 1, 1, false, CURRENT_TIMESTAMP)",
                "INSERT INTO pass_item (id, pass_id, exercise_id, position, seed, verdict, "
                "disputed, saw_solution_before_check, saw_last_hint_before_check) "
                "VALUES (1, 1, 1, 0, 7, 'correct', false, false, false)",
                "INSERT INTO attempt (id, pass_item_id, number, response, status, created_at) "
                "VALUES (1, 1, 1, 'x', 'incorrect', CURRENT_TIMESTAMP)",
                "INSERT INTO attempt (id, pass_item_id, number, response, status, created_at) "
                "VALUES (2, 1, 2, 'y', 'correct', CURRENT_TIMESTAMP)",
            ]:
                connection.exec_driver_sql(statement)
        migrate(database_url, "0012")
        with engine.connect() as connection:
            item = connection.exec_driver_sql(
                "SELECT part, attempt_count FROM pass_item").one()
            parts = connection.exec_driver_sql("SELECT part FROM attempt").scalars().all()
        assert tuple(item) == (0, 2) and parts == [0, 0]
        command.downgrade(alembic_config(database_url), "0011")
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM attempt").scalar() == 2
            assert connection.exec_driver_sql("SELECT count(*) FROM pass_item").scalar() == 1
    finally:
        engine.dispose()


def test_0013_adds_the_snippet_column_and_going_down_keeps_the_attempts(database_url):
    """Down from 0013 the column goes in place: the items and their attempts stay."""
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for statement in [
                "INSERT INTO user_account (id, email, password_hash, is_operator, created_at) "
                "VALUES (1, 'a@example.org', 'x', false, CURRENT_TIMESTAMP)",
                "INSERT INTO subject (id, slug, title) VALUES (1, 's', 'S')",
                "INSERT INTO topic (id, subject_id, slug, title, position, theory, examples, "
                "prerequisites) VALUES (1, 1, 't', 'T', 0, '', '[]', '[]')",
                "INSERT INTO collection (id, slug, title, created_at) "
                "VALUES (1, 'c', 'C', CURRENT_TIMESTAMP)",
                "INSERT INTO exercise (id, global_id, collection_id, topic_id, position, prompt, "
                "answer, hints, wrong, solution, difficulty, source, updated_at) VALUES "
                "(1, 's/t/e', 1, 1, 0, 'p', '{}', '[]', '[]', '', 1, 'original', "
                "CURRENT_TIMESTAMP)",
                "INSERT INTO pass (id, user_id, subject_id, number, closed_early, started_at) "
                "VALUES (1, 1, 1, 1, false, CURRENT_TIMESTAMP)",
                "INSERT INTO pass_item (id, pass_id, exercise_id, position, seed, verdict, "
                "disputed, saw_solution_before_check, saw_last_hint_before_check, snippet) "
                "VALUES (1, 1, 1, 0, 7, 'correct', false, false, false, 'p')",
                "INSERT INTO attempt (id, pass_item_id, number, response, status, created_at) "
                "VALUES (1, 1, 1, 'x', 'correct', CURRENT_TIMESTAMP)",
            ]:
                connection.exec_driver_sql(statement)
        command.downgrade(alembic_config(database_url), "0012")
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT response FROM attempt").scalars().all() \
                == ["x"]
            columns = {c["name"] for c in inspect(connection).get_columns("pass_item")}
        assert "snippet" not in columns
    finally:
        engine.dispose()


def test_0014_keeps_a_collections_images_and_takes_them_away_again(database_url):
    """Up to 0014 a collection's image is stored (bytes intact, one per name) and goes with its
    collection; down to 0013 the table is gone and the rest of the schema is untouched."""
    migrate(database_url, "0014")
    engine = make_engine(database_url)
    data = b"\x89PNG\r\n\x1a\n\x00\xff" * 1000
    insert = text("INSERT INTO collection_image (collection_id, name, media_type, data, sha256) "
                  "VALUES (1, :name, 'image/png', :data, :sha)")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO collection (id, slug, title, created_at) "
                                       "VALUES (1, 'c', 'C', CURRENT_TIMESTAMP)")
            connection.execute(insert, {"name": "a.png", "data": data, "sha": "0" * 64})
            kept = connection.exec_driver_sql("SELECT data FROM collection_image").scalar_one()
        assert bytes(kept) == data
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert, {"name": "a.png", "data": data, "sha": "0" * 64})
        with engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM collection")
            left = connection.exec_driver_sql("SELECT count(*) FROM collection_image").scalar_one()
        assert left == 0  # the images go with their collection
        command.downgrade(alembic_config(database_url), "0013")
        assert table_names(database_url) == TABLES - {"collection_image"} | {"alembic_version"}
    finally:
        engine.dispose()
