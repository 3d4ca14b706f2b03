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
    # The provisioning server the service was placed on (None: the module uses no servers, or none had room).
    server: ServerTarget | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ServerTarget:
    """A provisioning server as a module reaches it, credentials in clear (never logged: ``repr`` hides them)."""

    hostname: str
    address: str
    port: int
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ConnectionCheck:
    """What a module found when it tried a server: whether it answered and accepted the credentials, and why not."""

    ok: bool
    message: str


class ProvisioningModule(Protocol):
    name: str
    description: str
    config_schema: type[BaseModel]
    # True when the module acts on a real system: test mode then uses the simulator instead (drivers.modes).
    reaches_outside: bool
    # True when the module runs services on provisioning servers that staff register (``servers:*``); such a
    # module is given the server a service was placed on (``ServiceContext.server``).
    uses_servers: bool

    async def create(self, service: ServiceContext) -> dict[str, Any]:
        """Provision the service; return what to remember of it (ids on the remote system …)."""

    async def suspend(self, service: ServiceContext) -> None: ...

    async def unsuspend(self, service: ServiceContext) -> None: ...

    async def terminate(self, service: ServiceContext) -> None: ...

    async def test_connection(self, server: ServerTarget) -> ConnectionCheck:
        """Reach ``server`` with its credentials, changing nothing; ``RetryLater`` or a failed check if it cannot."""
