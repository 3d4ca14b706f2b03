"""support and network

Revision ID: c24341d795e7
Revises: fcf29c6595eb
Create Date: 2026-11-23 11:57:25.518598
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hostlane.core.db

revision: str = "c24341d795e7"
down_revision: str | None = "fcf29c6595eb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ip_pools",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("network", sa.String(length=64), nullable=False),
        sa.Column("gateway", sa.String(length=45), nullable=True),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ip_pools")),
        sa.UniqueConstraint("livemode", "name", name=op.f("uq_ip_pools_livemode_name")),
    )
    op.create_table(
        "pdu_devices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("outlets", sa.Integer(), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pdu_devices")),
        sa.UniqueConstraint("livemode", "name", name=op.f("uq_pdu_devices_livemode_name")),
    )
    op.create_table(
        "support_departments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("icon", sa.String(length=64), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_departments")),
        sa.UniqueConstraint("livemode", "name", name=op.f("uq_support_departments_livemode_name")),
    )
    op.create_table(
        "ip_addresses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("pool_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pool_id"], ["ip_pools.id"], name=op.f("fk_ip_addresses_pool_id_ip_pools"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_ip_addresses_service_id_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ip_addresses")),
        sa.UniqueConstraint("livemode", "address", name=op.f("uq_ip_addresses_livemode_address")),
    )
    with op.batch_alter_table("ip_addresses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ip_addresses_pool_id"), ["pool_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ip_addresses_service_id"), ["service_id"], unique=False)

    op.create_table(
        "pdu_ports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("pdu_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("outlet", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pdu_id"], ["pdu_devices.id"], name=op.f("fk_pdu_ports_pdu_id_pdu_devices"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_pdu_ports_service_id_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pdu_ports")),
        sa.UniqueConstraint("pdu_id", "outlet", name=op.f("uq_pdu_ports_pdu_id_outlet")),
    )
    with op.batch_alter_table("pdu_ports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pdu_ports_service_id"), ["service_id"], unique=False)

    op.create_table(
        "support_tickets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("department_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("Open", "Answered", "Customer-Reply", "Closed", name="ticketstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum("low", "medium", "high", name="ticketpriority", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("client_read", sa.Boolean(), nullable=False),
        sa.Column("admin_read", sa.Boolean(), nullable=False),
        sa.Column("closed_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=16), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_support_tickets_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["support_departments.id"],
            name=op.f("fk_support_tickets_department_id_support_departments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_support_tickets_service_id_services"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_support_tickets_number")),
    )
    with op.batch_alter_table("support_tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_tickets_department_id"), ["department_id"], unique=False)
        batch_op.create_index("ix_support_tickets_livemode_customer_id", ["livemode", "customer_id"], unique=False)
        batch_op.create_index("ix_support_tickets_livemode_status", ["livemode", "status"], unique=False)

    op.create_table(
        "support_replies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("type", sa.Enum("Admin", "Client", name="replytype", native_enum=False, length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("administrator_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["administrator_id"],
            ["administrators.id"],
            name=op.f("fk_support_replies_administrator_id_administrators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["support_tickets.id"],
            name=op.f("fk_support_replies_ticket_id_support_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_replies")),
    )
    with op.batch_alter_table("support_replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_replies_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("support_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_replies_ticket_id"))

    op.drop_table("support_replies")
    with op.batch_alter_table("support_tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_support_tickets_livemode_status")
        batch_op.drop_index("ix_support_tickets_livemode_customer_id")
        batch_op.drop_index(batch_op.f("ix_support_tickets_department_id"))

    op.drop_table("support_tickets")
    with op.batch_alter_table("pdu_ports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pdu_ports_service_id"))

    op.drop_table("pdu_ports")
    with op.batch_alter_table("ip_addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ip_addresses_service_id"))
        batch_op.drop_index(batch_op.f("ix_ip_addresses_pool_id"))

    op.drop_table("ip_addresses")
    op.drop_table("support_departments")
    op.drop_table("pdu_devices")
    op.drop_table("ip_pools")
