"""The test gateway serves test mode only: a live card is never saved with it (by name or by default) and a live
invoice is never charged through it; live mode uses the configured real gateway (Stripe), and none is a refusal.
Test mode still pays with the test gateway."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from hostlane.billing import charging
from hostlane.billing import service as billing
from hostlane.billing.service import NewItem
from hostlane.drivers import modes, payments
from hostlane.drivers.errors import RetryLater
from hostlane.drivers.payments.test import SUCCEEDS, TestGateway
from hostlane.identity.principal import Principal
from hostlane.jobs.registry import Attempt
from hostlane.jobs.runner import drain
from hostlane.models import Invoice, InvoiceStatus, Payment, PaymentMethod, PaymentStatus
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer
from tests.fixtures.http import assert_laravel_error, bearer
from tests.fixtures.live import LiveServer
from tests.fixtures.stripe_standin import StripeStandIn

API = "/api/application"
PASSWORD = "s3cret-passw0rd"


@pytest.fixture(autouse=True)
def gateway() -> TestGateway:
    found = payments.get("test")
    assert isinstance(found, TestGateway)
    found.reset()
    return found


@pytest.fixture
def no_live_gateway() -> Iterator[None]:
    """No gateway that moves real money is configured (as a runtime without ``HOSTLANE_STRIPE_SECRET_KEY``)."""
    before = {name: payments.get(name) for name in payments.live_names()}
    for name in before:
        payments.unregister(name)
    yield
    for found in before.values():
        if found is not None:
            payments.register(found)


async def _customer_and_invoice(runtime: Runtime, *, livemode: bool) -> tuple[int, int]:
    """A customer of this mode (with a client-area password) and an unpaid 89.00 EUR invoice of it."""
    customer = await make_customer(runtime, livemode=livemode, password=PASSWORD)
    customer_id = int(str(customer["id"]))
    system = Principal.system(livemode=livemode)
    async with runtime.db.transaction() as session:
        invoice = await billing.issue_invoice(
            session, system, customer_id, items=[NewItem("Server", 8900)], due_on=dt.date(2030, 1, 1)
        )
        return customer_id, invoice.id


async def _legacy_test_card(runtime: Runtime, customer_id: int) -> None:
    """A live card saved with the test gateway before live mode refused it (a row written as it was then)."""
    async with runtime.db.transaction() as session:
        session.add(
            PaymentMethod(
                livemode=True, customer_id=customer_id, gateway="test", token=SUCCEEDS, last4="4242", is_default=True
            )
        )


async def _state(runtime: Runtime, invoice_id: int) -> tuple[str, list[str]]:
    async with runtime.db.reader() as session:
        status = await session.scalar(sa.select(Invoice.status).where(Invoice.id == invoice_id))
        rows = await session.scalars(sa.select(Payment.status).where(Payment.invoice_id == invoice_id))
        return str(status), [str(row) for row in rows]


@pytest.mark.parametrize("body", [{"token": SUCCEEDS}, {"gateway": "test", "token": SUCCEEDS}], ids=["default", "test"])
async def test_live_mode_refuses_to_save_a_test_card(
    runtime: Runtime, client: httpx.AsyncClient, no_live_gateway: None, body: dict[str, str]
) -> None:
    customer_id, _ = await _customer_and_invoice(runtime, livemode=True)
    key = bearer(await make_api_key(runtime, "customers:update"))
    response = await client.post(f"{API}/customers/{customer_id}/payment-methods", json=body, headers=key)
    assert_laravel_error(response, 422)
    expected = (
        "No payment gateway is configured for live mode."
        if "gateway" not in body
        else "The payment gateway 'test' serves test mode only."
    )
    assert response.json()["errors"] == {"gateway": [expected]}
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(PaymentMethod)) == 0


async def test_live_mode_refuses_the_test_gateway_even_with_a_real_one_configured(
    stripe_runtime: Runtime, client: httpx.AsyncClient
) -> None:
    customer_id, _ = await _customer_and_invoice(stripe_runtime, livemode=True)
    key = bearer(await make_api_key(stripe_runtime, "customers:update"))
    response = await client.post(
        f"{API}/customers/{customer_id}/payment-methods", json={"gateway": "test", "token": SUCCEEDS}, headers=key
    )
    assert_laravel_error(response, 422)
    assert response.json()["errors"] == {"gateway": ["The payment gateway 'test' serves test mode only."]}


async def test_live_mode_saves_and_charges_through_the_configured_real_gateway(
    stripe_runtime: Runtime,
    client: httpx.AsyncClient,
    standin: tuple[StripeStandIn, LiveServer],
    gateway: TestGateway,
) -> None:
    customer_id, invoice_id = await _customer_and_invoice(stripe_runtime, livemode=True)
    key = bearer(await make_api_key(stripe_runtime, "customers:update", "invoices:update"))
    saved = await client.post(
        f"{API}/customers/{customer_id}/payment-methods", json={"token": "pm_card_visa"}, headers=key
    )
    assert saved.status_code == 201 and saved.json()["gateway"] == "stripe"
    charged = await client.post(f"{API}/invoices/{invoice_id}/charge", headers=key)
    assert charged.status_code == 200 and charged.json()["status"] == "paid"
    assert [p["gateway"] for p in charged.json()["payments"]] == ["stripe"]
    assert len(standin[0].intents) == 1 and gateway.state.calls == 0


async def test_a_live_invoice_is_never_charged_through_the_test_gateway(
    runtime: Runtime, client: httpx.AsyncClient, gateway: TestGateway
) -> None:
    """A card saved with the test gateway before the refusal existed: every way of charging it refuses, and the
    test gateway is never asked."""
    customer_id, invoice_id = await _customer_and_invoice(runtime, livemode=True)
    await _legacy_test_card(runtime, customer_id)
    key = bearer(await make_api_key(runtime, "invoices:update"))
    charged = await client.post(f"{API}/invoices/{invoice_id}/charge", headers=key)
    assert_laravel_error(charged, 402, "The payment gateway 'test' serves test mode only.")
    async with runtime.db.reader() as session:
        email = await session.scalar(sa.text("SELECT email FROM customers WHERE id = :id"), {"id": customer_id})
    paid = await client.post(f"/api/invoice/{invoice_id}/pay", json={"method": "card"}, auth=(str(email), PASSWORD))
    assert paid.status_code == 402, paid.text
    await charging.charge_due_invoice(runtime, {"invoice_id": invoice_id}, Attempt(1, 5))  # the daily run's job
    assert await _state(runtime, invoice_id) == (InvoiceStatus.UNPAID.value, [])
    assert gateway.state.calls == 0 and gateway.state.charges == {}


async def test_a_live_payment_is_never_resolved_or_refunded_through_the_test_gateway(
    runtime: Runtime, gateway: TestGateway
) -> None:
    """A live payment recorded against the test gateway (before the refusal) is not settled by asking it."""
    customer_id, invoice_id = await _customer_and_invoice(runtime, livemode=True)
    async with runtime.db.transaction() as session:
        payment = Payment(
            livemode=True,
            customer_id=customer_id,
            invoice_id=invoice_id,
            gateway="test",
            reference="hl_legacy",
            amount_minor=8900,
            currency="EUR",
            status=PaymentStatus.UNKNOWN,
        )
        session.add(payment)
        await session.flush()
        payment_id = payment.id
    await gateway.charge(method=SUCCEEDS, amount_minor=8900, currency="EUR", idempotency_key="hl_legacy")
    with pytest.raises(RetryLater, match="serves test mode only"):
        await charging.resolve_payment(runtime, {"payment_id": payment_id}, Attempt(1, 5))
    assert await _state(runtime, invoice_id) == (InvoiceStatus.UNPAID.value, [PaymentStatus.UNKNOWN.value])


@pytest.mark.parametrize("body", [{"token": SUCCEEDS}, {"gateway": "test", "token": SUCCEEDS}], ids=["default", "test"])
async def test_test_mode_still_pays_with_the_test_gateway(
    runtime: Runtime, client: httpx.AsyncClient, no_live_gateway: None, gateway: TestGateway, body: dict[str, str]
) -> None:
    customer_id, invoice_id = await _customer_and_invoice(runtime, livemode=False)
    key = bearer(await make_api_key(runtime, "customers:update", "invoices:update", livemode=False))
    saved = await client.post(f"{API}/customers/{customer_id}/payment-methods", json=body, headers=key)
    assert saved.status_code == 201 and saved.json()["gateway"] == "test"
    charged = await client.post(f"{API}/invoices/{invoice_id}/charge", headers=key)
    assert charged.status_code == 200 and charged.json()["status"] == "paid"
    assert [p["gateway"] for p in charged.json()["payments"]] == ["test"]
    assert len(gateway.state.charges) == 1
    await drain(runtime)


def test_the_mode_table() -> None:
    assert modes.gateway_for("test", livemode=True) is None
    assert modes.gateway_for("test", livemode=False) is payments.get("test")
    assert modes.gateway_refusal("test", livemode=True) == "The payment gateway 'test' serves test mode only."
    assert modes.gateway_refusal("test", livemode=False) is None
    assert modes.default_gateway(livemode=False) == "test"
