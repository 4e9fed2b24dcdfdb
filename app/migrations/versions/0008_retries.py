"""Try again, Undo and theory once per topic per pass (issue 15): a pass item may have many
attempts, numbered, each keeping what the checker said; an item remembers its Incorrect
attempts, whether its solution is open and whether its rating may be undone; a pass remembers
the topics whose theory review it has shown.

Items checked before this migration had their solution shown at the check: they stay so.
`pass` and `pass_item` are only ever added to, never rebuilt: on SQLite, rebuilding a table
(batch mode) drops it, and the foreign keys' ON DELETE CASCADE would take its items, attempts
and ratings with it.

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
    op.add_column("pass_item", sa.Column("incorrect_attempts", sa.Integer(), nullable=False,
                                         server_default="0"))
    op.add_column("pass_item", sa.Column("solution_open", sa.Boolean(), nullable=False,
                                         server_default=sa.false()))
    op.add_column("pass_item", sa.Column("undoable", sa.Boolean(), nullable=False,
                                         server_default=sa.false()))
    item = sa.table("pass_item", sa.column("verdict", sa.String),
                    sa.column("saw_solution_before_check", sa.Boolean),
                    sa.column("incorrect_attempts", sa.Integer),
                    sa.column("solution_open", sa.Boolean))
    op.execute(item.update().where(item.c.verdict == "incorrect").values(incorrect_attempts=1))
    op.execute(item.update().where(sa.or_(item.c.verdict.is_not(None),
                                          item.c.saw_solution_before_check.is_(True)))
               .values(solution_open=sa.true()))

    with op.batch_alter_table("attempt") as batch_op:  # nothing refers to an attempt
        batch_op.drop_constraint(batch_op.f("uq_attempt_pass_item_id"), type_="unique")
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=False,
                                      server_default="1"))
        batch_op.create_unique_constraint(batch_op.f("uq_attempt_pass_item_id_number"),
                                          ["pass_item_id", "number"])
        batch_op.add_column(sa.Column("message", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("feedback", sa.Text(), nullable=True))

    op.create_table(
        "theory_seen",
        sa.Column("pass_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pass_id"], ["pass.id"],
                                name=op.f("fk_theory_seen_pass_id_pass"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["topic_id"], ["topic.id"],
                                name=op.f("fk_theory_seen_topic_id_topic")),
        sa.PrimaryKeyConstraint("pass_id", "topic_id", name=op.f("pk_theory_seen")),
    )


def downgrade() -> None:
    op.drop_table("theory_seen")
    # One attempt per item again: keep each item's latest.
    attempt = sa.table("attempt", sa.column("id", sa.Integer),
                       sa.column("pass_item_id", sa.Integer))
    latest = sa.select(sa.func.max(attempt.c.id)).group_by(attempt.c.pass_item_id)
    op.execute(attempt.delete().where(attempt.c.id.not_in(latest)))
    with op.batch_alter_table("attempt") as batch_op:
        batch_op.drop_column("feedback")
        batch_op.drop_column("message")
        batch_op.drop_constraint(batch_op.f("uq_attempt_pass_item_id_number"), type_="unique")
        batch_op.drop_column("number")
        batch_op.create_unique_constraint(batch_op.f("uq_attempt_pass_item_id"),
                                          ["pass_item_id"])
    for column in ("undoable", "solution_open", "incorrect_attempts"):
        op.drop_column("pass_item", column)  # SQLite 3.35+ drops a column in place
