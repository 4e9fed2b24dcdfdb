"""Multi-part exercises (DESIGN §5 `parts`): an exercise has one answer, or parts, each with
its own answer spec, hints, mistakes and solution.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exercise") as batch:
        batch.add_column(sa.Column("parts", sa.JSON(), nullable=True))
        batch.alter_column("answer", existing_type=sa.JSON(), nullable=True)


def downgrade() -> None:
    """A multi-part exercise has no single answer to go back to: it becomes self-graded."""
    exercise = sa.table("exercise", sa.column("answer", sa.JSON()), sa.column("parts", sa.JSON()))
    op.execute(exercise.update().where(exercise.c.answer.is_(None))
               .values(answer={"type": "self"}))
    with op.batch_alter_table("exercise") as batch:
        batch.alter_column("answer", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("parts")
