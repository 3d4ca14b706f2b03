"""Provisioning modules: what creates, suspends, unsuspends and terminates a service on a real system.

Each module is named by a product's ``type``. ``modules()`` is the registry; tests and the demo
use the stateful ``simulator``.
"""

from __future__ import annotations

from hostlane.drivers.provisioning.base import ConnectionCheck, ProvisioningModule, ServerTarget, ServiceContext
from hostlane.drivers.provisioning.cms_instance import SIMULATOR as CMS_SIMULATOR
from hostlane.drivers.provisioning.none import NoneModule
from hostlane.drivers.provisioning.simulator import SimulatorModule

_REGISTRY: dict[str, ProvisioningModule] = {}


def register(module: ProvisioningModule) -> None:
    _REGISTRY[module.name] = module


def modules() -> dict[str, ProvisioningModule]:
    return dict(_REGISTRY)


def get(name: str) -> ProvisioningModule | None:
    return _REGISTRY.get(name)


register(NoneModule())
register(SimulatorModule())
register(CMS_SIMULATOR)  # the default cms_instance module; Runtime.build installs the HTTP one when configured

__all__ = [
    "CMS_SIMULATOR",
    "ConnectionCheck",
    "ProvisioningModule",
    "ServerTarget",
    "ServiceContext",
    "get",
    "modules",
    "register",
]
