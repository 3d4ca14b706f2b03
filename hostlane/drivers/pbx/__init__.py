"""PBX servers: configure them and provision their lines. The stateful ``simulator`` is the default (and test
mode's); ``kamailio`` writes SIP accounts where a real Kamailio registrar reads them."""

from __future__ import annotations

from hostlane.config import Settings
from hostlane.drivers.pbx.base import LineAccount, PbxDriver, PbxTarget, Voicemail
from hostlane.drivers.pbx.kamailio import KamailioPbx
from hostlane.drivers.pbx.simulator import SimulatorPbx


def build_pbx_driver(settings: Settings) -> PbxDriver:
    """The driver ``settings.pbx_driver`` names (a fresh simulator each time: its state is the runtime's)."""
    if settings.pbx_driver == "simulator":
        return SimulatorPbx()
    if settings.pbx_driver == "kamailio":
        assert settings.kamailio_database_url is not None  # the settings refuse kamailio without it
        return KamailioPbx(settings.kamailio_database_url)
    raise ValueError(f"unknown PBX driver {settings.pbx_driver!r}")


__all__ = ["KamailioPbx", "LineAccount", "PbxDriver", "PbxTarget", "SimulatorPbx", "Voicemail", "build_pbx_driver"]
