"""List queries: a time filter names a period by a leading part of ``YYYY-MM-DD HH:MM:SS``."""

from __future__ import annotations

import datetime as dt

import pytest

from hostlane.core.errors import BadRequest
from hostlane.core.pagination import _period


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [
        ("2026", utc(2026, 1, 1), utc(2027, 1, 1)),
        ("2026-02", utc(2026, 2, 1), utc(2026, 3, 1)),
        ("2026-12", utc(2026, 12, 1), utc(2027, 1, 1)),
        ("2028-02-29", utc(2028, 2, 29), utc(2028, 3, 1)),
        ("2026-12-31 23", utc(2026, 12, 31, 23), utc(2027, 1, 1)),
        ("2026-12-11T10:30", utc(2026, 12, 11, 10, 30), utc(2026, 12, 11, 10, 31)),
        (" 2026-12-11 10:30:59 ", utc(2026, 12, 11, 10, 30, 59), utc(2026, 12, 11, 10, 31)),
    ],
)
def test_a_leading_part_names_its_period(raw: str, start: dt.datetime, end: dt.datetime) -> None:
    assert _period("created_at", raw) == (start, end)


@pytest.mark.parametrize(
    "raw", ["", "yesterday", "2026-13", "2026-02-30", "2026-12-11 24", "26-12-11", "2026/12", "9999"]
)
def test_anything_else_is_a_400_naming_the_filter(raw: str) -> None:
    with pytest.raises(BadRequest) as refused:
        _period("created_at", raw)
    assert "`created_at`" in refused.value.message
    assert set(refused.value.fields) == {"filter[created_at]"}
