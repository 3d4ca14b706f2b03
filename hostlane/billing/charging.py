"""Charging a saved payment method for an invoice, exactly once.

1. In a transaction: check the invoice is payable and no charge of it is in flight, then write the
   payment as ``unknown`` with a fresh idempotency key as its reference (a partial unique index allows
   one in-flight payment per invoice, so concurrent attempts cannot both charge).
2. Outside any transaction: ask the gateway to charge, with that key.
3. In a transaction: record the outcome. A timeout leaves the payment ``unknown``; a job asks the
   gateway later (``lookup`` by the key), so the money is never taken twice.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hostlane.billing import repository as repo
from hostlane.billing import service as billing
from hostlane.billing.errors import (
    ChargeInProgress,
    InvoiceNotFound,
    InvoiceStateError,
    NoPaymentMethod,
    PaymentDeclined,
)
from hostlane.core.db import Database
from hostlane.drivers import payments
from hostlane.drivers.errors import RetryLater
from hostlane.drivers.payments import ChargeResult, GatewayDeclined, GatewayTimeout
from hostlane.identity.principal import Principal
from hostlane.jobs import outbox
from hostlane.jobs.registry import Attempt, handler
from hostlane.models import Invoice, InvoiceStatus, Payment, PaymentStatus

if TYPE_CHECKING:
    from hostlane.runtime import Runtime

RESOLVE_JOB = "billing.resolve_payment"


async def charge_invoice(db: Database, principal: Principal, invoice_id: int) -> Payment:
    """Charge the customer's saved method for what is due on the invoice."""
    async with db.transaction() as session:
        invoice = await repo.lock(session, principal, invoice_id)
        if invoice is None:
            raise InvoiceNotFound()
        if invoice.status is not InvoiceStatus.UNPAID:
            raise InvoiceStateError(invoice.status.value, "paid")
        method = await repo.default_method(session, invoice.livemode, invoice.customer_id)
        if method is None:
            raise NoPaymentMethod()
        if await repo.in_flight_payment(session, invoice.id) is not None:
            raise ChargeInProgress()
        if payments.get(method.gateway if invoice.livemode else "test") is None:
            raise PaymentDeclined(f"The payment gateway '{method.gateway}' is not configured.")
        if billing.due_minor(invoice) <= 0:
            raise InvoiceStateError("settled", "charged")
        key = f"hl_{secrets.token_hex(16)}"
        payment = Payment(
            livemode=invoice.livemode,
            customer_id=invoice.customer_id,
            invoice_id=invoice.id,
            gateway=method.gateway if invoice.livemode else "test",
            reference=key,
            amount_minor=billing.due_minor(invoice),
            currency=invoice.currency,
            status=PaymentStatus.UNKNOWN,
        )
        try:
            async with session.begin_nested():
                session.add(payment)
        except IntegrityError:
            raise ChargeInProgress() from None
        token, gateway_name, payment_id = method.token, payment.gateway, payment.id
        amount, currency = payment.amount_minor, payment.currency
    gateway = payments.get(gateway_name)
    assert gateway is not None  # checked above
    try:
        result = await gateway.charge(method=token, amount_minor=amount, currency=currency, idempotency_key=key)
    except GatewayTimeout:
        async with db.transaction() as session:
            outbox.enqueue(session, RESOLVE_JOB, {"payment_id": payment_id}, key=f"payment:{payment_id}")
        return await _reload(db, payment_id)
    except GatewayDeclined as exc:
        await _failed(db, payment_id, str(exc))
        raise PaymentDeclined(str(exc)) from None
    except Exception as exc:
        # Refused for another reason (a bad request, a bad key): no money moved, the invoice stays chargeable.
        await _failed(db, payment_id, f"{type(exc).__name__}: {exc}")
        raise PaymentDeclined("The payment gateway refused the charge.") from exc
    await _succeeded(db, payment_id, result)
    return await _reload(db, payment_id)


async def _failed(db: Database, payment_id: int, error: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            sa.update(Payment).where(Payment.id == payment_id).values(status=PaymentStatus.FAILED, error=error[:2000])
        )


async def _succeeded(db: Database, payment_id: int, result: ChargeResult) -> None:
    async with db.transaction() as session:
        payment = await session.scalar(sa.select(Payment).where(Payment.id == payment_id).with_for_update())
        if payment is None or payment.status is not PaymentStatus.UNKNOWN:
            return  # already settled by another path
        payment.status, payment.reference = PaymentStatus.SUCCEEDED, result.reference
        system = Principal.system(livemode=payment.livemode)
        await billing.settle_recorded_payment(session, system, payment)


async def _reload(db: Database, payment_id: int) -> Payment:
    async with db.reader() as session:
        payment = await session.get(Payment, payment_id)
        assert payment is not None
        return payment


@handler(RESOLVE_JOB)
async def resolve_payment(runtime: Runtime, payload: dict[str, Any], attempt: Attempt) -> None:
    """Ask the gateway what became of a charge that timed out."""
    payment_id = int(payload["payment_id"])
    async with runtime.db.reader() as session:
        payment = await session.get(Payment, payment_id)
    if payment is None or payment.status is not PaymentStatus.UNKNOWN:
        return
    gateway = payments.get(payment.gateway)
    if gateway is None:
        raise RetryLater(f"gateway {payment.gateway} is not configured", seconds=300)
    result = await gateway.lookup(payment.reference)
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
    async with runtime.db.reader() as session:
        invoice = await session.get(Invoice, invoice_id)
    if invoice is None or invoice.status is not InvoiceStatus.UNPAID:
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


@handler(billing.REFUND_JOB)
async def refund_payment(runtime: Runtime, payload: dict[str, Any], attempt: Attempt) -> None:
    """Give a refunded card payment back through its gateway (refunds are idempotent per payment)."""
    async with runtime.db.reader() as session:
        payment = await session.get(Payment, int(payload["payment_id"]))
    if payment is None or payment.status is not PaymentStatus.REFUNDED:
        return
    gateway = payments.get(payment.gateway)
    if gateway is None:
        raise RetryLater(f"gateway {payment.gateway} is not configured", seconds=300)
    await gateway.refund(reference=payment.reference, amount_minor=payment.refunded_minor)
