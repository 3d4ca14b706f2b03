"""invoice deleted_at: an invoice staff delete stays in the table, hidden from every read

Deleting keeps the row, so its number stays taken (numbering stays unique and without gaps) and the audit
trail keeps what it refers to.

Revision ID: 645eecf653cc
Revises: 5c1f0e7a2b93
Create Date: 2026-12-13 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hostlane.core.db

revision: str = "645eecf653cc"
down_revision: str | None = "5c1f0e7a2b93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
