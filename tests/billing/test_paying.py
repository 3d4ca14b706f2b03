"""Paying an invoice (``billing.pay_invoice``): the card, else the credit; the outcome says paid or pending;
what the caller keeps with the payment (a face's Idempotency-Key answer) commits with it or not at all."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import service as billing
from hostlane.drivers.payments.test import SUCCEEDS, TIMES_OUT
from hostlane.identity.principal import Principal
from hostlane.models import Customer, IdempotencyRecord, Invoice, InvoiceStatus, Payment, PaymentStatus
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import make_api_key, make_customer, make_pricing, make_product
from tests.fixtures.http import bearer

PASSWORD = "s3cret-passw0rd"
API = "/api/application"
SANDBOX = "sandbox.test"


class Refused(Exception):
    pass


@pytest.fixture
def sandbox(runtime: Runtime, client_for: ClientFactory) -> httpx.AsyncClient:
    """A client of the test environment's host: the test gateway's cards serve test mode only."""
    runtime.settings.test_hosts = [SANDBOX]
    return client_for(base_url=f"http://{SANDBOX}")


async def _ordered(
    runtime: Runtime, client: httpx.AsyncClient, *, card: str | None
) -> tuple[dict[str, object], tuple[str, str], int]:
    """A customer (with a saved test card if ``card``: in test mode, through ``sandbox``) and the unpaid 9.99 EUR
    invoice of its order."""
    livemode = card is None
    customer = await make_customer(runtime, password=PASSWORD, currency="EUR", livemode=livemode)
    auth = (str(customer["email"]), PASSWORD)
    product = await make_product(runtime, livemode=livemode)
    await make_pricing(runtime, int(product["id"]), monthly="9.99", livemode=livemode)  # type: ignore[call-overload]
    if card is not None:
        staff = bearer(await make_api_key(runtime, livemode=False))
        saved = await client.post(
            f"{API}/customers/{customer['id']}/payment-methods", json={"token": card}, headers=staff
        )
        assert saved.status_code == 201, saved.text
    placed = (await client.post(f"/api/order/{product['id']}", json={}, auth=auth)).json()
    return customer, auth, int(placed["invoice_id"])


async def _payments(runtime: Runtime, invoice_id: int) -> list[PaymentStatus]:
    async with runtime.db.reader() as session:
        rows = await session.scalars(sa.select(Payment.status).where(Payment.invoice_id == invoice_id))
        return list(rows.all())


async def test_a_replayed_card_payment_answers_the_stored_answer_and_charges_once(
    runtime: Runtime, sandbox: httpx.AsyncClient
) -> None:
    client = sandbox
    _, auth, invoice_id = await _ordered(runtime, client, card=SUCCEEDS)
    headers = {"Idempotency-Key": "pay-1"}
    first = await client.post(f"/api/invoice/{invoice_id}/pay", auth=auth, headers=headers)
    assert first.status_code == 200 and first.json()["info"] == ["payment_received"]
    again = await client.post(f"/api/invoice/{invoice_id}/pay", auth=auth, headers=headers)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert await _payments(runtime, invoice_id) == [PaymentStatus.SUCCEEDED]


async def test_a_replayed_credit_payment_answers_the_stored_answer(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer, auth, invoice_id = await _ordered(runtime, client, card=None)
    async with runtime.db.transaction() as session:  # credit given without spending it on the invoice
        await session.execute(
            sa.text("UPDATE customers SET credit_minor = 2000 WHERE id = :id"), {"id": customer["id"]}
        )
    headers = {"Idempotency-Key": "pay-credit"}
    first = await client.post(f"/api/invoice/{invoice_id}/pay", json={"method": "credit"}, auth=auth, headers=headers)
    assert first.status_code == 200, first.text
    again = await client.post(f"/api/invoice/{invoice_id}/pay", json={"method": "credit"}, auth=auth, headers=headers)
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    async with runtime.db.reader() as session:
        left = await session.scalar(sa.select(Customer.credit_minor).where(Customer.id == customer["id"]))
    assert left == 2000 - 999  # spent once


async def test_the_answer_is_stored_in_the_settling_transaction(runtime: Runtime, sandbox: httpx.AsyncClient) -> None:
    """A pending card charge answers 202; its stored answer is written with the pending payment's job."""
    client = sandbox
    _, auth, invoice_id = await _ordered(runtime, client, card=TIMES_OUT)
    pending = await client.post(f"/api/invoice/{invoice_id}/pay", auth=auth, headers={"Idempotency-Key": "pay-2"})
    assert pending.status_code == 202 and pending.json()["info"] == ["payment_pending"]
    async with runtime.db.reader() as session:
        stored = await session.scalar(sa.select(IdempotencyRecord).where(IdempotencyRecord.key == "pay-2"))
    assert stored is not None and stored.status_code == 202 and stored.body == pending.content
    assert await _payments(runtime, invoice_id) == [PaymentStatus.UNKNOWN]


async def test_a_failing_hook_undoes_the_credit_payment(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer, _, invoice_id = await _ordered(runtime, client, card=None)
    async with runtime.db.transaction() as session:
        await session.execute(
            sa.text("UPDATE customers SET credit_minor = 2000 WHERE id = :id"), {"id": customer["id"]}
        )
    principal = Principal.system(livemode=True)
    seen: list[billing.PayOutcome] = []

    async def refuse(session: AsyncSession, outcome: billing.PayOutcome) -> None:
        seen.append(outcome)
        raise Refused

    with pytest.raises(Refused):
        await billing.pay_invoice(runtime.db, principal, invoice_id, None, on_settled=refuse)
    assert seen and seen[0].paid and InvoiceStatus(seen[0].invoice["status"]) is InvoiceStatus.PAID
    async with runtime.db.reader() as session:
        invoice = await session.get(Invoice, invoice_id)
        assert invoice is not None and invoice.status is InvoiceStatus.UNPAID and invoice.credit_minor == 0

    outcome = await billing.pay_invoice(runtime.db, principal, invoice_id, None)
    assert outcome.paid and outcome.invoice["due_minor"] == 0
