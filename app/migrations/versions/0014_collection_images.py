"""`collection_image`: the images an imported collection's exercises show (a PreTeXt book's
figures), kept in the database so that every app machine serves them (issue 19).

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "collection_image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=50), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["collection_id"], ["collection.id"],
                                name=op.f("fk_collection_image_collection_id_collection"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_image")),
        sa.UniqueConstraint("collection_id", "name",
                            name=op.f("uq_collection_image_collection_id_name")),
    )
    op.create_index(op.f("ix_collection_image_collection_id"), "collection_image",
                    ["collection_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_collection_image_collection_id"), table_name="collection_image")
    op.drop_table("collection_image")
