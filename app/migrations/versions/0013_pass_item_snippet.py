"""`pass_item.snippet`: the item's prompt snippet with its variant's parameters filled, made in
the checker pool when the item is created, so a list page only reads it (issue 15).

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pass_item", sa.Column("snippet", sa.Text(), nullable=True))


def downgrade() -> None:
    # In place (SQLite 3.35+ too): rebuilding pass_item would cascade-delete its attempts.
    op.drop_column("pass_item", "snippet")
