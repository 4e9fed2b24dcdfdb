"""Sessions inside a pass (DESIGN §1 rule 10) and the learner settings behind them and the
daily goal (rule 9): a `study_session` table, each rating's session, and four columns of
settings on the account.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "study_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pass_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("session_order", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size >= 1", name=op.f("ck_study_session_size")),
        sa.CheckConstraint("session_order IN ('prerequisites', 'shuffled')",
                           name=op.f("ck_study_session_order")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_study_session_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pass_id"], ["pass.id"],
                                name=op.f("fk_study_session_pass_id_pass"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_session")),
    )
    with op.batch_alter_table("study_session") as batch_op:
        batch_op.create_index(batch_op.f("ix_study_session_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_study_session_pass_id"), ["pass_id"], unique=False)
    with op.batch_alter_table("rating") as batch_op:  # nothing refers to a rating: a rebuild
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_rating_session_id"), ["session_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_rating_session_id_study_session"),
                                    "study_session", ["session_id"], ["id"], ondelete="SET NULL")
    # Added in place, never rebuilt: on SQLite a rebuild drops the table, and ON DELETE CASCADE
    # would take every learner's passes, sign-ins and imports with it.
    op.add_column("user_account", sa.Column("session_size", sa.Integer(), server_default="12",
                                            nullable=False))
    op.add_column("user_account", sa.Column("daily_goal", sa.Integer(), server_default="10",
                                            nullable=False))
    op.add_column("user_account", sa.Column("time_zone", sa.String(length=64), nullable=True))
    op.add_column("user_account", sa.Column("session_order", sa.String(length=16),
                                            server_default="prerequisites", nullable=False))


def downgrade() -> None:
    for column in ("session_order", "time_zone", "daily_goal", "session_size"):
        op.drop_column("user_account", column)  # SQLite 3.35+ drops a column in place
    with op.batch_alter_table("rating") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_rating_session_id_study_session"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_rating_session_id"))
        batch_op.drop_column("session_id")
    with op.batch_alter_table("study_session") as batch_op:
        batch_op.drop_index(batch_op.f("ix_study_session_pass_id"))
        batch_op.drop_index(batch_op.f("ix_study_session_user_id"))
    op.drop_table("study_session")
