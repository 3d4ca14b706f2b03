"""The test gateway: charges nothing, but behaves like a gateway.

Card numbers decide the outcome, as on real test gateways:
``4242424242424242`` succeeds, ``4000000000000002`` is declined, ``4000000000000119`` times out
(the charge is made but the answer is lost, so ``lookup`` finds it). Charges are remembered by
idempotency key: charging twice with one key charges once. It moves no money, so it serves test mode only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hostlane.drivers.payments.base import ChargeResult, GatewayDeclined, GatewayTimeout

SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"
TIMES_OUT = "4000000000000119"


@dataclass
class TestGatewayState:
    charges: dict[str, ChargeResult] = field(default_factory=dict)  # idempotency key -> charge
    refunds: dict[str, int] = field(default_factory=dict)  # reference -> refunded
    calls: int = 0


class TestGateway:
    name = "test"
    serves_live = False
    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self.state = TestGatewayState()

    def reset(self) -> None:
        self.state = TestGatewayState()

    async def charge(self, *, method: str, amount_minor: int, currency: str, idempotency_key: str) -> ChargeResult:
        self.state.calls += 1
        if idempotency_key in self.state.charges:
            return self.state.charges[idempotency_key]
        if method == DECLINED:
            raise GatewayDeclined("Your card was declined.")
        result = ChargeResult(f"test_ch_{len(self.state.charges) + 1:06d}", amount_minor, currency)
        self.state.charges[idempotency_key] = result
        if method == TIMES_OUT:
            raise GatewayTimeout("The payment gateway did not answer in time.", seconds=60)
        if method != SUCCEEDS and not method.startswith("pm_"):
            del self.state.charges[idempotency_key]
            raise GatewayDeclined("Unknown test card.")
        return result

    async def lookup(self, idempotency_key: str) -> ChargeResult | None:
        return self.state.charges.get(idempotency_key)

    async def refund(self, *, reference: str, amount_minor: int) -> None:
        self.state.refunds[reference] = self.state.refunds.get(reference, 0) + amount_minor
