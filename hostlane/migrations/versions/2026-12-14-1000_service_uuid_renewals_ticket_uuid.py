"""service uuid and renewals, expires_at as the paid-until date; a ticket's uuid, who opened it, who it is assigned to

Every service and ticket gets a random UUID (unique), generated for the rows that exist. A service counts the
renewal periods paid (``renewals``: the paid renewal invoices so far) and keeps the date it is paid until in
``expires_at``, which was only set when it expired: a live service is taken as paid until the first period
of an unpaid renewal invoice, else until its next due date.

Revision ID: 5c2f7a9e4b13
Revises: 645eecf653cc
Create Date: 2026-12-14 10:00:00
"""

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c2f7a9e4b13"
down_revision: str | None = "645eecf653cc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def _give_uuids(table_name: str) -> None:
    table = sa.table(table_name, sa.column("id", sa.BigInteger), sa.column("uuid", sa.String))
    connection = op.get_bind()
    ids = [row[0] for row in connection.execute(sa.select(table.c.id).where(table.c.uuid.is_(None)))]
    statement = sa.update(table).where(table.c.id == sa.bindparam("_id")).values(uuid=sa.bindparam("_uuid"))
    for start in range(0, len(ids), BATCH):
        connection.execute(statement, [{"_id": i, "_uuid": str(uuid.uuid4())} for i in ids[start : start + BATCH]])


def _paid_until() -> None:
    """A live service without ``expires_at``: paid until its first unpaid renewal period, else its next due date."""
    services = sa.table(
        "services",
        sa.column("id", sa.BigInteger),
        sa.column("status", sa.String),
        sa.column("next_due_date", sa.Date),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    items = sa.table(
        "invoice_items",
        sa.column("invoice_id", sa.BigInteger),
        sa.column("service_id", sa.BigInteger),
        sa.column("type", sa.String),
        sa.column("period_start", sa.Date),
    )
    invoices = sa.table("invoices", sa.column("id", sa.BigInteger), sa.column("status", sa.String))
    unpaid_start = (
        sa.select(sa.func.min(items.c.period_start))
        .select_from(items.join(invoices, invoices.c.id == items.c.invoice_id))
        .where(items.c.service_id == services.c.id, items.c.type == "service", invoices.c.status == "unpaid")
        .scalar_subquery()
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(services.c.id, sa.func.coalesce(unpaid_start, services.c.next_due_date)).where(
            services.c.status.in_(["active", "suspended"]), services.c.expires_at.is_(None)
        )
    ).all()
    statement = sa.update(services).where(services.c.id == sa.bindparam("_id")).values(expires_at=sa.bindparam("_at"))
    moves = []
    for service_id, until in rows:
        if until is None:
            continue
        day = until if isinstance(until, dt.date) else dt.date.fromisoformat(str(until))
        moves.append({"_id": service_id, "_at": dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)})
    for start in range(0, len(moves), BATCH):
        connection.execute(statement, moves[start : start + BATCH])


def _renewals_paid() -> None:
    op.execute(
        sa.text(
            "UPDATE services SET renewals = ("
            " SELECT COUNT(DISTINCT invoice_items.invoice_id) FROM invoice_items"
            " JOIN invoices ON invoices.id = invoice_items.invoice_id"
            " WHERE invoice_items.service_id = services.id AND invoice_items.type = 'service'"
            " AND invoice_items.period_end IS NOT NULL AND invoices.status = 'paid' AND invoices.order_id IS NULL)"
        )
    )


def upgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uuid", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("renewals", sa.Integer(), nullable=False, server_default="0"))
    _give_uuids("services")
    _paid_until()
    _renewals_paid()
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.alter_column("uuid", existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column("renewals", existing_type=sa.Integer(), server_default=None)
        batch_op.create_unique_constraint(batch_op.f("uq_services_uuid"), ["uuid"])

    with op.batch_alter_table("support_tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uuid", sa.String(length=36), nullable=True))
        for column in ("administrator_id", "assigned_to"):
            batch_op.add_column(sa.Column(column, sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
    _give_uuids("support_tickets")
    with op.batch_alter_table("support_tickets", schema=None) as batch_op:
        batch_op.alter_column("uuid", existing_type=sa.String(length=36), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_support_tickets_uuid"), ["uuid"])
        for column in ("administrator_id", "assigned_to"):
            batch_op.create_foreign_key(
                batch_op.f(f"fk_support_tickets_{column}_administrators"),
                "administrators",
                [column],
                ["id"],
                ondelete="SET NULL",
            )


def downgrade() -> None:
    with op.batch_alter_table("support_tickets", schema=None) as batch_op:
        for column in ("administrator_id", "assigned_to"):
            batch_op.drop_constraint(batch_op.f(f"fk_support_tickets_{column}_administrators"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_support_tickets_uuid"), type_="unique")
        batch_op.drop_column("assigned_to")
        batch_op.drop_column("administrator_id")
        batch_op.drop_column("uuid")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_services_uuid"), type_="unique")
        batch_op.drop_column("renewals")
        batch_op.drop_column("uuid")
