"""A stateful stand-in for a reverse-DNS server.

It keeps each address's PTR in memory (addresses normalised, as DNS does through the PTR name), counts
calls, and can be told to fail (transiently or for good).
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from hostlane.drivers.dns.base import relative
from hostlane.drivers.errors import DriverError, RetryLater


@dataclass
class SimulatorDnsState:
    ptrs: dict[str, str] = field(default_factory=dict)  # normalised IP -> host name without trailing dot
    calls: Counter[str] = field(default_factory=Counter)
    transient_failures: int = 0  # the next N calls time out
    broken: bool = False  # every call fails for good until repaired


class SimulatorDns:
    name = "simulator"

    def __init__(self) -> None:
        self.state = SimulatorDnsState()

    def reset(self) -> None:
        self.state = SimulatorDnsState()

    def fail_next(self, calls: int) -> None:
        self.state.transient_failures = calls

    def _enter(self, action: str) -> None:
        self.state.calls[action] += 1
        if self.state.broken:
            raise DriverError(f"simulator refused {action}: DNS server is broken")
        if self.state.transient_failures > 0:
            self.state.transient_failures -= 1
            raise RetryLater(f"simulator timed out during {action}", seconds=30)

    async def get_ptrs(self, ips: Sequence[str]) -> dict[str, str | None]:
        self._enter("get_ptrs")
        return {ip: self.state.ptrs.get(str(ipaddress.ip_address(ip))) for ip in ips}

    async def set_ptr(self, ip: str, hostname: str | None) -> None:
        self._enter("set_ptr")
        address = str(ipaddress.ip_address(ip))
        if hostname is None:
            self.state.ptrs.pop(address, None)
        else:
            self.state.ptrs[address] = relative(hostname)
