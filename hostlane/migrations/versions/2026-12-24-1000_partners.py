"""partners: a customer's partner flag, and the partners' OAuth2 integrations

Revision ID: 5a9c3e71d2f4
Revises: 7d3a5c1e9f24
Create Date: 2026-12-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hostlane.core.db

revision: str = "5a9c3e71d2f4"
down_revision: str | None = "7d3a5c1e9f24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "partner_integrations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("previous_client_id", sa.String(length=64), nullable=True),
        sa.Column("previous_secret_hash", sa.String(length=64), nullable=True),
        sa.Column("previous_expires_at", hostlane.core.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(), nullable=False),
        sa.Column("refreshed_at", hostlane.core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_partner_integrations_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_integrations")),
        sa.UniqueConstraint("client_id", name=op.f("uq_partner_integrations_client_id")),
        sa.UniqueConstraint("customer_id", "livemode", name="uq_partner_integrations_customer_livemode"),
    )
    op.create_index(
        op.f("ix_partner_integrations_previous_client_id"),
        "partner_integrations",
        ["previous_client_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_partner_integrations_previous_client_id"), table_name="partner_integrations")
    op.drop_table("partner_integrations")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("partner")
