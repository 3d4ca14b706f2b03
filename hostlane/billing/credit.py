"""The credit ledger: a customer's credit moves only here, each movement a ledger row (through the
customers domain's one writer), so the balance stays the sum of its entries. Callers hold the customer's
row lock (lock order: customer, then invoice)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.customers import service as customers
from hostlane.models import Customer, Invoice, InvoiceStatus


def move_credit(
    session: AsyncSession, customer: Customer, amount_minor: int, reason: str, *, invoice_id: int | None = None
) -> None:
    """Change the customer's credit by ``amount_minor`` (negative spends) and write the movement."""
    customer.credit_minor += amount_minor
    customers.record_credit_entry(session, customer, amount_minor, reason, invoice_id=invoice_id)


def spend_on(session: AsyncSession, customer: Customer, invoice: Invoice) -> int:
    """Spend the customer's credit on an unpaid invoice of the same currency, up to what is due; returns
    the amount spent (marking the invoice paid is settlement's business)."""
    if invoice.status is not InvoiceStatus.UNPAID or customer.currency != invoice.currency:
        return 0
    amount = min(customer.credit_minor, invoice.due_minor)
    if amount <= 0:
        return 0
    invoice.credit_minor += amount
    move_credit(session, customer, -amount, f"Applied to invoice {invoice.number}", invoice_id=invoice.id)
    return amount


def give_back(session: AsyncSession, customer: Customer, invoice: Invoice, amount_minor: int, reason: str) -> None:
    """Return money spent on or paid for ``invoice`` to the customer's credit (cancel, refund)."""
    if amount_minor:
        move_credit(session, customer, amount_minor, reason, invoice_id=invoice.id)
