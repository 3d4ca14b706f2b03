"""The module of products that need nothing provisioned (a licence, a consulting hour)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from hostlane.drivers.provisioning.base import ConnectionCheck, ServerTarget, ServiceContext


class NoConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoneModule:
    name = "none"
    description = "Nothing to provision."
    config_schema: type[BaseModel] = NoConfig
    reaches_outside = False
    uses_servers = True

    async def create(self, service: ServiceContext) -> dict[str, Any]:
        return {}

    async def suspend(self, service: ServiceContext) -> None:
        return None

    async def unsuspend(self, service: ServiceContext) -> None:
        return None

    async def terminate(self, service: ServiceContext) -> None:
        return None

    async def test_connection(self, server: ServerTarget) -> ConnectionCheck:
        return ConnectionCheck(True, "Nothing to reach: the module provisions nothing.")
