"""list counts: totals of the unfiltered staff lists (customers, services, invoices, tickets, orders) per mode and
status, kept by triggers in the same transaction as every write (``hostlane.core.counts``)

Revision ID: 3c7e1a9d5b20
Revises: 8e2b4d6f1a3c
Create Date: 2026-12-26 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c7e1a9d5b20"
down_revision: str | None = "8e2b4d6f1a3c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The counted tables and the condition a counted row meets (the ``always`` of the table's list), frozen here as
# they were when this migration was written.
COUNTED: dict[str, str | None] = {
    "customers": "deleted_at IS NULL",
    "services": None,
    "invoices": "deleted_at IS NULL",
    "support_tickets": None,
    "orders": None,
}


def _postgresql(table: str, condition: str | None) -> list[str]:
    """One function and three statement-level triggers: each write statement appends, per (mode, status) it
    changed, one row holding the change."""
    where = f"WHERE {condition}" if condition else ""
    append = "INSERT INTO list_counts (resource, livemode, status, n)"
    function = f"""
CREATE FUNCTION list_counts_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {append} SELECT '{table}', livemode, status, count(*) FROM new_rows {where} GROUP BY livemode, status;
  ELSIF TG_OP = 'DELETE' THEN
    {append} SELECT '{table}', livemode, status, -count(*) FROM old_rows {where} GROUP BY livemode, status;
  ELSE
    {append} SELECT '{table}', livemode, status, sum(n) FROM (
      SELECT livemode, status, -1 AS n FROM old_rows {where}
      UNION ALL SELECT livemode, status, 1 AS n FROM new_rows {where}
    ) AS moved GROUP BY livemode, status HAVING sum(n) <> 0;
  END IF;
  RETURN NULL;
END $$"""  # noqa: S608 - names from COUNTED
    triggers = [
        f"CREATE TRIGGER list_counts_{table}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION list_counts_{table}()",
        f"CREATE TRIGGER list_counts_{table}_update AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION list_counts_{table}()",
        f"CREATE TRIGGER list_counts_{table}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION list_counts_{table}()",
    ]
    return [function, *triggers]


def _sqlite_step(table: str, row: str, condition: str | None, sign: str) -> str:
    """Add ``sign`` 1 to the key of ``row`` (NEW or OLD), when the row is counted: make the key's row, then add."""
    counted = f"{row}.{condition}" if condition else "1"
    key = f"resource = '{table}' AND livemode = {row}.livemode AND status = {row}.status"
    return (
        f"INSERT INTO list_counts (resource, livemode, status, n) SELECT '{table}', {row}.livemode, {row}.status, 0 "  # noqa: S608 - names from COUNTED
        f"WHERE {counted} AND NOT EXISTS (SELECT 1 FROM list_counts WHERE {key}); "
        f"UPDATE list_counts SET n = n {sign} 1 WHERE {counted} AND {key};"
    )


def _sqlite(table: str, condition: str | None) -> list[str]:
    """Row triggers keeping one row per key (SQLite serialises writers, so one row per key costs no waiting)."""
    columns = "livemode, status" + (", deleted_at" if condition else "")
    return [
        f"CREATE TRIGGER list_counts_{table}_insert AFTER INSERT ON {table} BEGIN "
        f"{_sqlite_step(table, 'NEW', condition, '+')} END",
        f"CREATE TRIGGER list_counts_{table}_update AFTER UPDATE OF {columns} ON {table} BEGIN "
        f"{_sqlite_step(table, 'OLD', condition, '-')} {_sqlite_step(table, 'NEW', condition, '+')} END",
        f"CREATE TRIGGER list_counts_{table}_delete AFTER DELETE ON {table} BEGIN "
        f"{_sqlite_step(table, 'OLD', condition, '-')} END",
    ]


def upgrade() -> None:
    op.create_table(
        "list_counts",
        sa.Column("id", ID, nullable=False),
        sa.Column("resource", sa.String(length=40), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_counts")),
    )
    op.create_index("ix_list_counts_resource_livemode_status", "list_counts", ["resource", "livemode", "status"])
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, condition in COUNTED.items():
        where = f" WHERE {condition}" if condition else ""
        op.execute(
            f"INSERT INTO list_counts (resource, livemode, status, n) "  # noqa: S608 - names from COUNTED
            f"SELECT '{table}', livemode, status, count(*) FROM {table}{where} GROUP BY livemode, status"
        )
        for statement in _postgresql(table, condition) if postgresql else _sqlite(table, condition):
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in COUNTED:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS list_counts_{table}_{event}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS list_counts_{table}()")
    op.drop_index("ix_list_counts_resource_livemode_status", table_name="list_counts")
    op.drop_table("list_counts")
