"""The faces' shared printing of times and page links prints exactly what the slower general forms print."""

from __future__ import annotations

import datetime as dt

import pytest
from starlette.requests import Request

from hostlane.faces.face import page_urls
from hostlane.faces.values import laravel_time, plain_time, seconds_text

PARIS = dt.timezone(dt.timedelta(hours=1))
TIMES = [
    dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC),
    dt.datetime(2026, 11, 23, 10, 30, 5, 120, tzinfo=dt.UTC),
    dt.datetime(2026, 1, 1, 0, 30, 59, 999999, tzinfo=PARIS),  # another zone: printed in UTC, the day before
    dt.datetime(999, 3, 4, 5, 6, 7, 8, tzinfo=dt.UTC),  # strftime leaves a year before 1000 unpadded
]


@pytest.mark.parametrize("value", TIMES)
def test_times_print_as_strftime_prints_them_in_utc(value: dt.datetime) -> None:
    utc = value.astimezone(dt.UTC)
    assert laravel_time(value) == utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert plain_time(value) == utc.strftime("%Y-%m-%d %H:%M:%S")
    assert seconds_text(value) == value.strftime("%Y-%m-%d %H:%M:%S")


def test_no_time_prints_none() -> None:
    assert laravel_time(None) is None
    assert plain_time(None) is None


def test_laravel_time_of_another_zone_is_the_utc_moment() -> None:
    assert laravel_time(TIMES[2]) == "2025-12-31T23:30:59.999999Z"


@pytest.mark.parametrize(
    "query",
    ["", "page=3", "per_page=50&page=2&filter%5Bemail%5D=a%2Bb%40x.io", "sort=-id&page=&page=9&include=services", "x"],
)
def test_page_urls_are_starlettes(query: str) -> None:
    request = Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/api/application/customers",
            "query_string": query.encode(),
            "headers": [],
        }
    )
    url = page_urls(request, "/api/application/customers")
    for number in (1, 2, 10):
        expected = f"/api/application/customers?{request.url.include_query_params(page=number).query}"
        assert url(number) == expected
