"""The invoice's read shape: one invoice or a page of them (with ``items`` and ``payments`` on request),
what a customer owes, and the PDF. Every billing write returns this shape, so no face reads again."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import repository as repo
from hostlane.billing.errors import InvoiceNotFound
from hostlane.core.pagination import ListQuery, Page
from hostlane.customers import service as customers
from hostlane.identity.principal import Principal

LIST_SPEC = repo.LIST_SPEC
# What a billing write returns: the invoice with its items and its payments.
WHOLE = frozenset({"items", "payments"})


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


async def service_ids_on(session: AsyncSession, invoice_id: int) -> list[int]:
    return list(await repo.service_ids_on(session, invoice_id))


async def balance(session: AsyncSession, principal: Principal, customer_id: int) -> dict[str, Any]:
    customer = await customers.get_customer(session, principal, customer_id)
    return {
        "currency": customer["currency"],
        "balance_minor": await repo.balances(session, principal, customer_id),
        "credit_minor": customer["credit_minor"],
    }


async def invoice_pdf(
    session: AsyncSession, principal: Principal, invoice_id: int, *, seller: str
) -> tuple[bytes, str | None]:
    from hostlane.billing.pdf import render_invoice

    invoice = await get_invoice(session, principal, invoice_id)
    customer = await customers.get_customer(session, principal, invoice["customer_id"])
    return render_invoice(invoice, customer, seller=seller), invoice["number"]
