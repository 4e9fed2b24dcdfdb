"""Drop what only the progress cache used: `bank_version` with its triggers (0005) and
`study_list.version` (0004). Pages read a learner's progress from its rows every time.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence
from importlib import import_module

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_bank_version = import_module("app.migrations.versions.0005_bank_version")
"""0005's own definitions of the table and its triggers, to drop and to make again."""


def upgrade() -> None:
    _bank_version.downgrade()
    # In place, never a batch rebuild: on SQLite rebuilding `study_list` drops the table, and
    # its ON DELETE CASCADE empties every learner's study list (study_list_entry).
    op.drop_column("study_list", "version")


def downgrade() -> None:
    with op.batch_alter_table("study_list") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    _bank_version.upgrade()
