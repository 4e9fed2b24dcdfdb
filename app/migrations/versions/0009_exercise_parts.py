"""Multi-part exercises (DESIGN §5 `parts`): an exercise has one answer, or parts, each with
its own answer spec, hints, mistakes and solution (its `answer` is then `{}`).

Columns are added and dropped in place: rebuilding `exercise` on SQLite (batch mode) would drop
it, and the pass items' foreign keys would fail or cascade.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("exercise", sa.Column("parts", sa.JSON(), nullable=True))


def downgrade() -> None:
    """A multi-part exercise has no single answer to go back to: it becomes self-graded."""
    exercise = sa.table("exercise", sa.column("answer", sa.JSON()), sa.column("parts", sa.JSON()))
    op.execute(exercise.update().where(exercise.c.parts.is_not(None))
               .values(answer={"type": "self"}))
    op.drop_column("exercise", "parts")  # SQLite 3.35+ drops a column in place
