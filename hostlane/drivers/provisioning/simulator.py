"""A stateful stand-in for a real provisioning system.

It keeps each service's remote state (``absent``, ``running``, ``suspended``), counts calls, refuses
calls that make no sense on that state, and can be told to fail (transiently or for good).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from hostlane.drivers.errors import DriverError, RetryLater
from hostlane.drivers.provisioning.base import ConnectionCheck, ServerTarget, ServiceContext


class SimulatorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: Annotated[str, StringConstraints(max_length=64)] = "default"
    region: Annotated[str, StringConstraints(max_length=64)] = "sim-1"


@dataclass
class SimulatorState:
    machines: dict[int, str] = field(default_factory=dict)  # service id -> running | suspended
    calls: Counter[str] = field(default_factory=Counter)
    transient_failures: int = 0  # the next N calls time out
    broken: bool = False  # every call fails for good until repaired
    unreachable: set[str] = field(default_factory=set)  # server addresses that do not answer
    hosts: dict[int, str] = field(default_factory=dict)  # service id -> the server it was created on
    # address -> the only password the server accepts (a server not named accepts any non-empty password)
    passwords: dict[str, str] = field(default_factory=dict)


class SimulatorModule:
    name = "simulator"
    description = "A simulated provisioning system (used in test mode and in tests)."
    config_schema: type[BaseModel] = SimulatorConfig
    reaches_outside = False
    uses_servers = True

    def __init__(self) -> None:
        self.state = SimulatorState()

    def reset(self) -> None:
        self.state = SimulatorState()

    def fail_next(self, calls: int) -> None:
        self.state.transient_failures = calls

    def _enter(self, action: str, service: ServiceContext) -> None:
        self.state.calls[action] += 1
        if self.state.broken:
            raise DriverError(f"simulator refused {action} of service {service.service_id}: system is broken")
        if self.state.transient_failures > 0:
            self.state.transient_failures -= 1
            raise RetryLater(f"simulator timed out during {action} of service {service.service_id}", seconds=30)

    async def create(self, service: ServiceContext) -> dict[str, Any]:
        self._enter("create", service)
        if service.server is not None:
            if service.server.address in self.state.unreachable:
                raise RetryLater(f"simulator server {service.server.address} did not answer", seconds=30)
            self.state.hosts[service.service_id] = service.server.hostname
        if service.service_id not in self.state.machines:
            self.state.machines[service.service_id] = "running"
        return {"machine": f"sim-{service.service_id}", "region": service.config.get("region", "sim-1")}

    async def suspend(self, service: ServiceContext) -> None:
        self._enter("suspend", service)
        if service.service_id not in self.state.machines:
            raise DriverError(f"service {service.service_id} does not exist on the simulator")
        self.state.machines[service.service_id] = "suspended"

    async def unsuspend(self, service: ServiceContext) -> None:
        self._enter("unsuspend", service)
        if service.service_id not in self.state.machines:
            raise DriverError(f"service {service.service_id} does not exist on the simulator")
        self.state.machines[service.service_id] = "running"

    async def terminate(self, service: ServiceContext) -> None:
        self._enter("terminate", service)
        self.state.machines.pop(service.service_id, None)

    async def test_connection(self, server: ServerTarget) -> ConnectionCheck:
        """Answer as a server would: not at all when unreachable or broken, refusing a missing or wrong password."""
        self.state.calls["test_connection"] += 1
        if self.state.broken or server.address in self.state.unreachable:
            return ConnectionCheck(False, f"{server.address}:{server.port} did not answer.")
        expected = self.state.passwords.get(server.address)
        if not server.password or (expected is not None and server.password != expected):
            return ConnectionCheck(False, f"{server.address}:{server.port} refused the credentials.")
        return ConnectionCheck(True, f"Connected to {server.hostname} ({server.address}:{server.port}).")
