"""The application face's routes, one module per resource; ``ROUTERS`` is every router, in mounting order.

Order matters where FastAPI matches a path against two routes; it is the order the routes stood in when
they were one module: the platform, customers, the catalogue, services, orders, invoices, a customer's
credit and payment methods, support, network; then a partner's integrations.
"""

from __future__ import annotations

from fastapi import APIRouter

from hostlane.faces.application.routes import (
    catalog,
    coupons,
    customers,
    invoices,
    network,
    orders,
    partners,
    platform,
    provisioning,
    services,
    support,
)
from hostlane.faces.application.routes.kit import PREFIX

ROUTERS: list[APIRouter] = [
    platform.router,
    customers.router,
    catalog.router,
    coupons.router,
    services.router,
    orders.router,
    invoices.router,
    customers.money_router,
    support.router,
    network.router,
    provisioning.router,
    partners.router,
]

__all__ = ["PREFIX", "ROUTERS"]
