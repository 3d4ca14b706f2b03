"""The admin panel's orders: the list (by status and customer), an order with its items, its invoice and the
services it made, and cancelling an unpaid order (the orders domain says when it may be)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.billing import service as billing
from hostlane.catalog import service as catalog
from hostlane.core.pagination import ListQuery
from hostlane.customers import service as customers
from hostlane.faces.common import PathId, get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.admin.catalog import CYCLE_LABELS
from hostlane.faces.web.admin.forms import address, by_value, list_filters, status_choices
from hostlane.faces.web.admin.invoices import STATUS_LABELS as INVOICE_STATUS_LABELS
from hostlane.faces.web.auth import AdminViewer
from hostlane.faces.web.kit import ADMIN, N_, _
from hostlane.models import OrderStatus
from hostlane.orders import service as orders
from hostlane.orders.errors import OrderNotCancellable
from hostlane.services import service as services

router = APIRouter(prefix=ADMIN.prefix, include_in_schema=False)
PER_PAGE = 25

kit.notice("order_cancelled", lambda: _("The order was cancelled, with its invoice and its pending services."))
kit.notice("order_not_cancellable", lambda: _("Only a pending order can be cancelled: this one was not changed."))

STATUS_LABELS = {
    OrderStatus.PENDING: N_("Pending"),
    OrderStatus.ACTIVE: N_("Active"),
    OrderStatus.CANCELLED: N_("Cancelled"),
}


def _context() -> dict[str, Any]:
    return {
        "status_labels": by_value(STATUS_LABELS),
        "invoice_status_labels": by_value(INVOICE_STATUS_LABELS),
        "cycles": CYCLE_LABELS,
    }


@router.get("/orders")
async def order_list(
    request: Request, viewer: AdminViewer, page: int = 1, status: str = "", customer: str = ""
) -> Response:
    viewer.principal.require("orders:index")
    status, customer = status.strip(), customer.strip()
    filters, errors = list_filters(status, customer, [item.value for item in OrderStatus])
    query = ListQuery(page=max(page, 1), per_page=PER_PAGE, filters=filters, sort=[("id", True)])
    async with get_runtime(request).db.reader() as session:
        shown = await orders.list_orders(session, viewer.principal, query)
        names = await customers.by_ids(session, viewer.principal, sorted({row["customer_id"] for row in shown.items}))
    values = {"status": status, "customer": customer}
    return kit.page(
        request,
        ADMIN,
        "admin/order_list.html",
        viewer=viewer,
        status=422 if errors else 200,
        orders=shown,
        customers=names,
        errors=errors,
        values=values,
        here=address("/admin/orders", values),
        statuses=status_choices(STATUS_LABELS),
        **_context(),
    )


@router.get("/orders/{order_id}")
async def order(request: Request, viewer: AdminViewer, order_id: PathId) -> Response:
    viewer.principal.require("orders:show")
    principal = viewer.principal
    async with get_runtime(request).db.reader() as session:
        shown = await orders.get_order(session, principal, order_id)
        customer = (await customers.by_ids(session, principal, [shown["customer_id"]])).get(shown["customer_id"])
        products = await catalog.products_by_id(
            session, principal, sorted({item["product_id"] for item in shown["items"]})
        )
        invoice = None
        made: list[dict[str, Any]] = []
        if shown["invoice_id"] is not None:
            invoice = await billing.get_invoice(session, principal, shown["invoice_id"], includes=frozenset())
            service_ids = await billing.service_ids_on(session, shown["invoice_id"])
            if service_ids:
                query = ListQuery(per_page=len(service_ids), filters={"id": ",".join(map(str, service_ids))})
                made = (await services.list_services(session, principal, query)).items
    return kit.page(
        request,
        ADMIN,
        "admin/order_view.html",
        viewer=viewer,
        order=shown,
        customer=customer,
        products=products,
        invoice=invoice,
        services=made,
        **_context(),
    )


@router.post("/orders/{order_id}/cancel")
async def cancel(request: Request, viewer: AdminViewer, order_id: PathId) -> Response:
    await kit.form_fields(request, ADMIN)
    viewer.principal.require("orders:update")
    try:
        async with get_runtime(request).db.transaction() as session:
            await orders.cancel_order(session, viewer.principal, order_id)
    except OrderNotCancellable:
        return kit.redirect(f"/admin/orders/{order_id}", notice_key="order_not_cancellable")
    return kit.redirect(f"/admin/orders/{order_id}", notice_key="order_cancelled")
