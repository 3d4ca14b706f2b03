"""list indexes: every filter and sort the lists offer on the tables that grow is served by an index (issue 16)

B-tree indexes lead with what every list carries (``livemode``; lists of customers and invoices also
``deleted_at IS NULL``, hence partial), then the filtered or sorted column, then ``id`` (each list's tie-break), so
that a page in that order is an index scan that stops at its LIMIT. On PostgreSQL, GIN trigram indexes (``pg_trgm``)
over ``lower(column)`` serve the ``lower(column) LIKE '%word%'`` of the substring filters and the staff search.

A customer's own lists (client area, portal, a customer token on the APIs) are served by the existing
``(livemode, customer_id)`` indexes: one customer's services, invoices, orders or tickets are tens of rows, which
a sort orders in memory at no cost worth a second set of indexes led by the tenant. The catalogue, departments,
address pools and PDUs are staff-made tables of tens of rows, read whole: no index for their lists either.

Revision ID: 3c7e1f9a5b2d
Revises: 3c7e1a9d5b20
Create Date: 2026-12-27 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c7e1f9a5b2d"
down_revision: str | None = "3c7e1a9d5b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_DELETED = "deleted_at IS NULL"


def _each(*names: str) -> list[tuple[str, ...]]:
    return [(name,) for name in names]


# table -> (the condition its lists always carry, or None; the columns, or column groups, a B-tree leads with after
# livemode and before id).
BTREE: dict[str, tuple[str | None, list[tuple[str, ...]]]] = {
    "customers": (
        NOT_DELETED,
        _each("firstname", "lastname", "phone", "country", "status", "currency", "created_at", "updated_at"),
    ),
    "services": (
        None,
        _each("status", "billing", "currency", "delivery_status", "next_due_date", "created_at", "updated_at"),
    ),
    "invoices": (
        NOT_DELETED,
        _each("status", "currency", "date", "duedate", "total_minor", "created_at", "updated_at"),
    ),
    "orders": (None, _each("status", "created_at")),
    "support_tickets": (
        None,
        _each("priority", "service_id", "assigned_to", "subject", "created_at", "updated_at", "closed_at"),
    ),
    "audit_log": (None, [*_each("at", "action"), ("object_type", "object_id"), ("actor_kind", "actor_id")]),
}
# table -> (the condition, the columns a substring filter or search matches).
TRIGRAM: dict[str, tuple[str | None, list[str]]] = {
    "customers": (NOT_DELETED, ["email", "firstname", "lastname", "companyname", "phone"]),
    "services": (None, ["name"]),
    "support_tickets": (None, ["subject"]),
}


def _btree_name(table: str, columns: tuple[str, ...]) -> str:
    return f"ix_{table}_livemode_{'_'.join(columns)}_id"


def upgrade() -> None:
    for table, (where, groups) in BTREE.items():
        partial = {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)} if where else {}
        for columns in groups:
            op.create_index(_btree_name(table, columns), table, ["livemode", *columns, "id"], **partial)  # type: ignore[arg-type]
    op.create_index("ix_orders_livemode_invoice_id", "orders", ["livemode", "invoice_id"])
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite has no trigram index: its substring filters scan
    # In ``public`` when the extension is new (a schema of its own would take the extension with it when dropped);
    # wherever it already is otherwise, so the operator class is named with its schema.
    # Two schemas of one database migrated at once (test workers) would race to create it: one at a time.
    bind.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('hostlane pg_trgm'))"))
    bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    schema = bind.execute(
        sa.text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")
    ).scalar_one()
    for table, (where, names) in TRIGRAM.items():
        for column in names:
            condition = f" WHERE {where}" if where else ""
            bind.execute(
                sa.text(
                    f"CREATE INDEX ix_{table}_{column}_trgm ON {table} "
                    f"USING gin (lower({column}) {schema}.gin_trgm_ops){condition}"
                )
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, (_, names) in TRIGRAM.items():
            for column in names:
                op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
    op.drop_index("ix_orders_livemode_invoice_id", table_name="orders")
    for table, (_, groups) in BTREE.items():
        for columns in groups:
            op.drop_index(_btree_name(table, columns), table_name=table)
