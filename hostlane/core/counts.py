"""Maintained list totals: ``list_counts`` holds, per resource, mode and status, how many rows an unfiltered staff
list shows, kept by database triggers in the same transaction as every write (migration ``list_counts``).

On PostgreSQL each write statement appends one delta row per (mode, status) it changed (statement-level triggers
over transition tables, so a bulk ``INSERT … SELECT`` stays one set-based step); appending never waits on another
transaction, where one counter row per key would serialise every writer of a resource (measured: 8 concurrent
single-row inserts ran at 731-933/s with a counter row, 2151-3163/s with delta rows, 2220-2730/s with no trigger).
``compact`` folds the deltas into one row per key (the daily job). On SQLite, whose writers are serialised anyway,
row triggers keep one row per key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core.db import Base, BigId

# The tables with a maintained count, and the condition a row must meet to be counted: the ``always`` condition
# of the table's ``Scoped`` (what every list of it shows). The migration's triggers use the same conditions.
COUNTED: dict[str, str | None] = {
    "customers": "deleted_at IS NULL",
    "services": None,
    "invoices": "deleted_at IS NULL",
    "support_tickets": None,
    "orders": None,
}


class ListCount(Base):
    """A count of (or, on PostgreSQL, a change in) a resource's rows of one mode and status."""

    __tablename__ = "list_counts"
    __table_args__ = (sa.Index("ix_list_counts_resource_livemode_status", "resource", "livemode", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    resource: Mapped[str] = mapped_column(sa.String(40))
    livemode: Mapped[bool] = mapped_column(sa.Boolean)
    status: Mapped[str] = mapped_column(sa.String(40))
    n: Mapped[int] = mapped_column(sa.BigInteger)


COUNTS = cast(sa.Table, ListCount.__table__)


async def maintained_total(
    session: AsyncSession, resource: str, *, livemode: bool, statuses: Sequence[str] | None = None
) -> int:
    """How many rows of ``resource`` in the mode (with one of ``statuses``, if given) an unfiltered list shows."""
    statement = sa.select(sa.func.coalesce(sa.func.sum(COUNTS.c.n), 0)).where(
        COUNTS.c.resource == resource, COUNTS.c.livemode.is_(livemode)
    )
    if statuses is not None:
        statement = statement.where(COUNTS.c.status.in_(statuses))
    return int(await session.scalar(statement) or 0)


async def compact(session: AsyncSession) -> None:
    """Fold PostgreSQL's delta rows into one row per key, in one statement: rows appended by transactions still
    running are not seen by it and stay as they are, so no change is lost or counted twice. (SQLite's triggers
    already keep one row per key.)"""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(
        sa.text(
            "WITH gone AS (DELETE FROM list_counts RETURNING resource, livemode, status, n) "
            "INSERT INTO list_counts (resource, livemode, status, n) "
            "SELECT resource, livemode, status, sum(n) FROM gone GROUP BY resource, livemode, status "
            "HAVING sum(n) <> 0"
        )
    )


async def recount(session: AsyncSession) -> None:
    """Count every counted table again from its rows (after a ``TRUNCATE``, which fires no trigger)."""
    await session.execute(sa.delete(COUNTS))
    for table, condition in COUNTED.items():
        where = f" WHERE {condition}" if condition else ""
        await session.execute(
            sa.text(
                f"INSERT INTO list_counts (resource, livemode, status, n) "  # noqa: S608 - names from COUNTED
                f"SELECT '{table}', livemode, status, count(*) FROM {table}{where} GROUP BY livemode, status"
            )
        )
