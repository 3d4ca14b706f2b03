"""What a row of the application face may include (``?include=…``), and the permission each include needs.

An include reads another resource, so it needs the permission that reading that resource directly needs: a
key holding ``customers:index`` but not ``services:index`` cannot read services through
``/customers?include=services``. The table is the face's (the permissions are its document's), keyed by the
resource's path; ``Resource`` (``routes/kit.py``) applies it on the list and the show routes alike, and refuses
at import a resource whose list offers an include the table does not name.

A row's own parts are read as the resource's own show route reads them: an order's items, an invoice's items
and payments, a ticket's replies (also spelt ``messages``) appear only on ``GET /orders/{id}`` (``orders:show``),
``GET /invoices/{id}`` (``invoices:show``) and ``GET /tickets/{id}`` (``tickets:show``), never on a list, so a
list including them needs that ``:show`` permission too: ``tickets:index`` reads subjects and statuses, not what
was written in the ticket.

A service row's ``customer`` and ``product`` are attached here: they read two domains above services
(customers, catalogue), and the services domain sits below both and never calls them. So are a customer's
``invoices`` (billing sits above customers) and ``metadata``: CLIENTXCMS's key/value rows about a customer, of
which Hostlane keeps none (what it keeps about a customer is in the customer's own fields), so an empty list,
read without a query. ``metadata`` is the customer's own: it needs no permission beyond the route's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import service as billing
from hostlane.catalog import service as catalog
from hostlane.core.repository import Include, attach
from hostlane.customers import service as customers
from hostlane.identity.principal import Principal

# resource path -> include -> the permission reading the included rows directly needs (None: the row's own part).
INCLUDE_PERMISSIONS: Mapping[str, Mapping[str, str | None]] = {
    "/customers": {"services": "services:index", "invoices": "invoices:index", "metadata": None},
    "/services": {"customer": "customers:index", "product": "products:index"},
    # A group or product always carries its own metadata (and a group its subgroups): asking reads nothing more.
    "/groups": {"products": "products:index", "groups": "groups:index", "metadata": None},
    "/products": {"group": "groups:index", "pricing": "pricings:index", "metadata": None},
    "/pricings": {"product": "products:index"},
    "/orders": {"items": "orders:show"},
    "/invoices": {"customer": "customers:index", "items": "invoices:show", "payments": "invoices:show"},
    "/tickets": {
        "replies": "tickets:show",
        "messages": "tickets:show",
        "customer": "customers:index",
        "department": "departments:index",
        "assignedTo": "tickets:show",
    },
    "/departments": {"tickets": "tickets:index"},
    # A coupon's values and uses are its own parts.
    "/coupons": {"products": "products:index", "pricing": None, "usages": None, "customer": "customers:index"},
}


def require_includes(principal: Principal, path: str, includes: frozenset[str]) -> None:
    """Refuse (``MissingPermission``, 403) an include whose rows the caller may not read directly."""
    table = INCLUDE_PERMISSIONS.get(path, {})
    for name in sorted(includes):
        permission = table[name]
        if permission is not None:
            principal.require(permission)


SERVICE_INCLUDES: dict[str, Include[Principal]] = {
    "customer": Include(customers.by_ids, on="customer_id", one=True),
    "product": Include(catalog.products_by_id, on="product_id", one=True),
}


async def attach_service_includes(
    session: AsyncSession, principal: Principal, rows: list[dict[str, Any]], includes: frozenset[str]
) -> None:
    """Attach ``customer`` / ``product`` to service rows: one query each, whatever the page size."""
    await attach(session, principal, rows, SERVICE_INCLUDES, includes)


async def _no_metadata(session: AsyncSession, principal: Principal, keys: Sequence[Any]) -> dict[Any, Any]:
    return {}


CUSTOMER_INCLUDES: dict[str, Include[Principal]] = {
    "invoices": Include(billing.invoices_for_customers),
    "metadata": Include(_no_metadata),
}


async def attach_customer_includes(
    session: AsyncSession, principal: Principal, rows: list[dict[str, Any]], includes: frozenset[str]
) -> None:
    """Attach ``invoices`` (one query, whatever the page size) and ``metadata`` to customer rows."""
    await attach(session, principal, rows, CUSTOMER_INCLUDES, includes)
