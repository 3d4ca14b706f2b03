"""What a service row of the application face can include (``?include=customer,product``).

It reads two domains above services (customers, catalogue), so its table lives in the face that asks for it:
the services domain sits below both and never calls them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.catalog import service as catalog
from hostlane.core.repository import Include, attach
from hostlane.customers import service as customers
from hostlane.identity.principal import Principal

SERVICE_INCLUDES: dict[str, Include[Principal]] = {
    "customer": Include(customers.by_ids, on="customer_id", one=True),
    "product": Include(catalog.products_by_id, on="product_id", one=True),
}


async def attach_service_includes(
    session: AsyncSession, principal: Principal, rows: list[dict[str, Any]], includes: frozenset[str]
) -> None:
    """Attach ``customer`` / ``product`` to service rows: one query each, whatever the page size."""
    await attach(session, principal, rows, SERVICE_INCLUDES, includes)
