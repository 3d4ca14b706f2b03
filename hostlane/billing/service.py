"""Rules of billing. This is the one place that computes an invoice's total, numbers invoices,
applies credit and records payments; every face that shows an invoice asks it.

Lock order: customer, then invoice, then service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import repository as repo
from hostlane.billing.errors import (
    ChargeInProgress,
    CurrencyMismatch,
    DuplicatePayment,
    InsufficientCredit,
    InvoiceNotFound,
    InvoiceStateError,
)
from hostlane.billing.schemas import CreditIn, InvoiceCreate, PaymentIn
from hostlane.config import get_settings
from hostlane.core import clock, money
from hostlane.core.errors import ValidationFailed
from hostlane.core.pagination import ListQuery, Page
from hostlane.customers import service as customers
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.jobs import outbox
from hostlane.models import (
    CreditEntry,
    Customer,
    Invoice,
    InvoiceItem,
    InvoiceStatus,
    ItemType,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ServiceStatus,
    TaxRule,
)
from hostlane.notifications import service as notifications
from hostlane.services import service as services

LIST_SPEC = repo.LIST_SPEC
PAID_JOB = "billing.invoice_paid"


@dataclass(frozen=True)
class NewItem:
    description: str
    amount_minor: int
    type: ItemType = ItemType.OTHER
    qty: int = 1
    taxed: bool = True
    service_id: int | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None

    @property
    def linetotal_minor(self) -> int:
        return self.amount_minor * self.qty


@dataclass(frozen=True)
class Totals:
    subtotal: int
    tax: int
    tax2: int

    @property
    def total(self) -> int:
        return self.subtotal + self.tax + self.tax2


def compute_totals(items: list[NewItem], rate_milli: int, rate2_milli: int, *, exempt: bool) -> Totals:
    """Subtotal, and each tax level on the taxed lines, rounded once per level (half-up)."""
    subtotal = sum(item.linetotal_minor for item in items)
    taxable = sum(item.linetotal_minor for item in items if item.taxed)
    if exempt:
        return Totals(subtotal, 0, 0)
    return Totals(
        subtotal,
        money.percent_of(taxable, Decimal(rate_milli) / 1000),
        money.percent_of(taxable, Decimal(rate2_milli) / 1000),
    )


def pick_rates(rules: list[TaxRule], country: str, state: str) -> tuple[int, int]:
    """The most specific rule of each level: the state's, else the country's, else everyone's."""

    def specificity(rule: TaxRule) -> int:
        return (2 if rule.country == country else 0) + (1 if rule.state and rule.state == state else 0)

    rates = {1: 0, 2: 0}
    for level in (1, 2):
        matching = [r for r in rules if r.level == level and (r.country in ("", country)) and r.state in ("", state)]
        if matching:
            rates[level] = max(matching, key=specificity).rate_milli
    return rates[1], rates[2]


def due_minor(invoice: Invoice) -> int:
    return invoice.total_minor - invoice.credit_minor - invoice.paid_minor


def format_number(template: str, on: dt.date, n: int) -> tuple[str, str]:
    """The invoice number and the sequence it counts in (the template's text before ``{n}``)."""
    values = {"year": on.year, "month": on.month, "day": on.day}
    period = template.split("{n}", 1)[0].format(**values)
    return template.format(n=n, **values), period


async def _number(session: AsyncSession, livemode: bool, on: dt.date) -> str:
    template = get_settings().invoice_number_format
    _, period = format_number(template, on, 0)
    dialect = session.get_bind().dialect.name
    n = await repo.reserve_sequence(session, dialect, livemode, period, 1)
    return format_number(template, on, n)[0]


async def issue_invoice(
    session: AsyncSession,
    principal: Principal,
    customer_id: int,
    *,
    items: list[NewItem],
    due_on: dt.date,
    invoice_date: dt.date | None = None,
    order_id: int | None = None,
    notes: str | None = None,
    draft: bool = False,
) -> Invoice:
    """Issue an invoice (numbered, taxed, with the customer's credit applied) or keep it as a draft."""
    if not items:
        raise ValidationFailed.field("items", "An invoice needs at least one item.")
    customer = await customers.lock_customer(session, principal, customer_id)
    rules = list(await repo.tax_rules(session, principal.livemode, customer.country, customer.state or ""))
    rate, rate2 = pick_rates(rules, customer.country, customer.state or "")
    totals = compute_totals(items, rate, rate2, exempt=customer.taxexempt)
    today = invoice_date or clock.today()
    invoice = Invoice(
        livemode=principal.livemode,
        customer_id=customer.id,
        status=InvoiceStatus.DRAFT if draft else InvoiceStatus.UNPAID,
        date=today,
        duedate=due_on,
        currency=customer.currency,
        subtotal_minor=totals.subtotal,
        tax_minor=totals.tax,
        taxrate_milli=0 if customer.taxexempt else rate,
        tax2_minor=totals.tax2,
        taxrate2_milli=0 if customer.taxexempt else rate2,
        taxexempt=customer.taxexempt,
        total_minor=totals.total,
        credit_minor=0,
        paid_minor=0,
        notes=notes,
        order_id=order_id,
        number=None if draft else await _number(session, principal.livemode, today),
    )
    session.add(invoice)
    await session.flush()
    for item in items:
        session.add(
            InvoiceItem(
                invoice_id=invoice.id,
                type=item.type,
                service_id=item.service_id,
                description=item.description,
                amount_minor=item.amount_minor,
                qty=item.qty,
                taxed=item.taxed,
                linetotal_minor=item.linetotal_minor,
                period_start=item.period_start,
                period_end=item.period_end,
            )
        )
    await session.flush()
    audit.record(
        session,
        principal,
        "invoice.create",
        "invoice",
        invoice.id,
        {"number": invoice.number, "total": invoice.total_minor, "currency": invoice.currency},
    )
    if not draft:
        notifications.queue(session, "invoice_created", livemode=invoice.livemode, invoice_id=invoice.id)
        await _apply_credit(session, principal, customer, invoice)
        if invoice.status is InvoiceStatus.UNPAID and due_minor(invoice) <= 0:
            await _mark_paid(session, principal, invoice)  # nothing to pay: a free product
    await session.flush()
    return invoice


async def _apply_credit(session: AsyncSession, principal: Principal, customer: Customer, invoice: Invoice) -> None:
    """Spend the customer's credit on the invoice (same currency only); pay it if that covers it."""
    if invoice.status is not InvoiceStatus.UNPAID or customer.currency != invoice.currency:
        return
    amount = min(customer.credit_minor, due_minor(invoice))
    if amount <= 0:
        return
    customer.credit_minor -= amount
    invoice.credit_minor += amount
    session.add(
        CreditEntry(
            livemode=invoice.livemode,
            customer_id=customer.id,
            amount_minor=-amount,
            currency=invoice.currency,
            reason=f"Applied to invoice {invoice.number}",
            invoice_id=invoice.id,
        )
    )
    if due_minor(invoice) == 0:
        await _mark_paid(session, principal, invoice)


async def _mark_paid(session: AsyncSession, principal: Principal, invoice: Invoice) -> None:
    invoice.status = InvoiceStatus.PAID
    invoice.datepaid = clock.now()
    await session.flush()  # the checks below read the invoice's new status
    audit.record(session, principal, "invoice.paid", "invoice", invoice.id, {"number": invoice.number})
    await _after_paid(session, invoice)
    outbox.enqueue(session, PAID_JOB, {"invoice_id": invoice.id})
    notifications.queue(session, "invoice_paid", livemode=invoice.livemode, invoice_id=invoice.id)


async def _after_paid(session: AsyncSession, invoice: Invoice) -> None:
    """A paid invoice activates its pending services and lifts overdue suspensions it caused."""
    system = Principal.system(livemode=invoice.livemode)
    for service_id in await repo.service_ids_on(session, invoice.id):
        status = await services.status_of(session, service_id)
        if status is ServiceStatus.PENDING:
            await services.activate(session, system, service_id)
        elif (
            status is ServiceStatus.SUSPENDED
            and await services.suspended_for_overdue(session, service_id)
            and not await repo.overdue_unpaid_for_service(session, service_id, clock.today())
        ):
            await services.unsuspend(session, system, service_id)
            notifications.queue(session, "service_unsuspended", livemode=invoice.livemode, service_id=service_id)


async def list_invoices(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    page = await repo.list_page(session, principal, query)
    await attach(session, page.items, query.includes)
    return page


async def attach(session: AsyncSession, rows: list[dict[str, Any]], includes: frozenset[str]) -> None:
    ids = [row["id"] for row in rows]
    if "items" in includes:
        items = await repo.items_of(session, ids)
        for row in rows:
            row["items"] = items.get(row["id"], [])
    if "payments" in includes:
        payments = await repo.payments_of(session, ids)
        for row in rows:
            row["payments"] = payments.get(row["id"], [])


async def get_invoice(
    session: AsyncSession, principal: Principal, invoice_id: int, *, includes: frozenset[str] = frozenset({"items"})
) -> dict[str, Any]:
    row = await repo.get(session, principal, invoice_id)
    if row is None:
        raise InvoiceNotFound()
    await attach(session, [row], includes)
    return row


async def _locked(session: AsyncSession, principal: Principal, invoice_id: int) -> tuple[Customer, Invoice]:
    row = await repo.get(session, principal, invoice_id)
    if row is None:
        raise InvoiceNotFound()
    customer = await customers.lock_customer(session, principal, row["customer_id"])
    invoice = await repo.lock(session, principal, invoice_id)
    if invoice is None:
        raise InvoiceNotFound()
    return customer, invoice


async def pay_with_credit(session: AsyncSession, principal: Principal, invoice_id: int) -> Invoice:
    """Pay the whole amount due from the customer's credit, or nothing (402) when the credit falls short."""
    customer, invoice = await _locked(session, principal, invoice_id)
    if invoice.status is not InvoiceStatus.UNPAID:
        raise InvoiceStateError(invoice.status.value, "paid")
    if await repo.in_flight_payment(session, invoice.id) is not None:
        raise ChargeInProgress()  # a card charge whose outcome is not known yet may still settle it
    due = due_minor(invoice)
    if customer.currency != invoice.currency or customer.credit_minor < due:
        available = customer.credit_minor if customer.currency == invoice.currency else 0
        raise InsufficientCredit(
            f"The account credit ({money.format_amount(available, invoice.currency)} {invoice.currency}) does not "
            f"cover the {money.format_amount(due, invoice.currency)} {invoice.currency} due."
        )
    await _apply_credit(session, principal, customer, invoice)
    return invoice


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
    customer, invoice = await _locked(session, principal, invoice_id)
    if invoice.status is not InvoiceStatus.UNPAID:
        raise InvoiceStateError(invoice.status.value, "paid")
    if currency is not None and currency != invoice.currency:
        raise CurrencyMismatch(invoice.currency)
    if amount_minor <= 0:
        raise ValidationFailed.field("amount", "The amount must be positive.")
    payment = Payment(
        livemode=invoice.livemode,
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        gateway=gateway,
        reference=reference,
        amount_minor=amount_minor,
        currency=invoice.currency,
        status=PaymentStatus.SUCCEEDED,
    )
    try:
        async with session.begin_nested():
            session.add(payment)
    except IntegrityError:
        raise DuplicatePayment() from None
    await settle_payment(session, principal, customer, invoice, payment)
    await session.flush()
    return payment


async def settle_payment(
    session: AsyncSession, principal: Principal, customer: Customer, invoice: Invoice, payment: Payment
) -> None:
    """Count a succeeded payment on its invoice: paid when nothing is due, excess to credit."""
    due = due_minor(invoice)
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
        await _add_credit(session, customer, payment.amount_minor - counted, f"Overpayment of invoice {invoice.number}")
    if due_minor(invoice) <= 0 and invoice.status is InvoiceStatus.UNPAID:
        await _mark_paid(session, principal, invoice)


async def _add_credit(
    session: AsyncSession, customer: Customer, amount_minor: int, reason: str, invoice_id: int | None = None
) -> None:
    customer.credit_minor += amount_minor
    session.add(
        CreditEntry(
            livemode=customer.livemode,
            customer_id=customer.id,
            amount_minor=amount_minor,
            currency=customer.currency,
            reason=reason,
            invoice_id=invoice_id,
        )
    )


async def add_credit(
    session: AsyncSession, principal: Principal, customer_id: int, amount_minor: int, *, reason: str
) -> int:
    """Give a customer credit, then spend it on their unpaid invoices, oldest due first."""
    if amount_minor <= 0:
        raise ValidationFailed.field("amount", "The amount must be positive.")
    customer = await customers.lock_customer(session, principal, customer_id)
    await _add_credit(session, customer, amount_minor, reason)
    audit.record(session, principal, "credit.add", "customer", customer.id, {"amount": amount_minor, "reason": reason})
    for invoice in await repo.unpaid_for_customer(session, customer.id):
        await _apply_credit(session, principal, customer, invoice)
    return customer.credit_minor


async def cancel_invoice(session: AsyncSession, principal: Principal, invoice_id: int) -> Invoice:
    """Cancel an unpaid invoice or a draft; credit spent on it goes back to the customer."""
    customer, invoice = await _locked(session, principal, invoice_id)
    if invoice.status not in (InvoiceStatus.UNPAID, InvoiceStatus.DRAFT):
        raise InvoiceStateError(invoice.status.value, "cancelled")
    if invoice.credit_minor:
        await _add_credit(session, customer, invoice.credit_minor, f"Invoice {invoice.number} cancelled", invoice.id)
    if invoice.paid_minor:
        await _add_credit(
            session, customer, invoice.paid_minor, f"Payments of cancelled invoice {invoice.number}", invoice.id
        )
    invoice.status = InvoiceStatus.CANCELLED
    audit.record(session, principal, "invoice.cancel", "invoice", invoice.id, {"number": invoice.number})
    await session.flush()
    return invoice


REFUND_JOB = "billing.refund_payment"


async def refund_invoice(
    session: AsyncSession, principal: Principal, invoice_id: int, *, to_gateway: bool = False
) -> Invoice:
    """Refund a paid invoice: everything to the customer's credit, or the card payments back through
    their gateway (a job per payment) and the rest (credit spent, manual payments) to credit."""
    customer, invoice = await _locked(session, principal, invoice_id)
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
    if amount:
        await _add_credit(session, customer, amount, f"Refund of invoice {invoice.number}", invoice.id)
    invoice.status = InvoiceStatus.REFUNDED
    audit.record(
        session, principal, "invoice.refund", "invoice", invoice.id, {"to_credit": amount, "to_gateway": to_card}
    )
    await session.flush()
    return invoice


async def issue_draft(session: AsyncSession, principal: Principal, invoice_id: int) -> Invoice:
    customer, invoice = await _locked(session, principal, invoice_id)
    if invoice.status is not InvoiceStatus.DRAFT:
        raise InvoiceStateError(invoice.status.value, "issued")
    invoice.status = InvoiceStatus.UNPAID
    invoice.number = await _number(session, invoice.livemode, invoice.date)
    notifications.queue(session, "invoice_created", livemode=invoice.livemode, invoice_id=invoice.id)
    audit.record(session, principal, "invoice.issue", "invoice", invoice.id, {"number": invoice.number})
    await _apply_credit(session, principal, customer, invoice)
    await session.flush()
    return invoice


async def update_draft(
    session: AsyncSession, principal: Principal, invoice_id: int, changes: dict[str, Any]
) -> Invoice:
    _, invoice = await _locked(session, principal, invoice_id)
    if invoice.status is not InvoiceStatus.DRAFT:
        raise InvoiceStateError(invoice.status.value, "edited")
    for name in ("duedate", "notes", "date"):
        if name in changes and changes[name] is not None:
            setattr(invoice, name, changes[name])
    audit.record(session, principal, "invoice.update", "invoice", invoice.id, changes)
    await session.flush()
    return invoice


async def save_payment_method(
    session: AsyncSession, principal: Principal, customer_id: int, *, gateway: str, token: str
) -> PaymentMethod:
    from hostlane.drivers import payments

    if payments.get(gateway) is None:
        raise ValidationFailed.field("gateway", f"The payment gateway '{gateway}' is not configured.")
    customer = await customers.lock_customer(session, principal, customer_id)
    method = PaymentMethod(
        livemode=customer.livemode,
        customer_id=customer.id,
        gateway=gateway,
        token=token,
        last4=token[-4:],
        is_default=True,
    )
    session.add(method)
    await session.flush()
    audit.record(session, principal, "payment_method.create", "payment_method", method.id, {"last4": method.last4})
    return method


async def balance(session: AsyncSession, principal: Principal, customer_id: int) -> dict[str, Any]:
    customer = await customers.get_customer(session, principal, customer_id)
    return {
        "currency": customer["currency"],
        "balance_minor": await repo.balances(session, principal, customer_id),
        "credit_minor": customer["credit_minor"],
    }


async def service_ids_on(session: AsyncSession, invoice_id: int) -> list[int]:
    return list(await repo.service_ids_on(session, invoice_id))


async def apply_credit_to(session: AsyncSession, invoice_id: int) -> None:
    """Spend the invoice's customer's credit on it (the billing run's renewals)."""
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None:
        return
    system = Principal.system(livemode=invoice.livemode)
    customer = await customers.lock_customer(session, system, invoice.customer_id)
    locked = await repo.lock(session, system, invoice_id)
    if locked is not None:
        await _apply_credit(session, system, customer, locked)


async def settle_recorded_payment(session: AsyncSession, principal: Principal, payment: Payment) -> None:
    """Count a payment that the gateway confirmed after it was written (card charges)."""
    assert payment.invoice_id is not None
    customer = await customers.lock_customer(session, principal, payment.customer_id)
    invoice = await repo.lock(session, principal, payment.invoice_id)
    if invoice is None:
        return
    if invoice.status is not InvoiceStatus.UNPAID:  # paid meanwhile (credit, bank transfer): keep as credit
        await _add_credit(
            session, customer, payment.amount_minor, f"Payment after invoice {invoice.number} was settled"
        )
        return
    await settle_payment(session, principal, customer, invoice, payment)


async def create_manual_invoice(session: AsyncSession, principal: Principal, data: InvoiceCreate) -> Invoice:
    customer = await customers.get_customer(session, principal, data.customer_id)
    items = [
        NewItem(
            description=line.description,
            amount_minor=money.to_minor(line.amount, customer["currency"]),
            qty=line.qty,
            taxed=line.taxed,
        )
        for line in data.items
    ]
    due = data.duedate or clock.today() + dt.timedelta(days=7)
    return await issue_invoice(
        session, principal, customer["id"], items=items, due_on=due, notes=data.notes, draft=data.draft
    )


async def record_manual_payment(
    session: AsyncSession, principal: Principal, invoice_id: int, data: PaymentIn
) -> Payment:
    invoice = await get_invoice(session, principal, invoice_id, includes=frozenset())
    amount = (
        money.to_minor(data.amount, invoice["currency"])
        if data.amount is not None
        else invoice["total_minor"] - invoice["credit_minor"] - invoice["paid_minor"]
    )
    return await record_payment(
        session, principal, invoice_id, gateway=data.gateway, reference=data.transaction_id, amount_minor=amount
    )


async def add_credit_amount(session: AsyncSession, principal: Principal, customer_id: int, data: CreditIn) -> int:
    customer = await customers.get_customer(session, principal, customer_id)
    return await add_credit(
        session, principal, customer_id, money.to_minor(data.amount, customer["currency"]), reason=data.reason
    )


async def invoice_pdf(
    session: AsyncSession, principal: Principal, invoice_id: int, *, seller: str
) -> tuple[bytes, str | None]:
    from hostlane.billing.pdf import render_invoice

    invoice = await get_invoice(session, principal, invoice_id)
    customer = await customers.get_customer(session, principal, invoice["customer_id"])
    return render_invoice(invoice, customer, seller=seller), invoice["number"]


async def set_tax_rule(
    session: AsyncSession, principal: Principal, *, country: str, state: str, level: int, rate: str, name: str = ""
) -> TaxRule:
    """Add or replace the rule of (country, state, level): ``rate`` in percent, up to three decimals."""
    from hostlane.core.countries import COUNTRY_CODES

    country = "" if country == "*" else country.strip().upper()
    if country and country not in COUNTRY_CODES:
        raise ValidationFailed.field("country", f"{country} is not an ISO 3166-1 country code.")
    try:
        milli = Decimal(rate) * 1000
    except ArithmeticError:
        raise ValidationFailed.field("rate", f"{rate!r} is not a percentage.") from None
    if milli != milli.to_integral_value() or not 0 <= milli <= 100_000:
        raise ValidationFailed.field("rate", "The rate is a percentage between 0 and 100 with at most 3 decimals.")
    rule = await repo.tax_rule(session, principal.livemode, level, country, state.strip())
    if rule is None:
        rule = TaxRule(livemode=principal.livemode, level=level, country=country, state=state.strip())
        session.add(rule)
    rule.rate_milli, rule.name = int(milli), name or f"Tax {country or '*'}{'/' + state if state else ''} L{level}"
    await session.flush()
    audit.record(session, principal, "tax_rule.set", "tax_rule", rule.id, {"rate_milli": rule.rate_milli})
    return rule


async def tax_rules(session: AsyncSession, principal: Principal) -> list[TaxRule]:
    return list(await repo.all_tax_rules(session, principal.livemode))
