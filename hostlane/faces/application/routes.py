"""Routes of the application face. Each parses, calls one domain service, and renders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response

from hostlane.billing import charging
from hostlane.billing import service as billing
from hostlane.billing.schemas import CreditIn, InvoiceCreate, InvoiceUpdate, PaymentIn, PaymentMethodIn, RefundIn
from hostlane.catalog import service as catalog
from hostlane.catalog.schemas import (
    GroupCreate,
    GroupUpdate,
    PricingUpdate,
    ProductCreate,
    ProductUpdate,
)
from hostlane.core import clock
from hostlane.core.formats import FormatRoute, render
from hostlane.core.idempotency import remember
from hostlane.core.pagination import ListSpec, parse_list_query
from hostlane.customers import service as customers
from hostlane.faces.application import wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.inputs import CustomerCreate, CustomerUpdate, PricingCreate
from hostlane.faces.common import PathId, ReadSession, RuntimeDep, WriteSession
from hostlane.identity.principal import Principal
from hostlane.orders import service as orders
from hostlane.orders.schemas import OrderCreate
from hostlane.services import service as services
from hostlane.services.schemas import ServiceUpdate, SuspendRequest
from hostlane.system import service as system

PREFIX = "/api/application"
router = APIRouter(prefix=PREFIX, tags=["application"], route_class=FormatRoute)
Endpoint = Callable[..., Awaitable[Response]]
UPDATE_METHODS = ("POST", "PUT", "PATCH")  # CLIENTXCMS updates with POST; PUT and PATCH mean the same here


def update_route(path: str, summary: str, *, on: APIRouter = router) -> Callable[[Endpoint], Endpoint]:
    """Register an update endpoint under each of the three methods (one OpenAPI operation each)."""

    def register(endpoint: Endpoint) -> Endpoint:
        for method in UPDATE_METHODS:
            on.add_api_route(
                path, endpoint, methods=[method], summary=summary, operation_id=f"{endpoint.__name__}_{method.lower()}"
            )
        return endpoint

    return register


def list_query(request: Request, runtime: RuntimeDep, spec: ListSpec) -> Any:
    return parse_list_query(request.query_params, spec, max_per_page=runtime.settings.max_page_size)


def includes_of(request: Request, spec: ListSpec) -> frozenset[str]:
    return parse_list_query({"include": request.query_params.get("include", "")}, spec, max_per_page=1).includes


# Platform


@router.get("/health", summary="Health of the API and its database")
async def health(request: Request, runtime: RuntimeDep, _: Annotated[Principal, needs("health")]) -> Response:
    ok, report = await system.health(runtime.db)
    return render(request, report, 200 if ok else 503)


@router.get("/statistics", summary="Figures of the platform")
async def statistics(
    request: Request, runtime: RuntimeDep, principal: Annotated[Principal, needs("statistics")]
) -> Response:
    return render(request, {"status": "ok", "statistics": await system.statistics(runtime.db, principal)})


@router.get("/license", summary="Hostlane's licence and version")
async def license_(request: Request, _: Annotated[Principal, needs("license")]) -> Response:
    return render(request, {"status": "ok", "license": system.licence(request.url.hostname or "")})


# Customers


@router.get("/customers", summary="List customers")
async def list_customers(
    request: Request,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("customers:index")],
) -> Response:
    page = await customers.list_customers(session, principal, list_query(request, runtime, customers.LIST_SPEC))
    return render(request, wire.paginated(request, page, wire.customer))


@router.post("/customers", status_code=201, summary="Create a customer")
async def create_customer(
    request: Request,
    body: CustomerCreate,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:create")],
) -> Response:
    return render(request, wire.customer(await customers.create_customer(session, principal, body)), 201)


@router.get("/customers/{customer_id}", summary="Show a customer")
async def show_customer(
    request: Request,
    customer_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("customers:index")],
) -> Response:
    row = await customers.get_customer(
        session, principal, customer_id, includes=includes_of(request, customers.LIST_SPEC)
    )
    return render(request, wire.customer(row))


@update_route("/customers/{customer_id}", "Update a customer (partial)")
async def update_customer(
    request: Request,
    customer_id: PathId,
    body: CustomerUpdate,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:update")],
) -> Response:
    return render(request, wire.customer(await customers.update_customer(session, principal, customer_id, body)))


@router.delete("/customers/{customer_id}", summary="Delete a customer (force=1 terminates its services)")
async def delete_customer(
    request: Request,
    customer_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:delete")],
    force: Annotated[bool, Query()] = False,
) -> Response:
    return render(request, wire.customer(await customers.delete_customer(session, principal, customer_id, force=force)))


# Product groups


@router.get("/groups", summary="List product groups")
async def list_groups(
    request: Request,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("groups:index")],
) -> Response:
    page = await catalog.list_groups(session, principal, list_query(request, runtime, catalog.GROUP_SPEC))
    return render(request, wire.paginated(request, page, wire.group))


@router.post("/groups", status_code=201, summary="Create a product group")
async def create_group(
    request: Request,
    body: GroupCreate,
    session: WriteSession,
    principal: Annotated[Principal, needs("groups:create")],
) -> Response:
    return render(request, wire.group(await catalog.create_group(session, principal, body)), 201)


@router.get("/groups/{group_id}", summary="Show a product group")
async def show_group(
    request: Request,
    group_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("groups:index")],
) -> Response:
    row = await catalog.get_group(session, principal, group_id, includes=includes_of(request, catalog.GROUP_SPEC))
    return render(request, wire.group(row))


@update_route("/groups/{group_id}", "Update a product group (partial)")
async def update_group(
    request: Request,
    group_id: PathId,
    body: GroupUpdate,
    session: WriteSession,
    principal: Annotated[Principal, needs("groups:update")],
) -> Response:
    return render(request, wire.group(await catalog.update_group(session, principal, group_id, body)))


@router.delete("/groups/{group_id}", summary="Delete a product group without products")
async def delete_group(
    request: Request,
    group_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("groups:delete")],
) -> Response:
    return render(request, wire.group(await catalog.delete_group(session, principal, group_id)))


# Products


def _product_includes(request: Request, includes: frozenset[str]) -> frozenset[str]:
    """``?pricing=1`` (as the document says) is ``include=pricing``."""
    if request.query_params.get("pricing") in ("1", "true"):
        return includes | {"pricing"}
    return includes


@router.get("/products", summary="List products (?pricing=1 embeds their prices)")
async def list_products(
    request: Request,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("products:index")],
) -> Response:
    query = list_query(request, runtime, catalog.PRODUCT_SPEC)
    query = type(query)(
        query.page, query.per_page, query.filters, query.sort, _product_includes(request, query.includes)
    )
    page = await catalog.list_products(session, principal, query)
    return render(request, wire.paginated(request, page, wire.product))


@router.post("/products", status_code=201, summary="Create a product")
async def create_product(
    request: Request,
    body: ProductCreate,
    session: WriteSession,
    principal: Annotated[Principal, needs("products:create")],
) -> Response:
    return render(request, wire.product(await catalog.create_product(session, principal, body)), 201)


@router.get("/products/{product_id}", summary="Show a product (?pricing=1 embeds its prices)")
async def show_product(
    request: Request,
    product_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("products:index")],
) -> Response:
    includes = _product_includes(request, includes_of(request, catalog.PRODUCT_SPEC))
    return render(request, wire.product(await catalog.get_product(session, principal, product_id, includes=includes)))


@update_route("/products/{product_id}", "Update a product (partial)")
async def update_product(
    request: Request,
    product_id: PathId,
    body: ProductUpdate,
    session: WriteSession,
    principal: Annotated[Principal, needs("products:update")],
) -> Response:
    return render(request, wire.product(await catalog.update_product(session, principal, product_id, body)))


@router.delete("/products/{product_id}", summary="Delete a product that has no services")
async def delete_product(
    request: Request,
    product_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("products:delete")],
) -> Response:
    return render(request, wire.product(await catalog.delete_product(session, principal, product_id)))


@router.get("/products/{product_id}/config", summary="The product's provisioning module settings")
async def show_product_config(
    request: Request,
    product_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("products:index")],
) -> Response:
    return render(request, await catalog.product_config(session, principal, product_id))


@router.put("/products/{product_id}/config", summary="Replace the product's provisioning module settings")
async def update_product_config(
    request: Request,
    product_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("products:update")],
    config: Annotated[dict[str, Any], Body(embed=True)],
) -> Response:
    return render(request, await catalog.update_product_config(session, principal, product_id, config))


# Pricings


@router.get("/pricings", summary="List pricings")
async def list_pricings(
    request: Request,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("pricings:index")],
) -> Response:
    page = await catalog.list_pricings(session, principal, list_query(request, runtime, catalog.PRICING_SPEC))
    return render(request, wire.paginated(request, page, wire.pricing))


@router.post("/pricings", status_code=201, summary="Create a product's pricing in one currency")
async def create_pricing(
    request: Request,
    body: PricingCreate,
    session: WriteSession,
    principal: Annotated[Principal, needs("pricings:create")],
) -> Response:
    return render(request, wire.pricing(await catalog.create_pricing(session, principal, body.to_domain())), 201)


@router.get("/pricings/{pricing_id}", summary="Show a pricing")
async def show_pricing(
    request: Request,
    pricing_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("pricings:index")],
) -> Response:
    row = await catalog.get_pricing(session, principal, pricing_id, includes=includes_of(request, catalog.PRICING_SPEC))
    return render(request, wire.pricing(row))


@update_route("/pricings/{pricing_id}", "Update a pricing (partial)")
async def update_pricing(
    request: Request,
    pricing_id: PathId,
    body: PricingUpdate,
    session: WriteSession,
    principal: Annotated[Principal, needs("pricings:update")],
) -> Response:
    return render(request, wire.pricing(await catalog.update_pricing(session, principal, pricing_id, body)))


@router.delete("/pricings/{pricing_id}", summary="Delete a pricing")
async def delete_pricing(
    request: Request,
    pricing_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("pricings:delete")],
) -> Response:
    return render(request, wire.pricing(await catalog.delete_pricing(session, principal, pricing_id)))


# Services


@router.get("/services", summary="List services")
async def list_services(
    request: Request,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("services:index")],
) -> Response:
    query = list_query(request, runtime, services.LIST_SPEC)
    page = await services.list_services(session, principal, query)
    await services.attach_includes(session, principal, page.items, query.includes)
    return render(request, wire.paginated(request, page, wire.service))


@router.get("/services/{service_id}", summary="Show a service")
async def show_service(
    request: Request,
    service_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("services:index")],
) -> Response:
    row = await services.get_service(session, principal, service_id)
    await services.attach_includes(session, principal, [row], includes_of(request, services.LIST_SPEC))
    return render(request, wire.service(row))


@update_route("/services/{service_id}", "Update a service (partial)")
async def update_service(
    request: Request,
    service_id: PathId,
    body: ServiceUpdate,
    session: WriteSession,
    principal: Annotated[Principal, needs("services:update")],
) -> Response:
    return render(request, wire.service(await services.update_service(session, principal, service_id, body)))


@router.delete("/services/{service_id}", summary="Delete a service that no longer runs")
async def delete_service(
    request: Request,
    service_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("services:delete")],
) -> Response:
    return render(request, wire.service(await services.delete_service(session, principal, service_id)))


@router.post("/services/{service_id}/suspend", summary="Suspend a service")
async def suspend_service(
    request: Request,
    service_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("services:suspend")],
    body: SuspendRequest | None = None,
) -> Response:
    service = await services.suspend(session, principal, service_id, reason=body.reason if body else None)
    row = await services.get_service(session, principal, service.id)
    return render(request, wire.action_result(row, f"Service {service.id} suspended", clock.now()))


@router.post("/services/{service_id}/unsuspend", summary="Unsuspend a service")
async def unsuspend_service(
    request: Request,
    service_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("services:unsuspend")],
) -> Response:
    service = await services.unsuspend(session, principal, service_id)
    row = await services.get_service(session, principal, service.id)
    return render(request, wire.action_result(row, f"Service {service.id} unsuspended", clock.now()))


@router.post("/services/{service_id}/expire", summary="Expire a service")
async def expire_service(
    request: Request,
    service_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("services:expire")],
) -> Response:
    service = await services.expire(session, principal, service_id)
    row = await services.get_service(session, principal, service.id)
    return render(request, wire.action_result(row, f"Service {service.id} expired", clock.now()))


# Orders


@router.get("/orders", summary="List orders")
async def list_orders(
    request: Request, runtime: RuntimeDep, session: ReadSession, principal: Annotated[Principal, needs("orders:index")]
) -> Response:
    page = await orders.list_orders(session, principal, list_query(request, runtime, orders.LIST_SPEC))
    return render(request, wire.paginated(request, page, wire.order))


@router.post(
    "/orders", status_code=201, summary="Place an order: invoices it and creates its services (Idempotency-Key)"
)
async def create_order(
    request: Request, body: OrderCreate, session: WriteSession, principal: Annotated[Principal, needs("orders:create")]
) -> Response:
    row = await orders.place_order(session, principal, body)
    return await remember(session, request, render(request, wire.order(row), 201))


@router.get("/orders/{order_id}", summary="Show an order")
async def show_order(
    request: Request, order_id: PathId, session: ReadSession, principal: Annotated[Principal, needs("orders:show")]
) -> Response:
    return render(request, wire.order(await orders.get_order(session, principal, order_id)))


@router.post("/orders/{order_id}/cancel", summary="Cancel an unpaid order, its invoice and its services")
async def cancel_order(
    request: Request, order_id: PathId, session: WriteSession, principal: Annotated[Principal, needs("orders:update")]
) -> Response:
    return render(request, wire.order(await orders.cancel_order(session, principal, order_id)))


@router.delete("/orders/{order_id}", summary="Cancel an unpaid order (as POST /orders/{id}/cancel)")
async def delete_order(
    request: Request, order_id: PathId, session: WriteSession, principal: Annotated[Principal, needs("orders:delete")]
) -> Response:
    return render(request, wire.order(await orders.cancel_order(session, principal, order_id)))


# Invoices


async def _invoice(session: ReadSession | WriteSession, principal: Principal, invoice_id: PathId) -> dict[str, Any]:
    return await billing.get_invoice(session, principal, invoice_id, includes=frozenset({"items", "payments"}))


@router.get("/invoices", summary="List invoices")
async def list_invoices(
    request: Request,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("invoices:index")],
) -> Response:
    query = wire.invoice_query(list_query(request, runtime, billing.LIST_SPEC))
    page = await billing.list_invoices(session, principal, query)
    return render(request, wire.paginated(request, page, wire.invoice))


@router.post("/invoices", status_code=201, summary="Create a manual invoice (or a draft) (Idempotency-Key)")
async def create_invoice(
    request: Request,
    body: InvoiceCreate,
    session: WriteSession,
    principal: Annotated[Principal, needs("invoices:create")],
) -> Response:
    invoice = await billing.create_manual_invoice(session, principal, body)
    return await remember(
        session, request, render(request, wire.invoice(await _invoice(session, principal, invoice.id)), 201)
    )


@router.get("/invoices/{invoice_id}", summary="Show an invoice with its items and payments")
async def show_invoice(
    request: Request, invoice_id: PathId, session: ReadSession, principal: Annotated[Principal, needs("invoices:show")]
) -> Response:
    return render(request, wire.invoice(await _invoice(session, principal, invoice_id)))


@router.get(
    "/invoices/{invoice_id}/pdf",
    summary="The invoice as a PDF",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def invoice_pdf(
    invoice_id: PathId,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("invoices:show")],
) -> Response:
    document, number = await billing.invoice_pdf(session, principal, invoice_id, seller=runtime.settings.seller)
    filename = f"invoice-{(number or f'draft-{invoice_id}').replace('/', '-')}.pdf"
    return Response(
        document, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


@update_route("/invoices/{invoice_id}", "Update a draft invoice (date, due date, notes)")
async def update_invoice(
    request: Request,
    invoice_id: PathId,
    body: InvoiceUpdate,
    session: WriteSession,
    principal: Annotated[Principal, needs("invoices:update")],
) -> Response:
    await billing.update_draft(session, principal, invoice_id, body.model_dump(exclude_unset=True))
    return render(request, wire.invoice(await _invoice(session, principal, invoice_id)))


@router.delete("/invoices/{invoice_id}", summary="Cancel an unpaid or draft invoice")
async def cancel_invoice(
    request: Request,
    invoice_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("invoices:delete")],
) -> Response:
    await billing.cancel_invoice(session, principal, invoice_id)
    return render(request, wire.invoice(await _invoice(session, principal, invoice_id)))


@router.post("/invoices/{invoice_id}/issue", summary="Issue a draft: number it and apply credit")
async def issue_invoice(
    request: Request,
    invoice_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("invoices:update")],
) -> Response:
    await billing.issue_draft(session, principal, invoice_id)
    return render(request, wire.invoice(await _invoice(session, principal, invoice_id)))


@router.post("/invoices/{invoice_id}/pay", summary="Record a payment received (marks the invoice paid when covered)")
async def pay_invoice(
    request: Request,
    invoice_id: PathId,
    body: PaymentIn,
    session: WriteSession,
    principal: Annotated[Principal, needs("invoices:update")],
) -> Response:
    await billing.record_manual_payment(session, principal, invoice_id, body)
    row = await _invoice(session, principal, invoice_id)
    return await remember(session, request, render(request, wire.invoice(row)))


@router.post("/invoices/{invoice_id}/charge", summary="Charge the customer's saved payment method")
async def charge_invoice(
    request: Request, invoice_id: PathId, runtime: RuntimeDep, principal: Annotated[Principal, needs("invoices:update")]
) -> Response:
    await charging.charge_invoice(runtime.db, principal, invoice_id)
    async with runtime.db.reader() as session:
        return render(request, wire.invoice(await _invoice(session, principal, invoice_id)))


@router.post("/invoices/{invoice_id}/refund", summary='Refund a paid invoice: to credit, or {"to": "gateway"}')
async def refund_invoice(
    request: Request,
    invoice_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("invoices:update")],
    body: RefundIn | None = None,
) -> Response:
    await billing.refund_invoice(session, principal, invoice_id, to_gateway=bool(body and body.to == "gateway"))
    return render(request, wire.invoice(await _invoice(session, principal, invoice_id)))


# Credit and saved payment methods of a customer


@router.post("/customers/{customer_id}/credit", summary="Add credit (spent on unpaid invoices first)")
async def add_credit(
    request: Request,
    customer_id: PathId,
    body: CreditIn,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:update")],
) -> Response:
    await billing.add_credit_amount(session, principal, customer_id, body)
    row = await customers.get_customer(session, principal, customer_id)
    return await remember(session, request, render(request, wire.customer(row)))


@router.post("/customers/{customer_id}/payment-methods", status_code=201, summary="Save a payment method")
async def save_payment_method(
    request: Request,
    customer_id: PathId,
    body: PaymentMethodIn,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:update")],
) -> Response:
    method = await billing.save_payment_method(session, principal, customer_id, gateway=body.gateway, token=body.token)
    return render(
        request,
        {
            "id": method.id,
            "customer_id": customer_id,
            "gateway": method.gateway,
            "brand": method.brand,
            "last4": method.last4,
            "is_default": method.is_default,
        },
        201,
    )
