"""The one source of "now". Business code calls ``now()``; tests move time with ``frozen_at``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta

_fixed: ContextVar[datetime | None] = ContextVar("hostlane_clock", default=None)
_offset: timedelta = timedelta(0)


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    fixed = _fixed.get()
    if fixed is not None:
        return fixed
    return datetime.now(UTC) + _offset


def today() -> date:
    return now().date()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Stop the clock at ``moment`` (UTC if naive) for the code inside."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    token = _fixed.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _fixed.reset(token)


def set_offset(offset: timedelta) -> None:
    """Shift the whole process's clock (used by the CLI's ``--date`` and by tests that span tasks)."""
    global _offset
    _offset = offset
