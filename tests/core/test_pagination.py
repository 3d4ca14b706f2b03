"""A list's query parameters: ``per_page`` above the maximum is refused naming the maximum, never capped; a time
filter names a period by a leading part of ``YYYY-MM-DD HH:MM:SS``."""

from __future__ import annotations

import datetime as dt

import pytest

from hostlane.core.errors import BadRequest, ValidationFailed
from hostlane.core.pagination import DEFAULT_PER_PAGE, MAX_PAGE, ListSpec, _period, parse_list_query

SPEC = ListSpec(filters={}, sorts=frozenset({"id"}))


@pytest.mark.parametrize(
    ("given", "expected"), [(None, DEFAULT_PER_PAGE), ("", DEFAULT_PER_PAGE), ("1", 1), ("100", 100)]
)
def test_per_page_up_to_the_maximum(given: str | None, expected: int) -> None:
    params = {} if given is None else {"per_page": given}
    assert parse_list_query(params, SPEC, max_per_page=100).per_page == expected


@pytest.mark.parametrize("given", ["101", "1000", str(MAX_PAGE), str(MAX_PAGE + 1), "9" * 5000])
def test_per_page_above_the_maximum_is_a_422_naming_it(given: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_list_query({"per_page": given}, SPEC, max_per_page=100)
    assert refused.value.status == 422
    assert refused.value.message == "The per_page parameter may not be greater than 100."
    assert refused.value.fields == {"per_page": ["Must be at most 100."]}


def test_the_default_never_exceeds_a_smaller_maximum() -> None:
    assert parse_list_query({}, SPEC, max_per_page=10).per_page == 10
    assert parse_list_query({"include": ""}, SPEC, max_per_page=1).per_page == 1


def test_a_maximum_past_the_largest_page_size_is_bounded_by_it() -> None:
    with pytest.raises(ValidationFailed, match=f"greater than {MAX_PAGE}"):
        parse_list_query({"per_page": str(MAX_PAGE + 1)}, SPEC, max_per_page=2**40)


@pytest.mark.parametrize("given", ["0", "-1", "abc"])
def test_per_page_below_one_or_not_a_number_is_still_a_400(given: str) -> None:
    with pytest.raises(BadRequest):
        parse_list_query({"per_page": given}, SPEC, max_per_page=100)


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
