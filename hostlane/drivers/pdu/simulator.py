"""A stateful stand-in for power distribution units (the only PDU driver until the SNMP one comes).

It keeps each outlet's power (on until switched off), counts calls, refuses outlets the PDU does not
have, and can be told to fail (transiently or for good).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hostlane.drivers.errors import DriverError, RetryLater


@dataclass
class SimulatorPduState:
    outlets: dict[tuple[str, int], bool] = field(default_factory=dict)  # (pdu, outlet) -> on
    calls: Counter[str] = field(default_factory=Counter)
    transient_failures: int = 0  # the next N calls time out
    broken: bool = False  # every call fails for good until repaired


class SimulatorPdu:
    name = "simulator"

    def __init__(self, *, outlets_per_pdu: int = 1024) -> None:
        self.outlets_per_pdu = outlets_per_pdu
        self.state = SimulatorPduState()

    def reset(self) -> None:
        self.state = SimulatorPduState()

    def fail_next(self, calls: int) -> None:
        self.state.transient_failures = calls

    def _enter(self, action: str, pdu: str, outlet: int) -> None:
        self.state.calls[action] += 1
        if self.state.broken:
            raise DriverError(f"simulator refused {action} of {pdu} outlet {outlet}: PDU is broken")
        if self.state.transient_failures > 0:
            self.state.transient_failures -= 1
            raise RetryLater(f"simulator timed out during {action} of {pdu} outlet {outlet}", seconds=30)
        if not 1 <= outlet <= self.outlets_per_pdu:
            raise DriverError(f"PDU {pdu} has no outlet {outlet} (it has 1 to {self.outlets_per_pdu})")

    async def get_power(self, pdu: str, outlet: int) -> bool:
        self._enter("get_power", pdu, outlet)
        return self.state.outlets.get((pdu, outlet), True)

    async def set_power(self, pdu: str, outlet: int, on: bool) -> None:
        self._enter("set_power", pdu, outlet)
        self.state.outlets[pdu, outlet] = on
