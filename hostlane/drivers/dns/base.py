"""The interface every reverse-DNS driver implements: read and write the PTR records of IP addresses."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Protocol


class DnsDriver(Protocol):
    name: str

    async def get_ptrs(self, ips: Sequence[str]) -> dict[str, str | None]:
        """Each IP (as given) to its PTR's host name without the trailing dot, or ``None`` when it has none."""

    async def set_ptr(self, ip: str, hostname: str | None) -> None:
        """Point ``ip``'s PTR at ``hostname`` (already validated by the caller); ``None`` deletes it."""


def ptr_name(ip: str) -> str:
    """The absolute PTR name of an IPv4 or IPv6 address (``ValueError`` if it is not one)."""
    return ipaddress.ip_address(ip).reverse_pointer + "."


def absolute(hostname: str) -> str:
    return hostname.rstrip(".") + "."


def relative(hostname: str) -> str:
    return hostname.rstrip(".")
