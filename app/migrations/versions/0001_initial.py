"""The initial schema: users, the exercise bank, study lists, passes and their history.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 16:13:40.238111
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subject",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject")),
        sa.UniqueConstraint("slug", name=op.f("uq_subject_slug")),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_table(
        "collection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            name=op.f("fk_collection_owner_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection")),
        sa.UniqueConstraint("slug", name=op.f("uq_collection_slug")),
    )
    with op.batch_alter_table("collection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "pass",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("closed_early", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("number >= 1", name=op.f("ck_pass_number")),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_pass_subject_id_subject")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_pass_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pass")),
        sa.UniqueConstraint(
            "user_id", "subject_id", "number", name=op.f("uq_pass_user_id_subject_id_number")
        ),
    )
    op.create_table(
        "study_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_study_list_subject_id_subject")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_study_list_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_list")),
        sa.UniqueConstraint("user_id", "subject_id", name=op.f("uq_study_list_user_id_subject_id")),
    )
    op.create_table(
        "topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("theory", sa.Text(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("prerequisites", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_topic_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic")),
        sa.UniqueConstraint("subject_id", "slug", name=op.f("uq_topic_subject_id_slug")),
    )
    op.create_table(
        "exercise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("global_id", sa.String(length=300), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("hints", sa.JSON(), nullable=False),
        sa.Column("wrong", sa.JSON(), nullable=False),
        sa.Column("solution", sa.Text(), nullable=False),
        sa.Column("difficulty", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("difficulty BETWEEN 1 AND 3", name=op.f("ck_exercise_difficulty")),
        sa.ForeignKeyConstraint(
            ["collection_id"], ["collection.id"], name=op.f("fk_exercise_collection_id_collection")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topic.id"], name=op.f("fk_exercise_topic_id_topic")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise")),
        sa.UniqueConstraint("global_id", name=op.f("uq_exercise_global_id")),
    )
    with op.batch_alter_table("exercise", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exercise_collection_id"), ["collection_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_exercise_topic_id"), ["topic_id"], unique=False)

    op.create_table(
        "parked",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_parked_exercise_id_exercise")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_parked_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "exercise_id", name=op.f("pk_parked")),
    )
    op.create_table(
        "pass_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pass_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("rating", sa.String(length=16), nullable=True),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("saw_solution_before_check", sa.Boolean(), nullable=False),
        sa.Column("saw_last_hint_before_check", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "rating IN ('green', 'yellow', 'red')", name=op.f("ck_pass_item_rating")
        ),
        sa.CheckConstraint(
            "verdict IN ('correct', 'incorrect', 'invalid', 'undecided', 'self')",
            name=op.f("ck_pass_item_verdict"),
        ),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_pass_item_exercise_id_exercise")
        ),
        sa.ForeignKeyConstraint(
            ["pass_id"], ["pass.id"], name=op.f("fk_pass_item_pass_id_pass"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pass_item")),
        sa.UniqueConstraint(
            "pass_id", "exercise_id", name=op.f("uq_pass_item_pass_id_exercise_id")
        ),
    )
    with op.batch_alter_table("pass_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pass_item_exercise_id"), ["exercise_id"], unique=False)

    op.create_table(
        "study_list_entry",
        sa.Column("study_list_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_study_list_entry_exercise_id_exercise")
        ),
        sa.ForeignKeyConstraint(
            ["study_list_id"],
            ["study_list.id"],
            name=op.f("fk_study_list_entry_study_list_id_study_list"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("study_list_id", "exercise_id", name=op.f("pk_study_list_entry")),
    )
    op.create_table(
        "attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pass_item_id", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("latex", sa.Text(), nullable=True),
        sa.Column("shape_of_problem", sa.Text(), nullable=True),
        sa.Column("motion_to_solution", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('correct', 'incorrect', 'undecided', 'self')",
            name=op.f("ck_attempt_status"),
        ),
        sa.ForeignKeyConstraint(
            ["pass_item_id"],
            ["pass_item.id"],
            name=op.f("fk_attempt_pass_item_id_pass_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt")),
        sa.UniqueConstraint("pass_item_id", name=op.f("uq_attempt_pass_item_id")),
    )
    op.create_table(
        "rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pass_item_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=False),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating IN ('green', 'yellow', 'red')", name=op.f("ck_rating_rating")),
        sa.ForeignKeyConstraint(
            ["pass_item_id"],
            ["pass_item.id"],
            name=op.f("fk_rating_pass_item_id_pass_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating")),
        sa.UniqueConstraint("pass_item_id", name=op.f("uq_rating_pass_item_id")),
    )


def downgrade() -> None:
    op.drop_table("rating")
    op.drop_table("attempt")
    op.drop_table("study_list_entry")
    with op.batch_alter_table("pass_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pass_item_exercise_id"))

    op.drop_table("pass_item")
    op.drop_table("parked")
    with op.batch_alter_table("exercise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exercise_topic_id"))
        batch_op.drop_index(batch_op.f("ix_exercise_collection_id"))

    op.drop_table("exercise")
    op.drop_table("topic")
    op.drop_table("study_list")
    op.drop_table("pass")
    with op.batch_alter_table("collection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_owner_id"))

    op.drop_table("collection")
    op.drop_table("user_account")
    op.drop_table("subject")
