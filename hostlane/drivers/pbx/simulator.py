"""A stateful stand-in for PBX servers: it keeps each server's configuration and lines, counts calls, refuses
lines on a server that was never configured, and can be told to fail (transiently, or for good)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hostlane.drivers.errors import DriverError, RetryLater
from hostlane.drivers.pbx.base import LineAccount, PbxTarget


@dataclass
class SimulatedServer:
    configured: bool = False
    lines: dict[str, LineAccount] = field(default_factory=dict)  # by SIP username


@dataclass
class SimulatorPbxState:
    servers: dict[str, SimulatedServer] = field(default_factory=dict)  # by server uuid
    calls: Counter[str] = field(default_factory=Counter)
    transient_failures: int = 0  # the next N calls time out
    broken: bool = False  # every call fails for good until repaired


class SimulatorPbx:
    name = "simulator"

    def __init__(self, *, require_configuration: bool = False) -> None:
        # A real server must be configured first; the simulator lets lines arrive on any server unless told.
        self.require_configuration = require_configuration
        self.state = SimulatorPbxState()

    def reset(self) -> None:
        self.state = SimulatorPbxState()

    def fail_next(self, calls: int) -> None:
        self.state.transient_failures = calls

    def server(self, uuid: str) -> SimulatedServer:
        return self.state.servers.setdefault(uuid, SimulatedServer())

    def _enter(self, action: str, server: PbxTarget) -> None:
        self.state.calls[action] += 1
        if self.state.broken:
            raise DriverError(f"simulator refused {action} on {server.name}: the PBX is broken")
        if self.state.transient_failures > 0:
            self.state.transient_failures -= 1
            raise RetryLater(f"simulator timed out during {action} on {server.name}", seconds=30)

    async def configure_server(self, server: PbxTarget) -> None:
        self._enter("configure_server", server)
        self.server(server.uuid).configured = True

    async def put_line(self, server: PbxTarget, line: LineAccount) -> None:
        self._enter("put_line", server)
        state = self.server(server.uuid)
        if self.require_configuration and not state.configured:
            raise DriverError(f"{server.name} is not configured")
        state.lines[line.username] = line

    async def delete_line(self, server: PbxTarget, username: str) -> None:
        self._enter("delete_line", server)
        self.server(server.uuid).lines.pop(username, None)

    async def close(self) -> None:
        return None
