"""Payment gateways: ``test`` (pretends, with cards that succeed, decline or time out) and ``stripe``."""

from __future__ import annotations

from hostlane.drivers.payments.base import ChargeResult, Gateway, GatewayDeclined, GatewayTimeout
from hostlane.drivers.payments.test import TestGateway

_GATEWAYS: dict[str, Gateway] = {}


def register(gateway: Gateway) -> None:
    _GATEWAYS[gateway.name] = gateway


def get(name: str) -> Gateway | None:
    return _GATEWAYS.get(name)


register(TestGateway())

__all__ = ["ChargeResult", "Gateway", "GatewayDeclined", "GatewayTimeout", "get", "register"]
