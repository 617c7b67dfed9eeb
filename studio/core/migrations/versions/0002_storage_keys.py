"""Knowledge bases name their upload folder by a storage key that is never reused.

Existing rows get the key of the folder they already use (``kb<id>``), so their kept originals
stay where they are; new rows get ``kb-<uuid>``, which no ``kb<id>`` folder can be. The column
stays nullable: making it NOT NULL on SQLite means copying the table, and dropping the old copy
would cascade-delete every document.

Revision ID: 0002_storage_keys
Revises: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0002_storage_keys"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("knowledgebase", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
    op.execute("UPDATE knowledgebase SET storage_key = 'kb' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table("knowledgebase", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledgebase_storage_key"), ["storage_key"], unique=True
        )


def downgrade() -> None:
    # In place (SQLite >= 3.35): a batch copy of knowledgebase would cascade-delete its documents.
    op.drop_index(op.f("ix_knowledgebase_storage_key"), table_name="knowledgebase")
    op.drop_column("knowledgebase", "storage_key")
