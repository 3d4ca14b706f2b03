"""The interface every provisioning module implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

from hostlane.core.db import Database


@dataclass(frozen=True)
class ServiceContext:
    """What a module knows of the service it acts on (ids and settings, never ORM objects).

    ``database`` is Hostlane's own, for a module whose system is Hostlane itself (a telephony line is a row that a
    PBX job then provisions): such a module opens its own transaction, as the job calling it holds none."""

    service_id: int
    customer_id: int
    product_id: int
    livemode: bool
    config: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    database: Database | None = field(default=None, repr=False, compare=False)


class ProvisioningModule(Protocol):
    name: str
    description: str
    config_schema: type[BaseModel]
    # True when the module acts on a real system: test mode then uses the simulator instead (drivers.modes).
    reaches_outside: bool

    async def create(self, service: ServiceContext) -> dict[str, Any]:
        """Provision the service; return what to remember of it (ids on the remote system …)."""

    async def suspend(self, service: ServiceContext) -> None: ...

    async def unsuspend(self, service: ServiceContext) -> None: ...

    async def terminate(self, service: ServiceContext) -> None: ...
