"""An invoice's life: numbering, issuing (taxed, credit applied), drafts, marking paid (which activates
its services), and cancelling.

Lock order: customer, then invoice, then service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import credit, invoices, tax
from hostlane.billing import repository as repo
from hostlane.billing.errors import EmptyInvoice, InvoiceStateError
from hostlane.billing.schemas import InvoiceCreate, InvoiceLineIn
from hostlane.billing.totals import NewItem, Totals, compute_totals
from hostlane.config import get_settings
from hostlane.core import clock, money
from hostlane.customers import service as customers
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.jobs import outbox
from hostlane.models import Customer, Invoice, InvoiceItem, InvoiceStatus, ServiceStatus
from hostlane.notifications import service as notifications
from hostlane.services import service as services

PAID_JOB = "billing.invoice_paid"


# Numbering


def format_number(template: str, on: dt.date, n: int) -> tuple[str, str]:
    """The invoice number and the sequence it counts in (the template's text before ``{n}``)."""
    values = {"year": on.year, "month": on.month, "day": on.day}
    period = template.split("{n}", 1)[0].format(**values)
    return template.format(n=n, **values), period


def number_around(on: dt.date) -> tuple[str, str] | None:
    """The text before and after the sequence's number in the invoice numbers of ``on`` (number ``n`` is
    ``before + str(n) + after``; ``before`` is the sequence's period), so the database can write them; None when
    the template does not split so (the billing run then numbers in Python)."""
    template = get_settings().invoice_number_format
    if template.count("{n}") != 1:
        return None
    try:
        before, after = format_number(template, on, 0)[1], template.split("{n}", 1)[1].format(**_date_values(on))
        probe = format_number(template, on, 9876543210)[0]
    except (KeyError, IndexError, ValueError):
        return None
    return (before, after) if probe == f"{before}9876543210{after}" else None


def _date_values(on: dt.date) -> dict[str, int]:
    return {"year": on.year, "month": on.month, "day": on.day}


async def reserve_numbers(session: AsyncSession, day: dt.date, modes: list[bool]) -> list[str]:
    """Invoice numbers of ``day``, one per entry of ``modes`` in order: one sequence update per mode."""
    template = get_settings().invoice_number_format
    _, period = format_number(template, day, 0)
    dialect = session.get_bind().dialect.name
    firsts: dict[bool, int] = {}
    for livemode in set(modes):
        count = modes.count(livemode)
        last = await repo.reserve_sequence(session, dialect, livemode, period, count)
        firsts[livemode] = last - count + 1
    numbers: list[str] = []
    for livemode in modes:
        numbers.append(format_number(template, day, firsts[livemode])[0])
        firsts[livemode] += 1
    return numbers


async def _number(session: AsyncSession, livemode: bool, on: dt.date) -> str:
    return (await reserve_numbers(session, on, [livemode]))[0]


# Quoting


async def quote(
    session: AsyncSession, principal: Principal, customer_id: int, items: list[NewItem]
) -> tuple[Totals, int, int]:
    """What an invoice of ``items`` would come to for the customer, without issuing it: the totals as
    ``issue_invoice`` computes them, and the two tax rates it would apply (0 for a tax-exempt customer)."""
    customer = await customers.get_customer(session, principal, customer_id)
    exempt = bool(customer["taxexempt"])
    rate, rate2 = await tax.rates_for(session, principal.livemode, customer["country"], customer["state"] or "")
    totals = compute_totals(items, rate, rate2, exempt=exempt)
    return totals, 0 if exempt else rate, 0 if exempt else rate2


# Issuing


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
    currency: str | None = None,
) -> Invoice:
    """Issue an invoice (numbered, taxed, with the customer's credit applied) or keep it as a draft (which may
    have no lines yet). ``currency`` defaults to the customer's."""
    if not items and not draft:
        raise EmptyInvoice()
    customer = await customers.lock_customer(session, principal, customer_id)
    rate, rate2 = await tax.rates_for(session, principal.livemode, customer.country, customer.state or "")
    totals = compute_totals(items, rate, rate2, exempt=customer.taxexempt)
    today = invoice_date or clock.today()
    invoice = Invoice(
        livemode=principal.livemode,
        customer_id=customer.id,
        status=InvoiceStatus.DRAFT if draft else InvoiceStatus.UNPAID,
        date=today,
        duedate=due_on,
        currency=currency or customer.currency,
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
    add_items(session, invoice.id, items)
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
        await apply_credit(session, principal, customer, invoice)
        if invoice.status is InvoiceStatus.UNPAID and invoice.due_minor <= 0:
            await mark_paid(session, principal, invoice)  # nothing to pay: a free product
    await session.flush()
    return invoice


def add_items(session: AsyncSession, invoice_id: int, items: list[NewItem]) -> None:
    for item in items:
        session.add(
            InvoiceItem(
                invoice_id=invoice_id,
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


def manual_items(lines: list[InvoiceLineIn], currency: str) -> list[NewItem]:
    """Staff's lines, their decimal amounts in ``currency``."""
    return [
        NewItem(
            description=line.description,
            amount_minor=money.to_minor(line.amount, currency),
            qty=line.qty,
            taxed=line.taxed,
        )
        for line in lines
    ]


async def create_manual_invoice(session: AsyncSession, principal: Principal, data: InvoiceCreate) -> dict[str, Any]:
    """Staff's invoice from decimal amounts, or a draft: asked for, or without lines (an empty draft is due in 30
    days, an issued invoice in 7, unless ``duedate`` says). Returns the invoice's read shape."""
    customer = await customers.get_customer(session, principal, data.customer_id)
    currency = money.require_offered_currency(data.currency) if data.currency else customer["currency"]
    draft = data.draft or not data.items
    due = data.duedate or clock.today() + dt.timedelta(days=7 if data.items else 30)
    invoice = await issue_invoice(
        session,
        principal,
        customer["id"],
        items=manual_items(data.items, currency),
        due_on=due,
        notes=data.notes,
        draft=draft,
        currency=currency,
    )
    return await invoices.get_invoice(session, principal, invoice.id, includes=invoices.WHOLE)


async def apply_credit(session: AsyncSession, principal: Principal, customer: Customer, invoice: Invoice) -> None:
    """Spend the customer's credit on the invoice (same currency only); pay it if that covers it."""
    if credit.spend_on(session, customer, invoice) and invoice.due_minor == 0:
        await mark_paid(session, principal, invoice)


async def apply_credit_to(session: AsyncSession, invoice_id: int) -> None:
    """Spend the invoice's customer's credit on it (the billing run's renewals)."""
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None:
        return
    system = Principal.system(livemode=invoice.livemode)
    customer = await customers.lock_customer(session, system, invoice.customer_id)
    locked = await repo.INVOICE.lock(session, system, invoice_id)
    if locked is not None:
        await apply_credit(session, system, customer, locked)


# Paid


async def mark_paid(session: AsyncSession, principal: Principal, invoice: Invoice) -> None:
    invoice.status = InvoiceStatus.PAID
    invoice.datepaid = clock.now()
    await session.flush()  # the checks below read the invoice's new status
    audit.record(session, principal, "invoice.paid", "invoice", invoice.id, {"number": invoice.number})
    await _after_paid(session, invoice)
    outbox.enqueue(session, PAID_JOB, {"invoice_id": invoice.id})
    notifications.queue(session, "invoice_paid", livemode=invoice.livemode, invoice_id=invoice.id)


async def _after_paid(session: AsyncSession, invoice: Invoice) -> None:
    """A paid invoice counts the renewals it pays, activates its pending services and lifts overdue suspensions
    it caused."""
    system = Principal.system(livemode=invoice.livemode)
    if invoice.order_id is None:  # an order's invoice pays first periods, not renewals
        for service_id, through in (await repo.renewal_periods_on(session, invoice.id)).items():
            await services.renewal_paid(session, service_id, through=through)
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


# Changes of an issued invoice or a draft


async def locked(session: AsyncSession, principal: Principal, invoice_id: int) -> tuple[Customer, Invoice]:
    """The invoice and its customer, both locked (customer first)."""
    row = await repo.INVOICE.one(session, principal, invoice_id)
    customer = await customers.lock_customer(session, principal, row["customer_id"])
    invoice = await repo.INVOICE.locked(session, principal, invoice_id)
    return customer, invoice


async def cancel_invoice(session: AsyncSession, principal: Principal, invoice_id: int) -> dict[str, Any]:
    """Cancel an unpaid invoice or a draft; credit spent on it goes back to the customer."""
    customer, invoice = await locked(session, principal, invoice_id)
    if invoice.status not in (InvoiceStatus.UNPAID, InvoiceStatus.DRAFT):
        raise InvoiceStateError(invoice.status.value, "cancelled")
    credit.give_back(session, customer, invoice, invoice.credit_minor, f"Invoice {invoice.number} cancelled")
    credit.give_back(session, customer, invoice, invoice.paid_minor, f"Payments of cancelled invoice {invoice.number}")
    invoice.status = InvoiceStatus.CANCELLED
    audit.record(session, principal, "invoice.cancel", "invoice", invoice.id, {"number": invoice.number})
    await session.flush()
    return await invoices.get_invoice(session, principal, invoice.id, includes=invoices.WHOLE)


async def issue_draft(session: AsyncSession, principal: Principal, invoice_id: int) -> dict[str, Any]:
    """Issue a draft that has lines: numbered (a draft reopened from an issued invoice keeps its number, so no
    number is ever given twice or skipped), mailed, the customer's credit applied, paid if nothing is due. The
    row lock and the status check make a second issue of the same draft a refusal, never a second number."""
    customer, invoice = await locked(session, principal, invoice_id)
    if invoice.status is not InvoiceStatus.DRAFT:
        raise InvoiceStateError(invoice.status.value, "issued")
    if not await repo.has_items(session, invoice.id):
        raise EmptyInvoice()
    invoice.status = InvoiceStatus.UNPAID
    if invoice.number is None:
        invoice.number = await _number(session, invoice.livemode, invoice.date)
    notifications.queue(session, "invoice_created", livemode=invoice.livemode, invoice_id=invoice.id)
    audit.record(session, principal, "invoice.issue", "invoice", invoice.id, {"number": invoice.number})
    await apply_credit(session, principal, customer, invoice)
    if invoice.status is InvoiceStatus.UNPAID and invoice.due_minor <= 0:
        await mark_paid(session, principal, invoice)  # nothing to pay
    await session.flush()
    return await invoices.get_invoice(session, principal, invoice.id, includes=invoices.WHOLE)
