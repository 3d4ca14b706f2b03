"""Money coming in and going back: payments recorded (one per gateway reference), paying from credit,
credit given by staff, refunds, and saved payment methods. Card charges are in ``charging``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import credit, invoices, settlement
from hostlane.billing import repository as repo
from hostlane.billing.errors import (
    ChargeInProgress,
    CurrencyMismatch,
    DuplicatePayment,
    InsufficientCredit,
    InvoiceStateError,
)
from hostlane.billing.schemas import CreditIn, PaymentIn
from hostlane.core import money
from hostlane.core.errors import HostlaneError, ValidationFailed
from hostlane.customers import service as customers
from hostlane.drivers import modes
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.jobs import outbox
from hostlane.models import Customer, Invoice, InvoiceStatus, Payment, PaymentMethod, PaymentStatus

REFUND_JOB = "billing.refund_payment"


async def insert_payment(
    session: AsyncSession,
    invoice: Invoice,
    gateway: str,
    reference: str,
    amount_minor: int,
    status: PaymentStatus,
    *,
    duplicate: type[HostlaneError],
) -> Payment:
    """A payment of ``invoice``, inserted at once: one row per (gateway, reference), which the database
    enforces, so a second one is ``duplicate``."""
    payment = Payment(
        livemode=invoice.livemode,
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        gateway=gateway,
        reference=reference,
        amount_minor=amount_minor,
        currency=invoice.currency,
        status=status,
    )
    try:
        async with session.begin_nested():
            session.add(payment)
    except IntegrityError:
        raise duplicate() from None
    return payment


async def record_payment(
    session: AsyncSession,
    principal: Principal,
    invoice_id: int,
    *,
    gateway: str,
    reference: str,
    amount_minor: int,
    currency: str | None = None,
) -> Payment:
    """Record money received for an invoice. One row per (gateway, reference), enforced by the database;
    an overpayment becomes credit."""
    customer, invoice = await settlement.locked(session, principal, invoice_id)
    if invoice.status is not InvoiceStatus.UNPAID:
        raise InvoiceStateError(invoice.status.value, "paid")
    if currency is not None and currency != invoice.currency:
        raise CurrencyMismatch(invoice.currency)
    if amount_minor <= 0:
        raise ValidationFailed.field("amount", "The amount must be positive.")
    payment = await insert_payment(
        session, invoice, gateway, reference, amount_minor, PaymentStatus.SUCCEEDED, duplicate=DuplicatePayment
    )
    await settle_payment(session, principal, customer, invoice, payment)
    await session.flush()
    return payment


async def record_manual_payment(
    session: AsyncSession, principal: Principal, invoice_id: int, data: PaymentIn
) -> dict[str, Any]:
    """Staff records money received (default: what is due); returns the invoice's read shape."""
    invoice = await invoices.get_invoice(session, principal, invoice_id, includes=frozenset())
    amount = money.to_minor(data.amount, invoice["currency"]) if data.amount is not None else int(invoice["due_minor"])
    await record_payment(
        session, principal, invoice_id, gateway=data.gateway, reference=data.transaction_id, amount_minor=amount
    )
    return await invoices.get_invoice(session, principal, invoice_id, includes=invoices.WHOLE)


async def settle_payment(
    session: AsyncSession, principal: Principal, customer: Customer, invoice: Invoice, payment: Payment
) -> None:
    """Count a succeeded payment on its invoice: paid when nothing is due, excess to credit."""
    due = invoice.due_minor
    counted = min(payment.amount_minor, max(due, 0))
    invoice.paid_minor += counted
    audit.record(
        session,
        principal,
        "payment.create",
        "payment",
        payment.id,
        {"invoice_id": invoice.id, "gateway": payment.gateway, "amount": payment.amount_minor},
    )
    if payment.amount_minor > counted:
        credit.move_credit(
            session, customer, payment.amount_minor - counted, f"Overpayment of invoice {invoice.number}"
        )
    if invoice.due_minor <= 0 and invoice.status is InvoiceStatus.UNPAID:
        await settlement.mark_paid(session, principal, invoice)


async def settle_recorded_payment(session: AsyncSession, principal: Principal, payment: Payment) -> None:
    """Count a payment that the gateway confirmed after it was written (card charges)."""
    assert payment.invoice_id is not None
    customer = await customers.lock_customer(session, principal, payment.customer_id)
    invoice = await repo.INVOICE.lock(session, principal, payment.invoice_id)
    if invoice is None:
        return
    if invoice.status is not InvoiceStatus.UNPAID:  # paid meanwhile (credit, bank transfer): keep as credit
        credit.move_credit(
            session, customer, payment.amount_minor, f"Payment after invoice {invoice.number} was settled"
        )
        return
    await settle_payment(session, principal, customer, invoice, payment)


async def pay_with_credit(session: AsyncSession, principal: Principal, invoice_id: int) -> Invoice:
    """Pay the whole amount due from the customer's credit, or nothing (402) when the credit falls short."""
    customer, invoice = await settlement.locked(session, principal, invoice_id)
    if invoice.status is not InvoiceStatus.UNPAID:
        raise InvoiceStateError(invoice.status.value, "paid")
    if await repo.in_flight_payment(session, invoice.id) is not None:
        raise ChargeInProgress()  # a card charge whose outcome is not known yet may still settle it
    due = invoice.due_minor
    if customer.currency != invoice.currency or customer.credit_minor < due:
        available = customer.credit_minor if customer.currency == invoice.currency else 0
        raise InsufficientCredit(
            f"The account credit ({money.format_amount(available, invoice.currency)} {invoice.currency}) does not "
            f"cover the {money.format_amount(due, invoice.currency)} {invoice.currency} due."
        )
    await settlement.apply_credit(session, principal, customer, invoice)
    return invoice


async def add_credit(
    session: AsyncSession, principal: Principal, customer_id: int, amount_minor: int, *, reason: str
) -> int:
    """Give a customer credit, then spend it on their unpaid invoices, oldest due first."""
    if amount_minor <= 0:
        raise ValidationFailed.field("amount", "The amount must be positive.")
    customer = await customers.lock_customer(session, principal, customer_id)
    credit.move_credit(session, customer, amount_minor, reason)
    audit.record(session, principal, "credit.add", "customer", customer.id, {"amount": amount_minor, "reason": reason})
    for invoice in await repo.unpaid_for_customer(session, customer.id):
        await settlement.apply_credit(session, principal, customer, invoice)
    return customer.credit_minor


async def add_credit_amount(
    session: AsyncSession, principal: Principal, customer_id: int, data: CreditIn
) -> dict[str, Any]:
    """``add_credit`` of an amount in the customer's currency; returns the customer's read shape."""
    customer = await customers.get_customer(session, principal, customer_id)
    await add_credit(
        session, principal, customer_id, money.to_minor(data.amount, customer["currency"]), reason=data.reason
    )
    await session.flush()
    return await customers.get_customer(session, principal, customer_id)


async def refund_invoice(
    session: AsyncSession, principal: Principal, invoice_id: int, *, to_gateway: bool = False
) -> dict[str, Any]:
    """Refund a paid invoice: everything to the customer's credit, or the card payments back through
    their gateway (a job per payment) and the rest (credit spent, manual payments) to credit. Returns the
    invoice's read shape."""
    customer, invoice = await settlement.locked(session, principal, invoice_id)
    if invoice.status is not InvoiceStatus.PAID:
        raise InvoiceStateError(invoice.status.value, "refunded")
    to_card = 0
    if to_gateway:
        for payment in await repo.refundable_payments(session, invoice.id):
            payment.status = PaymentStatus.REFUNDED
            payment.refunded_minor = payment.amount_minor
            to_card += payment.amount_minor
            outbox.enqueue(session, REFUND_JOB, {"payment_id": payment.id}, key=f"payment:{payment.id}")
    amount = invoice.paid_minor + invoice.credit_minor - to_card
    credit.give_back(session, customer, invoice, amount, f"Refund of invoice {invoice.number}")
    invoice.status = InvoiceStatus.REFUNDED
    audit.record(
        session, principal, "invoice.refund", "invoice", invoice.id, {"to_credit": amount, "to_gateway": to_card}
    )
    await session.flush()
    return await invoices.get_invoice(session, principal, invoice.id, includes=invoices.WHOLE)


async def save_payment_method(
    session: AsyncSession, principal: Principal, customer_id: int, *, gateway: str | None, token: str
) -> PaymentMethod:
    """Save the customer's default payment method (the one it had before stays, no longer the default). Without
    a ``gateway``, the mode's: the test gateway in test mode, the configured real one in live mode. A live method
    never names a test gateway (422 on ``gateway``). The client area saves a card through ``cards`` instead."""
    customer = await customers.lock_customer(session, principal, customer_id)
    if gateway is None:
        gateway = modes.default_gateway(livemode=customer.livemode)
        if gateway is None:
            raise ValidationFailed.field("gateway", "No payment gateway is configured for live mode.")
    refusal = modes.gateway_refusal(gateway, livemode=customer.livemode)
    if refusal is not None:
        raise ValidationFailed.field("gateway", refusal)
    await repo.unset_default_methods(session, customer.id)
    method = PaymentMethod(
        livemode=customer.livemode,
        customer_id=customer.id,
        gateway=gateway,
        token=token,
        last4=token[-4:],
        is_default=True,
    )
    await audit.created(session, principal, method, "payment_method", {"last4": method.last4})
    return method
