"""Orders: placed (which invoices them and creates their services), read, cancelled."""

from __future__ import annotations

from hostlane.faces.application import schemas, wire
from hostlane.faces.application.routes.kit import Resource, face_router
from hostlane.orders import service as orders
from hostlane.orders.schemas import OrderCreate

router = face_router()

ORDERS = Resource(
    router, "/orders", one="order", spec=orders.LIST_SPEC, wire=wire.order, shape=schemas.Order, index_shows=False
)
ORDERS.index(orders.list_orders, summary="List orders")
ORDERS.create(
    OrderCreate,
    orders.place_order,
    summary="Place an order: invoices it and creates its services (Idempotency-Key)",
    idempotent=True,
)
ORDERS.show(orders.get_order, summary="Show an order")
ORDERS.on_item(
    "POST",
    "/cancel",
    orders.cancel_order,
    action="update",
    summary="Cancel an unpaid order, its invoice and its services",
    name="cancel_order",
)
ORDERS.delete(orders.cancel_order, summary="Cancel an unpaid order (as POST /orders/{id}/cancel)")
