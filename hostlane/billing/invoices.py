"""The invoice's read shape: one invoice or a page of them (with ``items`` and ``payments`` on request),
what a customer owes, and the PDF. Every billing write returns this shape, so no face reads again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import repository as repo
from hostlane.core.pagination import ListQuery, Page
from hostlane.customers import service as customers
from hostlane.identity.principal import Principal

LIST_SPEC = repo.LIST_SPEC
# What a billing write returns: the invoice with its items and its payments.
WHOLE = frozenset({"items", "payments"})


async def list_invoices(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.INVOICE.page(session, principal, query)


async def get_invoice(
    session: AsyncSession, principal: Principal, invoice_id: int, *, includes: frozenset[str] = frozenset({"items"})
) -> dict[str, Any]:
    return await repo.INVOICE.one(session, principal, invoice_id, includes=includes)


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


async def invoice_pdf(
    session: AsyncSession, principal: Principal, invoice_id: int, *, seller: str
) -> tuple[bytes, str | None]:
    from hostlane.billing.pdf import render_invoice

    invoice = await get_invoice(session, principal, invoice_id)
    customer = await customers.get_customer(session, principal, invoice["customer_id"])
    return render_invoice(invoice, customer, seller=seller), invoice["number"]
