"""What a service row of the application face can include (``?include=customer,product``).

It reads two domains above services (customers, catalogue), so it lives in the face that asks for it: the
services domain sits below both and never calls them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.catalog import service as catalog
from hostlane.customers import service as customers
from hostlane.identity.principal import Principal

Load = Callable[[AsyncSession, Principal, list[int]], Awaitable[dict[int, dict[str, Any]]]]

# An include's name: the service row's column naming it, and the domain call that loads rows by id.
SERVICE_INCLUDES: dict[str, tuple[str, Load]] = {
    "customer": ("customer_id", customers.by_ids),
    "product": ("product_id", catalog.products_by_id),
}


async def attach_service_includes(
    session: AsyncSession, principal: Principal, rows: list[dict[str, Any]], includes: frozenset[str]
) -> None:
    """Attach ``customer`` / ``product`` to service rows: one query each, whatever the page size."""
    for name, (column, load) in SERVICE_INCLUDES.items():
        if name in includes:
            found = await load(session, principal, [row[column] for row in rows])
            for row in rows:
                row[name] = found.get(row[column])
