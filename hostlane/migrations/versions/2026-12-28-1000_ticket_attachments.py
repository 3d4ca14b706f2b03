"""ticket attachments: files sent with a ticket or a reply (the client API's ticket attachments)

Revision ID: 3c7d1e9a5b20
Revises: 3f6b1d9e2a7c
Create Date: 2026-12-28 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hostlane.core.db

revision: str = "3c7d1e9a5b20"
down_revision: str | None = "3f6b1d9e2a7c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "support_attachments",
        sa.Column("id", ID, nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("reply_id", ID, nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("file_key", sa.String(length=255), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["support_tickets.id"],
            name=op.f("fk_support_attachments_ticket_id_support_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["support_replies.id"],
            name=op.f("fk_support_attachments_reply_id_support_replies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_attachments")),
    )
    op.create_index(op.f("ix_support_attachments_ticket_id"), "support_attachments", ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_support_attachments_ticket_id"), table_name="support_attachments")
    op.drop_table("support_attachments")
