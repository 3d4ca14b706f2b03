"""A list's query parameters: ``per_page`` above the maximum is refused naming the maximum, never capped."""

from __future__ import annotations

import pytest

from hostlane.core.errors import BadRequest, ValidationFailed
from hostlane.core.pagination import DEFAULT_PER_PAGE, MAX_PAGE, ListSpec, parse_list_query

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
