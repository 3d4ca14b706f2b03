"""saved cards: a card's expiry, one default method per customer, the customer's record at a gateway

Revision ID: 7d3a5c1e9f24
Revises: e41c7d2a9b58
Create Date: 2026-12-23 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hostlane.core.db

revision: str = "7d3a5c1e9f24"
down_revision: str | None = "e41c7d2a9b58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_methods") as batch:
        batch.add_column(sa.Column("exp_month", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("exp_year", sa.Integer(), nullable=True))
    # Before the index: where a customer has several default methods, the newest stays the default.
    op.execute(
        "UPDATE payment_methods SET is_default = false WHERE is_default AND id NOT IN "
        "(SELECT max(id) FROM payment_methods WHERE is_default GROUP BY customer_id)"
    )
    op.create_index(
        "uq_payment_methods_one_default",
        "payment_methods",
        ["customer_id"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )
    op.create_table(
        "gateway_customers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_gateway_customers_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_customers")),
        sa.UniqueConstraint("customer_id", "gateway", name=op.f("uq_gateway_customers_customer_id_gateway")),
    )


def downgrade() -> None:
    op.drop_table("gateway_customers")
    op.drop_index("uq_payment_methods_one_default", table_name="payment_methods")
    with op.batch_alter_table("payment_methods") as batch:
        batch.drop_column("exp_year")
        batch.drop_column("exp_month")
