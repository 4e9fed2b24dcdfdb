"""`bank_version`: one row whose number database triggers move whenever the exercise bank's
shape changes (an exercise, topic or collection inserted or deleted, or one of the columns
that decide the curated bank and its order updated), so an app process can tell whether the
curated bank it keeps in memory is still current, whoever changed the bank.

A later migration that rebuilds `exercise`, `topic` or `collection` with SQLite's batch mode
(copy and rename) drops their triggers: it must create them again (`_create_triggers`).
`tests/storage/test_migrations.py` checks at head that each kind of change moves the number.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = {
    "exercise": "global_id, collection_id, topic_id, position",
    "topic": "subject_id, slug, position",
    "collection": "owner_id",
}
"""Table -> the columns whose update changes a subject's curated bank or its order."""


def upgrade() -> None:
    op.create_table(
        "bank_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_version")),
    )
    op.execute("INSERT INTO bank_version (id, version) VALUES (1, 1)")
    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    op.drop_table("bank_version")


def _triggers() -> list[tuple[str, str, str]]:
    """(name, table, event) of each trigger, for creating and dropping the same ones."""
    return [
        (f"{table}_{event.split()[0].lower()}_bumps_bank_version", table, event)
        for table, columns in WATCHED.items()
        for event in ("INSERT", "DELETE", f"UPDATE OF {columns}")
    ]


def _postgresql() -> bool:
    return op.get_context().dialect.name == "postgresql"


def _create_triggers() -> None:
    bump = "UPDATE bank_version SET version = version + 1"
    if _postgresql():
        op.execute("CREATE FUNCTION bump_bank_version() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN {bump}; RETURN NULL; END $$")
        # Once per statement: a bank load of hundreds of rows moves it once.
        body = "FOR EACH STATEMENT EXECUTE FUNCTION bump_bank_version()"
    else:
        body = f"BEGIN {bump}; END"
    for name, table, event in _triggers():
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} {body}")


def _drop_triggers() -> None:
    for name, table, _event in _triggers():
        op.execute(f"DROP TRIGGER {name} ON {table}" if _postgresql() else f"DROP TRIGGER {name}")
    if _postgresql():
        op.execute("DROP FUNCTION bump_bank_version()")
