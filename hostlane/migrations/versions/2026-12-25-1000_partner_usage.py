"""partner usage: a CMS instance's cloud usage per month, and one metered invoice line per service and month

Revision ID: 8e2b4d6f1a3c
Revises: 5a9c3e71d2f4
Create Date: 2026-12-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hostlane.core.db

revision: str = "8e2b4d6f1a3c"
down_revision: str | None = "5a9c3e71d2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
METERED_INDEX = "uq_invoice_items_service_metered"


def upgrade() -> None:
    op.create_table(
        "partner_usage",
        sa.Column("id", ID, nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("service_id", ID, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("displays", sa.Integer(), nullable=False),
        sa.Column("storage_bytes", sa.BigInteger(), nullable=False),
        sa.Column("bandwidth_bytes", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", hostlane.core.db.UTCDateTime(), nullable=False),
        sa.Column("billed_invoice_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_partner_usage_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_partner_usage_service_id_services"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["billed_invoice_id"],
            ["invoices.id"],
            name=op.f("fk_partner_usage_billed_invoice_id_invoices"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_usage")),
        sa.UniqueConstraint("service_id", "month", name="uq_partner_usage_service_month"),
    )
    op.create_index(op.f("ix_partner_usage_customer_id"), "partner_usage", ["customer_id"], unique=False)
    with op.batch_alter_table("invoice_items", schema=None) as batch_op:
        batch_op.create_index(
            METERED_INDEX,
            ["service_id", "period_start"],
            unique=True,
            sqlite_where=sa.text("type = 'metered'"),
            postgresql_where=sa.text("type = 'metered'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("invoice_items", schema=None) as batch_op:
        batch_op.drop_index(
            METERED_INDEX, sqlite_where=sa.text("type = 'metered'"), postgresql_where=sa.text("type = 'metered'")
        )
    op.drop_index(op.f("ix_partner_usage_customer_id"), table_name="partner_usage")
    op.drop_table("partner_usage")
