"""Column groups and indexes that many tables declare alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import UTCDateTime


class Timestamps:
    """``created_at``, and ``updated_at`` moved by every ORM update: the last two columns of the table."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class CycleAmounts:
    """Each billing cycle's amount and setup amount in minor units, NULL where the cycle is not offered: a product's
    pricing, a coupon's values."""

    onetime: Mapped[int | None] = mapped_column(sa.BigInteger)
    monthly: Mapped[int | None] = mapped_column(sa.BigInteger)
    quarterly: Mapped[int | None] = mapped_column(sa.BigInteger)
    semiannually: Mapped[int | None] = mapped_column(sa.BigInteger)
    annually: Mapped[int | None] = mapped_column(sa.BigInteger)
    biennially: Mapped[int | None] = mapped_column(sa.BigInteger)
    triennially: Mapped[int | None] = mapped_column(sa.BigInteger)
    setup_onetime: Mapped[int | None] = mapped_column(sa.BigInteger)
    setup_monthly: Mapped[int | None] = mapped_column(sa.BigInteger)
    setup_quarterly: Mapped[int | None] = mapped_column(sa.BigInteger)
    setup_semiannually: Mapped[int | None] = mapped_column(sa.BigInteger)
    setup_annually: Mapped[int | None] = mapped_column(sa.BigInteger)
    setup_biennially: Mapped[int | None] = mapped_column(sa.BigInteger)
    setup_triennially: Mapped[int | None] = mapped_column(sa.BigInteger)


def unique_where(name: str, *columns: str, where: str) -> Index:
    """A unique index over only the rows that match ``where`` (a partial index), on SQLite and PostgreSQL alike."""
    return Index(name, *columns, unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def list_index(table: str, *columns: str, where: str | None = None) -> Index:
    """The B-tree index a list's filter or sort walks: the mode first (every list carries it), then ``columns``, then
    ``id``, so that a page in that order is an index scan that stops at its LIMIT. ``where`` makes it partial, for
    a list that always carries that condition (not deleted)."""
    partial: dict[str, Any] = {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)} if where else {}
    return Index(f"ix_{table}_livemode_{'_'.join(columns)}_id", "livemode", *columns, "id", **partial)


def trigram_index(model: type[Any], column: str, *, where: str | None = None) -> Index:
    """A GIN trigram index (PostgreSQL's ``pg_trgm``) over ``lower(column)`` of ``model``'s table: what serves the
    ``lower(column) LIKE '%word%'`` of a substring filter or search. PostgreSQL only (SQLite has none, and scans)."""
    table = cast(sa.Table, model.__table__)
    name = f"{column}_lower"
    index = Index(
        f"ix_{table.name}_{column}_trgm",
        sa.func.lower(table.c[column]).label(name),
        postgresql_using="gin",
        postgresql_ops={name: "gin_trgm_ops"},
        postgresql_where=sa.text(where) if where else None,
    )
    return index.ddl_if(dialect="postgresql")
