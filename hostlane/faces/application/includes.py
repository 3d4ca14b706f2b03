"""What a service row of the application face can include (``?include=customer,product``).

It reads two domains above services (customers, catalogue), so it lives in the face that asks for it: the
services domain sits below both and never calls them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.catalog import service as catalog
from hostlane.customers import service as customers
from hostlane.identity.principal import Principal


async def attach_service_includes(
    session: AsyncSession, principal: Principal, rows: list[dict[str, Any]], includes: frozenset[str]
) -> None:
    """Attach ``customer`` / ``product`` to service rows: one query each, whatever the page size."""
    if "customer" in includes:
        found = await customers.by_ids(session, principal, [row["customer_id"] for row in rows])
        for row in rows:
            row["customer"] = found.get(row["customer_id"])
    if "product" in includes:
        products = await catalog.products_by_id(session, principal, [row["product_id"] for row in rows])
        for row in rows:
            row["product"] = products.get(row["product_id"])
