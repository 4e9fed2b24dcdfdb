"""Which entries of a structured answer were wrong (issue 16): an attempt keeps the check
result's `entries` beside its message, so the exercise page can show them again.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("attempt", sa.Column("entries", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempt") as batch_op:  # nothing refers to an attempt
        batch_op.drop_column("entries")
