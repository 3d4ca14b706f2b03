"""The invoice's read shape: one invoice or a page of them (with ``items`` and ``payments`` on request),
what a customer owes, and the PDF. Every billing write returns this shape, so no face reads again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import repository as repo
from hostlane.core import clock
from hostlane.core.pagination import ListQuery, ListSpec, Page
from hostlane.core.repository import Include, IncludeTable
from hostlane.customers import service as customers
from hostlane.identity.principal import Principal

# What an invoice may include: its own items and payments, and its customer (read through the customers domain).
INCLUDES: IncludeTable = {
    **repo.INVOICE.includes,
    "customer": Include(customers.by_ids, on="customer_id", one=True),
}
LIST_SPEC = ListSpec(
    filters=repo.LIST_SPEC.filters, sorts=repo.LIST_SPEC.sorts, includes=frozenset(INCLUDES), default_sort="id"
)
# What a billing write returns: the invoice with its items and its payments.
WHOLE = frozenset({"items", "payments"})


async def list_invoices(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.INVOICE.page(session, principal, query, includes=INCLUDES)


async def get_invoice(
    session: AsyncSession, principal: Principal, invoice_id: int, *, includes: frozenset[str] = frozenset({"items"})
) -> dict[str, Any]:
    return await repo.INVOICE.one(session, principal, invoice_id, includes=includes, table=INCLUDES)


async def invoices_for_customers(
    session: AsyncSession, principal: Principal, customer_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """The invoices of many customers, by customer, in one query (a customer's ``?include=invoices``)."""
    return await repo.INVOICE.grouped("customer_id")(session, principal, customer_ids)


async def service_ids_on(session: AsyncSession, invoice_id: int) -> list[int]:
    return list(await repo.service_ids_on(session, invoice_id))


async def balance(session: AsyncSession, principal: Principal, customer_id: int) -> dict[str, Any]:
    customer = await customers.get_customer(session, principal, customer_id)
    return {
        "currency": customer["currency"],
        "balance_minor": await repo.balances(session, principal, customer_id),
        "credit_minor": customer["credit_minor"],
    }


async def overdue_count(session: AsyncSession, principal: Principal) -> int:
    """How many unpaid invoices are past their due date today."""
    return await repo.count_overdue(session, principal, clock.today())


async def received_this_month(session: AsyncSession, principal: Principal) -> dict[str, int]:
    """The money received since the first of this month (UTC), net of refunds, in minor units by currency."""
    today = clock.today()
    start = dt.datetime(today.year, today.month, 1, tzinfo=dt.UTC)
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return await repo.received_between(session, principal, start, end)


async def invoice_pdf(
    session: AsyncSession, principal: Principal, invoice_id: int, *, seller: str
) -> tuple[bytes, str]:
    """The invoice as a PDF, and its file name (``pdf.pdf_name``)."""
    from hostlane.billing.pdf import pdf_name, render_invoice

    invoice = await get_invoice(session, principal, invoice_id)
    customer = await customers.get_customer(session, principal, invoice["customer_id"])
    return render_invoice(invoice, customer, seller=seller), pdf_name(invoice)
