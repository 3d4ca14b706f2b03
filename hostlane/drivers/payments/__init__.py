"""Payment gateways: ``test`` (pretends, with cards that succeed, decline or time out) and ``stripe``."""

from __future__ import annotations

from hostlane.drivers.payments.base import ChargeResult, Gateway, GatewayDeclined, GatewayTimeout
from hostlane.drivers.payments.test import TestGateway

_GATEWAYS: dict[str, Gateway] = {}


def register(gateway: Gateway) -> None:
    _GATEWAYS[gateway.name] = gateway


def unregister(name: str) -> None:
    """Forget the gateway ``name`` (a runtime built without its settings; tests)."""
    _GATEWAYS.pop(name, None)


def get(name: str) -> Gateway | None:
    return _GATEWAYS.get(name)


def live_names() -> list[str]:
    """The names of the configured gateways that move real money, in order."""
    return sorted(name for name, gateway in _GATEWAYS.items() if gateway.serves_live)


register(TestGateway())

__all__ = [
    "ChargeResult",
    "Gateway",
    "GatewayDeclined",
    "GatewayTimeout",
    "get",
    "live_names",
    "register",
    "unregister",
]
