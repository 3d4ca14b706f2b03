"""neutral words: invoice, item, ticket and reply words stored as Hostlane's own, not HostBill's

The enums are VARCHARs without a CHECK constraint (``text_enum``), so only the rows change, and the
partial unique index that names the service item type in its WHERE clause.

Revision ID: 757bf60ad832
Revises: c24341d795e7
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "757bf60ad832"
down_revision: str | None = "c24341d795e7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, {HostBill's word: Hostlane's word})
RENAMES: list[tuple[str, str, dict[str, str]]] = [
    (
        "invoices",
        "status",
        {
            "Draft": "draft",
            "Unpaid": "unpaid",
            "Paid": "paid",
            "Cancelled": "cancelled",
            "Refunded": "refunded",
            "Collections": "collections",
        },
    ),
    ("invoice_items", "type", {"Hosting": "service", "Setup": "setup", "Other": "other"}),
    (
        "support_tickets",
        "status",
        {"Open": "open", "Answered": "answered", "Customer-Reply": "customer_reply", "Closed": "closed"},
    ),
    ("support_replies", "type", {"Admin": "admin", "Client": "client"}),
]
SERVICE_PERIOD_INDEX = "uq_invoice_items_service_period"


def _rewrite(*, backwards: bool) -> None:
    for name, column, words in RENAMES:
        table = sa.table(name, sa.column(column, sa.String))
        for old, new in words.items():
            before, after = (new, old) if backwards else (old, new)
            op.execute(sa.update(table).where(table.c[column] == before).values({column: after}))


def _service_period_index(service_type: str) -> None:
    where = sa.text(f"type = '{service_type}'")
    op.create_index(
        SERVICE_PERIOD_INDEX,
        "invoice_items",
        ["service_id", "period_start"],
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


def upgrade() -> None:
    op.drop_index(SERVICE_PERIOD_INDEX, table_name="invoice_items")
    _rewrite(backwards=False)
    _service_period_index("service")


def downgrade() -> None:
    op.drop_index(SERVICE_PERIOD_INDEX, table_name="invoice_items")
    _rewrite(backwards=True)
    _service_period_index("Hosting")
