"""Multi-part exercises in a pass (DESIGN §1 rule 3, §5 `parts`): a pass item remembers its
current part and how many attempts it has (numbered across its parts, as a part may end with
its solution opened and no attempt), and an attempt which part it answered.

Columns are added and dropped in place: rebuilding `pass_item` on SQLite (batch mode) would
drop it, and the foreign keys' ON DELETE CASCADE would take its attempts and ratings with it.
Items before this migration are at their only part, with as many attempts as they numbered.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pass_item", sa.Column("part", sa.Integer(), nullable=False,
                                         server_default="0"))
    op.add_column("pass_item", sa.Column("attempt_count", sa.Integer(), nullable=False,
                                         server_default="0"))
    op.add_column("attempt", sa.Column("part", sa.Integer(), nullable=False,
                                       server_default="0"))
    item = sa.table("pass_item", sa.column("id", sa.Integer),
                    sa.column("attempt_count", sa.Integer))
    attempt = sa.table("attempt", sa.column("pass_item_id", sa.Integer),
                       sa.column("number", sa.Integer))
    latest = (sa.select(sa.func.coalesce(sa.func.max(attempt.c.number), 0))
              .where(attempt.c.pass_item_id == item.c.id).scalar_subquery())
    op.execute(item.update().values(attempt_count=latest))


def downgrade() -> None:
    op.drop_column("attempt", "part")  # SQLite 3.35+ drops a column in place
    op.drop_column("pass_item", "attempt_count")
    op.drop_column("pass_item", "part")
