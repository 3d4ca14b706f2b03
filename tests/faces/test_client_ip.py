"""Which address a ban counts: X-Forwarded-For only from a configured proxy."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from hostlane.config import Settings
from hostlane.faces.common import client_ip


def _request(peer: str, forwarded: str | None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers, "method": "GET", "path": "/"})


@pytest.mark.parametrize(
    ("proxies", "peer", "forwarded", "expected"),
    [
        ([], "198.51.100.1", "203.0.113.9", "198.51.100.1"),  # no proxy configured: the header is ignored
        (["10.0.0.0/8"], "198.51.100.1", "203.0.113.9", "198.51.100.1"),  # not from the proxy: ignored
        (["10.0.0.0/8"], "10.1.2.3", "203.0.113.9", "203.0.113.9"),
        # A client that forges the header cannot hide: the right-most address not of a proxy counts.
        (["10.0.0.0/8"], "10.1.2.3", "1.2.3.4, 203.0.113.9", "203.0.113.9"),
        (["10.0.0.0/8", "192.0.2.7"], "10.1.2.3", "203.0.113.9, 192.0.2.7", "203.0.113.9"),
        (["10.0.0.0/8"], "10.1.2.3", None, "10.1.2.3"),
    ],
)
def test_forwarded_for_counts_only_behind_a_trusted_proxy(
    proxies: list[str], peer: str, forwarded: str | None, expected: str
) -> None:
    settings = Settings(trusted_proxies=proxies, _env_file=None)  # type: ignore[call-arg]
    assert client_ip(_request(peer, forwarded), settings) == expected


def test_trusted_proxies_are_read_from_a_comma_separated_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTLANE_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7")
    assert Settings(_env_file=None).trusted_proxies == ["10.0.0.0/8", "192.0.2.7"]  # type: ignore[call-arg]
    monkeypatch.setenv("HOSTLANE_TRUSTED_PROXIES", "not-an-address")
    with pytest.raises(ValueError):
        Settings(_env_file=None)  # type: ignore[call-arg]
