"""Charging a saved payment method for an invoice, exactly once.

1. In a transaction: check the invoice is payable and no charge of it is in flight, then write the
   payment as ``unknown`` with a fresh idempotency key as its reference (a partial unique index allows
   one in-flight payment per invoice, so concurrent attempts cannot both charge).
2. Outside any transaction: ask the gateway to charge, with that key.
3. In a transaction: record the outcome. A timeout leaves the payment ``unknown``; a job asks the
   gateway later (``lookup`` by the key), so the money is never taken twice.

``pay_invoice`` is a customer paying an invoice: the saved card, else (or on request) the account credit.
A caller that must keep something with the payment (a face's ``Idempotency-Key`` answer) passes
``on_settled``: it runs inside the transaction that settles the payment (or records it as pending).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import invoices, payments
from hostlane.billing import repository as repo
from hostlane.billing.errors import (
    ChargeInProgress,
    InvoiceStateError,
    NoPaymentMethod,
    PaymentDeclined,
)
from hostlane.core.db import Database
from hostlane.drivers import modes
from hostlane.drivers import payments as gateways
from hostlane.drivers.errors import RetryLater
from hostlane.drivers.payments import ChargeResult, Gateway, GatewayDeclined, GatewayTimeout
from hostlane.identity.principal import Principal
from hostlane.jobs import outbox
from hostlane.jobs.registry import Attempt, handler
from hostlane.models import Invoice, InvoiceStatus, Payment, PaymentStatus

if TYPE_CHECKING:
    from hostlane.runtime import Runtime

RESOLVE_JOB = "billing.resolve_payment"
# Runs inside the transaction that settles a charge (or records it as pending), after the change.
Settled = Callable[[AsyncSession], Awaitable[None]]


@dataclass(frozen=True)
class PayOutcome:
    """What became of paying an invoice: its read shape, and whether it is paid now or the payment is
    pending (a card charge whose outcome the gateway has not told yet)."""

    invoice: dict[str, Any]
    paid: bool


async def pay_invoice(
    db: Database,
    principal: Principal,
    invoice_id: int,
    method: Literal["card", "credit"] | None,
    *,
    on_settled: Callable[[AsyncSession, PayOutcome], Awaitable[None]] | None = None,
) -> PayOutcome:
    """Pay an invoice with the saved card (``card``), the account credit (``credit``), or the saved card if
    the customer has one and the credit otherwise (``None``). ``on_settled`` runs with the outcome inside
    the transaction that settles the payment, so what it writes commits with the payment or not at all."""
    outcome: PayOutcome | None = None

    async def settled(session: AsyncSession) -> None:
        nonlocal outcome
        row = await invoices.get_invoice(session, principal, invoice_id)
        outcome = PayOutcome(row, paid=InvoiceStatus(row["status"]) is InvoiceStatus.PAID)
        if on_settled is not None:
            await on_settled(session, outcome)

    if method != "credit":
        try:
            await charge_invoice(db, principal, invoice_id, on_settled=settled)
        except NoPaymentMethod:
            if method == "card":
                raise
            method = "credit"  # no saved card: the credit is the only way left
    if method == "credit":
        async with db.transaction() as session:
            await payments.pay_with_credit(session, principal, invoice_id)
            await settled(session)
    assert outcome is not None
    return outcome


async def charge(db: Database, principal: Principal, invoice_id: int) -> dict[str, Any]:
    """Charge the saved method for what is due; returns the invoice's read shape (with items and payments)."""
    await charge_invoice(db, principal, invoice_id)
    async with db.reader() as session:
        return await invoices.get_invoice(session, principal, invoice_id, includes=invoices.WHOLE)


async def charge_invoice(
    db: Database, principal: Principal, invoice_id: int, *, on_settled: Settled | None = None
) -> Payment:
    """Charge the customer's saved method for what is due on the invoice."""
    async with db.transaction() as session:
        invoice = await repo.INVOICE.locked(session, principal, invoice_id)
        if invoice.status is not InvoiceStatus.UNPAID:
            raise InvoiceStateError(invoice.status.value, "paid")
        method = await repo.default_method(session, invoice.livemode, invoice.customer_id)
        if method is None:
            raise NoPaymentMethod()
        if await repo.in_flight_payment(session, invoice.id) is not None:
            raise ChargeInProgress()
        gateway = modes.gateway_for(method.gateway, livemode=invoice.livemode)
        if gateway is None:  # not configured, or a test gateway named by a live card: never charged
            refusal = modes.gateway_refusal(method.gateway, livemode=invoice.livemode)
            raise PaymentDeclined(refusal or f"The payment gateway '{method.gateway}' is not configured.")
        if invoice.due_minor <= 0:
            raise InvoiceStateError("settled", "charged")
        key = f"hl_{secrets.token_hex(16)}"
        gateway_name = modes.gateway_name(method.gateway, livemode=invoice.livemode)
        payment = await payments.insert_payment(
            session, invoice, gateway_name, key, invoice.due_minor, PaymentStatus.UNKNOWN, duplicate=ChargeInProgress
        )
        token, payment_id = method.token, payment.id
        amount, currency = payment.amount_minor, payment.currency
    try:
        result = await gateway.charge(method=token, amount_minor=amount, currency=currency, idempotency_key=key)
    except GatewayTimeout:
        async with db.transaction() as session:
            outbox.enqueue(session, RESOLVE_JOB, {"payment_id": payment_id}, key=f"payment:{payment_id}")
            if on_settled is not None:
                await on_settled(session)  # pending: the resolve job settles it when the gateway knows
        return await _reload(db, payment_id)
    except GatewayDeclined as exc:
        await _failed(db, payment_id, str(exc))
        raise PaymentDeclined(str(exc)) from None
    except Exception as exc:
        # Refused for another reason (a bad request, a bad key): no money moved, the invoice stays chargeable.
        await _failed(db, payment_id, f"{type(exc).__name__}: {exc}")
        raise PaymentDeclined("The payment gateway refused the charge.") from exc
    await _succeeded(db, payment_id, result, then=on_settled)
    return await _reload(db, payment_id)


async def _failed(db: Database, payment_id: int, error: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            sa.update(Payment).where(Payment.id == payment_id).values(status=PaymentStatus.FAILED, error=error[:2000])
        )


async def _succeeded(db: Database, payment_id: int, result: ChargeResult, *, then: Settled | None = None) -> None:
    async with db.transaction() as session:
        payment = await session.scalar(sa.select(Payment).where(Payment.id == payment_id).with_for_update())
        if payment is not None and payment.status is PaymentStatus.UNKNOWN:  # else settled by another path
            payment.status, payment.reference = PaymentStatus.SUCCEEDED, result.reference
            system = Principal.system(livemode=payment.livemode)
            await payments.settle_recorded_payment(session, system, payment)
        if then is not None:
            await then(session)


async def _reload(db: Database, payment_id: int) -> Payment:
    async with db.reader() as session:
        payment = await session.get(Payment, payment_id)
        assert payment is not None
        return payment


Target = TypeVar("Target", Payment, Invoice)  # what a job of this module acts on

# A job re-loads what it acts on and returns early when the work is done (jobs are safe to run twice).


async def _still(db: Database, model: type[Target], row_id: int, status: Any) -> Target | None:
    """The row, if it is still in ``status``; ``None`` if it is gone or moved on."""
    async with db.reader() as session:
        row = await session.get(model, row_id)
    return row if row is not None and row.status is status else None


def _gateway_of(payment: Payment) -> Gateway:
    """The gateway that made a payment; a live payment never reaches a test gateway (it moved no money)."""
    gateway = gateways.get(payment.gateway)
    if gateway is None:
        raise RetryLater(f"gateway {payment.gateway} is not configured", seconds=300)
    if payment.livemode and not gateway.serves_live:
        raise RetryLater(f"gateway {payment.gateway} serves test mode only", seconds=300)
    return gateway


@handler(RESOLVE_JOB)
async def resolve_payment(runtime: Runtime, payload: dict[str, Any], attempt: Attempt) -> None:
    """Ask the gateway what became of a charge that timed out."""
    payment_id = int(payload["payment_id"])
    payment = await _still(runtime.db, Payment, payment_id, PaymentStatus.UNKNOWN)
    if payment is None:
        return
    result = await _gateway_of(payment).lookup(payment.reference)
    if result is not None:
        await _succeeded(runtime.db, payment_id, result)
    elif attempt.is_last:
        async with runtime.db.transaction() as session:
            await session.execute(
                sa.update(Payment)
                .where(Payment.id == payment_id)
                .values(status=PaymentStatus.FAILED, error="The gateway has no such charge.")
            )
    else:
        raise RetryLater("the gateway does not know the charge yet", seconds=60)


@handler("billing.charge_invoice")
async def charge_due_invoice(runtime: Runtime, payload: dict[str, Any], attempt: Attempt) -> None:
    """The daily run's automatic charge of a due invoice; a declined card waits for the next run."""
    invoice_id = int(payload["invoice_id"])
    invoice = await _still(runtime.db, Invoice, invoice_id, InvoiceStatus.UNPAID)
    if invoice is None:
        return
    try:
        await charge_invoice(runtime.db, Principal.system(livemode=invoice.livemode), invoice_id)
    except (PaymentDeclined, NoPaymentMethod, ChargeInProgress, InvoiceStateError):
        return


async def settle_by_key(db: Database, gateway: str, key: str, result: ChargeResult) -> bool:
    """A gateway says the charge made with ``key`` succeeded (a webhook): settle it if it still waits."""
    async with db.reader() as session:
        payment_id = await session.scalar(
            sa.select(Payment.id).where(
                Payment.gateway == gateway, Payment.reference == key, Payment.status == PaymentStatus.UNKNOWN
            )
        )
    if payment_id is None:
        return False
    await _succeeded(db, int(payment_id), result)
    return True


@handler(payments.REFUND_JOB)
async def refund_payment(runtime: Runtime, payload: dict[str, Any], attempt: Attempt) -> None:
    """Give a refunded card payment back through its gateway (refunds are idempotent per payment)."""
    payment = await _still(runtime.db, Payment, int(payload["payment_id"]), PaymentStatus.REFUNDED)
    if payment is None:
        return
    await _gateway_of(payment).refund(reference=payment.reference, amount_minor=payment.refunded_minor)
