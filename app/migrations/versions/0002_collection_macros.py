"""KaTeX macros on a collection: an imported PreTeXt book's `docinfo/macros`.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("collection") as batch:
        batch.add_column(sa.Column("macros", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("collection") as batch:
        batch.drop_column("macros")
