"""The interface every PDU driver implements: read and switch the power of one outlet."""

from __future__ import annotations

from typing import Protocol


class PduDriver(Protocol):
    name: str

    async def get_power(self, pdu: str, outlet: int) -> bool:
        """Whether outlet ``outlet`` (1-based) of the PDU at address ``pdu`` (host name or IP) is powered on."""

    async def set_power(self, pdu: str, outlet: int, on: bool) -> None:
        """Power outlet ``outlet`` (1-based) of the PDU at address ``pdu`` on or off."""
