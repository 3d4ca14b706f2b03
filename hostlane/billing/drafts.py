"""An invoice staff handle by hand: its fields and lines changed, its status moved, an issued one taken back
to draft, sent again to the customer, deleted.

A draft is never billed: no credit is spent on it, no card charged, no reminder sent and no service suspended
for it (each of those reads unpaid invoices only), and customers never see it. Taking an issued invoice back
to draft gives back the credit spent on it and keeps its number, which it carries when issued again.

Lock order: customer, then invoice (``settlement.locked``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import credit, invoices, payments, settlement, tax
from hostlane.billing import repository as repo
from hostlane.billing.errors import ChargeInProgress, InvoiceHasPayments, InvoiceStateError
from hostlane.billing.schemas import InvoiceUpdate
from hostlane.billing.totals import NewItem, compute_totals
from hostlane.core import clock, money
from hostlane.core.errors import ValidationFailed
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.models import Customer, Invoice, InvoiceStatus
from hostlane.notifications import service as notifications

_DRAFT = frozenset({InvoiceStatus.DRAFT})
# Which fields may change in which statuses (None: in every status).
_EDITABLE: dict[str, frozenset[InvoiceStatus] | None] = {
    "notes": None,
    "duedate": frozenset({InvoiceStatus.DRAFT, InvoiceStatus.UNPAID}),
    "date": _DRAFT,
    "currency": _DRAFT,
    "items": _DRAFT,
}
# The reference of the payment recorded when staff mark an invoice paid by its status (money received outside).
MARKED_PAID = "manual"


async def retotal(session: AsyncSession, customer: Customer, invoice: Invoice) -> None:
    """Recompute a draft's totals from its lines, at the tax rates that apply to its customer now."""
    await session.flush()
    rate, rate2 = await tax.rates_for(session, invoice.livemode, customer.country, customer.state or "")
    lines = [
        NewItem(description=item.description, amount_minor=item.amount_minor, qty=item.qty, taxed=item.taxed)
        for item in await repo.items_of(session, invoice.id)
    ]
    totals = compute_totals(lines, rate, rate2, exempt=customer.taxexempt)
    invoice.taxexempt = customer.taxexempt
    invoice.taxrate_milli = 0 if customer.taxexempt else rate
    invoice.taxrate2_milli = 0 if customer.taxexempt else rate2
    invoice.subtotal_minor, invoice.tax_minor, invoice.tax2_minor = totals.subtotal, totals.tax, totals.tax2
    invoice.total_minor = totals.total


async def update_invoice(
    session: AsyncSession, principal: Principal, invoice_id: int, data: InvoiceUpdate
) -> dict[str, Any]:
    """Change the fields sent (a field sent with its current value is no change), then move the invoice to the
    ``status`` sent, if it differs. Returns the invoice's read shape."""
    changes = data.model_dump(exclude_unset=True)
    target = changes.pop("status", None)
    ValidationFailed.refuse_nulls(changes, "date", "duedate", "currency", "items")
    customer, invoice = await settlement.locked(session, principal, invoice_id)
    changes = {name: value for name, value in changes.items() if name == "items" or getattr(invoice, name) != value}
    for name in changes:
        allowed = _EDITABLE[name]
        if allowed is not None and invoice.status not in allowed:
            raise InvoiceStateError(invoice.status.value, "edited")
    if "items" in changes:
        await repo.remove_unlinked_items(session, invoice.id)
    if "currency" in changes:  # only with new lines, and none tied to a service: lines keep their currency
        money.require_offered_currency(changes["currency"])
        await session.flush()
        if await repo.has_items(session, invoice.id):
            raise ValidationFailed.field("currency", "The currency of an invoice with lines cannot change.")
    for name in ("notes", "duedate", "date", "currency"):
        if name in changes:
            setattr(invoice, name, changes[name])
    if "items" in changes:
        settlement.add_items(session, invoice.id, settlement.manual_items(data.items or [], invoice.currency))
        await retotal(session, customer, invoice)
    if changes:
        invoice.updated_at = clock.now()
        audit.record(
            session,
            principal,
            "invoice.update",
            "invoice",
            invoice.id,
            {**changes, "items": len(changes["items"])} if "items" in changes else changes,
        )
    await session.flush()
    if target is not None and target is not invoice.status:
        await _move(session, principal, invoice, target)
    return await invoices.get_invoice(session, principal, invoice_id, includes=invoices.WHOLE)


async def _move(session: AsyncSession, principal: Principal, invoice: Invoice, target: InvoiceStatus) -> None:
    """Move an invoice to ``target`` by the action that leads there; no action leads elsewhere."""
    current = invoice.status
    if target is InvoiceStatus.UNPAID and current is InvoiceStatus.DRAFT:
        await settlement.issue_draft(session, principal, invoice.id)
    elif target is InvoiceStatus.DRAFT:
        await reopen_draft(session, principal, invoice.id)
    elif target is InvoiceStatus.PAID and current is InvoiceStatus.UNPAID:
        await _mark_paid(session, principal, invoice)
    elif target is InvoiceStatus.CANCELLED:
        await settlement.cancel_invoice(session, principal, invoice.id)
    elif target is InvoiceStatus.REFUNDED:
        await payments.refund_invoice(session, principal, invoice.id)
    else:
        raise InvoiceStateError(current.value, f"made {target.value}")


async def _mark_paid(session: AsyncSession, principal: Principal, invoice: Invoice) -> None:
    """Money received outside Hostlane: what is due, recorded as one manual payment of the invoice."""
    if await repo.in_flight_payment(session, invoice.id) is not None:
        raise ChargeInProgress()
    if invoice.due_minor > 0:
        await payments.record_payment(
            session,
            principal,
            invoice.id,
            gateway=MARKED_PAID,
            reference=f"invoice-{invoice.id}-marked-paid",
            amount_minor=invoice.due_minor,
        )
    else:
        await settlement.mark_paid(session, principal, invoice)


async def reopen_draft(session: AsyncSession, principal: Principal, invoice_id: int) -> dict[str, Any]:
    """Take an unpaid invoice back to draft to change it: the credit spent on it goes back to the customer, its
    number stays with it. An invoice with payments (or a card charge under way) stays as it is."""
    customer, invoice = await settlement.locked(session, principal, invoice_id)
    if invoice.status is not InvoiceStatus.UNPAID:
        raise InvoiceStateError(invoice.status.value, "taken back to draft")
    if invoice.paid_minor > 0:
        raise InvoiceHasPayments()
    if await repo.in_flight_payment(session, invoice.id) is not None:
        raise ChargeInProgress()
    credit.give_back(session, customer, invoice, invoice.credit_minor, f"Invoice {invoice.number} back to draft")
    invoice.credit_minor = 0
    invoice.status = InvoiceStatus.DRAFT
    invoice.updated_at = clock.now()
    audit.record(session, principal, "invoice.reopen", "invoice", invoice.id, {"number": invoice.number})
    await session.flush()
    return await invoices.get_invoice(session, principal, invoice.id, includes=invoices.WHOLE)


async def send_invoice(session: AsyncSession, principal: Principal, invoice_id: int) -> dict[str, Any]:
    """Mail an unpaid invoice to its customer again (the mail it got when it was issued)."""
    row = await invoices.get_invoice(session, principal, invoice_id, includes=invoices.WHOLE)
    if row["status"] is not InvoiceStatus.UNPAID:
        raise InvoiceStateError(str(row["status"]), "sent")
    notifications.queue(session, "invoice_created", livemode=row["livemode"], invoice_id=invoice_id)
    audit.record(session, principal, "invoice.send", "invoice", invoice_id, {"number": row["number"]})
    return row


async def delete_invoice(session: AsyncSession, principal: Principal, invoice_id: int) -> None:
    """Delete a draft, unpaid or cancelled invoice: cancelled first (credit and payments go back to the
    customer), then hidden from every read. The row stays, so its number is never given again."""
    _, invoice = await settlement.locked(session, principal, invoice_id)
    if invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.UNPAID, InvoiceStatus.CANCELLED):
        raise InvoiceStateError(invoice.status.value, "deleted")
    if invoice.status is not InvoiceStatus.CANCELLED:
        await settlement.cancel_invoice(session, principal, invoice_id)
    invoice.deleted_at = clock.now()
    audit.record(session, principal, "invoice.delete", "invoice", invoice.id, {"number": invoice.number})
    await session.flush()
