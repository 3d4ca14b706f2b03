"""The test gateway: charges nothing, but behaves like a gateway.

Card numbers decide the outcome, as on real test gateways:
``4242424242424242`` succeeds, ``4000000000000002`` is declined, ``4000000000000119`` times out
(the charge is made but the answer is lost, so ``lookup`` finds it), ``4000000000000341`` is saved but declined
when charged. Charges are remembered by idempotency key: charging twice with one key charges once. It moves no
money, so it serves test mode only.

Card setups are simulated with state: ``start_card_setup`` opens one, ``confirm_card_setup`` plays the customer's
browser (Stripe.js's ``confirmCardSetup``) with one of ``TEST_CARDS`` (``4000000000000002`` is refused there, as
a declined card is refused by a real SetupIntent), and ``card_setup`` reads it back as the server does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from hostlane.core import clock
from hostlane.drivers.payments.base import (
    CardSetup,
    CardSetupStarted,
    ChargeResult,
    GatewayDeclined,
    GatewayTimeout,
    SavedCard,
)

SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"
TIMES_OUT = "4000000000000119"
DECLINED_WHEN_CHARGED = "4000000000000341"
# The cards a test card setup accepts: number -> brand. The test environment's billing page offers them.
TEST_CARDS = {SUCCEEDS: "visa", DECLINED: "visa", DECLINED_WHEN_CHARGED: "visa", TIMES_OUT: "visa"}


@dataclass
class TestGatewayState:
    charges: dict[str, ChargeResult] = field(default_factory=dict)  # idempotency key -> charge
    refunds: dict[str, int] = field(default_factory=dict)  # reference -> refunded
    calls: int = 0
    customers: dict[str, str] = field(default_factory=dict)  # gateway customer -> Hostlane's reference
    setups: dict[str, CardSetup] = field(default_factory=dict)
    detached: list[str] = field(default_factory=list)


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
        if method in (DECLINED, DECLINED_WHEN_CHARGED):
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

    async def create_customer(self, *, email: str, name: str, reference: str) -> str:
        customer = f"test_cus_{secrets.token_hex(8)}"
        self.state.customers[customer] = reference
        return customer

    async def start_card_setup(self, *, customer: str, reference: str) -> CardSetupStarted:
        setup_id = f"test_seti_{secrets.token_hex(8)}"
        self.state.setups[setup_id] = CardSetup(setup_id, "requires_payment_method", customer, None)
        return CardSetupStarted(setup_id, f"{setup_id}_secret_{secrets.token_hex(8)}")

    async def confirm_card_setup(self, setup_id: str, number: str) -> CardSetup:
        """What the customer's browser does with a real gateway: give the setup a card. A declined card leaves it
        waiting for another (``GatewayDeclined``), as Stripe's SetupIntent does."""
        setup = await self.card_setup(setup_id)
        if setup.status == "succeeded":
            return setup
        if number not in TEST_CARDS or number == DECLINED:
            self.state.setups[setup_id] = CardSetup(
                setup_id, "requires_payment_method", setup.customer, None, "Your card was declined."
            )
            raise GatewayDeclined("Your card was declined.")
        card = SavedCard(number, TEST_CARDS[number], number[-4:], 12, clock.now().year + 3)
        done = CardSetup(setup_id, "succeeded", setup.customer, card)
        self.state.setups[setup_id] = done
        return done

    async def card_setup(self, setup_id: str) -> CardSetup:
        setup = self.state.setups.get(setup_id)
        if setup is None:
            raise GatewayDeclined("No such card setup.")
        return setup

    async def detach(self, token: str) -> None:
        self.state.detached.append(token)
