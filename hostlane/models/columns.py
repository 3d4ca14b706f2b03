"""Column groups and indexes that many tables declare alike."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import UTCDateTime


class Timestamps:
    """``created_at``, and ``updated_at`` moved by every ORM update: the last two columns of the table."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


def unique_where(name: str, *columns: str, where: str) -> Index:
    """A unique index over only the rows that match ``where`` (a partial index), on SQLite and PostgreSQL alike."""
    return Index(name, *columns, unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where))
