"""Power distribution units: switch a server's outlets. Only the stateful ``simulator`` for now."""

from __future__ import annotations

from hostlane.config import Settings
from hostlane.drivers.pdu.base import PduDriver
from hostlane.drivers.pdu.simulator import SimulatorPdu


def build_pdu_driver(settings: Settings) -> PduDriver:
    """The driver ``settings.pdu_driver`` names (a fresh simulator each time: its state is the runtime's)."""
    if settings.pdu_driver == "simulator":
        return SimulatorPdu()
    raise ValueError(f"unknown PDU driver {settings.pdu_driver!r}")


__all__ = ["PduDriver", "SimulatorPdu", "build_pdu_driver"]
