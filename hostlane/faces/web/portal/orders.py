"""The client area's ordering pages: the catalogue (groups, their products and prices per cycle), the choice of a
product and cycle (and a coupon code), a confirmation with the price with tax (less the coupon's discount), and
the order placed: its invoice, to pay."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.catalog import service as catalog
from hostlane.core.errors import ValidationFailed
from hostlane.core.pagination import ListQuery
from hostlane.faces import idempotency
from hostlane.faces.common import PathId, get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.auth import CustomerViewer, Viewer
from hostlane.faces.web.kit import PORTAL, _
from hostlane.faces.web.portal.shared import CYCLE_WORDS, rate_of
from hostlane.models import BillingCycle, InvoiceStatus
from hostlane.orders import service as orders

router = APIRouter(prefix=PORTAL.prefix, include_in_schema=False)
CATALOGUE_SIZE = 500  # a shop's products for sale, on one page

CYCLES = [cycle.value for cycle in BillingCycle]

kit.notice("order_placed", lambda: _("Your order is placed. Pay its invoice to start the service."))
kit.notice("order_paid", lambda: _("Your order is placed and paid from your account credit."))
kit.notice(
    "order_placed_once", lambda: _("This order was already placed: here is its invoice. Nothing was ordered twice.")
)


def offers(product: dict[str, Any], currency: str) -> list[dict[str, Any]]:
    """The cycles a product is sold for in the currency, each with its price and setup fee (the catalogue's
    ``price_for``, the one an order charges)."""
    shown = []
    for cycle in CYCLES:
        pricing = catalog.price_for(product.get("pricing") or [], currency, cycle)
        if pricing is not None:
            shown.append({"cycle": cycle, "price_minor": pricing[cycle], "setup_minor": pricing[f"setup_{cycle}"] or 0})
    return shown


@router.get("/order")
async def catalogue(request: Request, viewer: CustomerViewer) -> Response:
    runtime = get_runtime(request)
    query = ListQuery(
        per_page=CATALOGUE_SIZE,
        filters={"status": "active"},
        sort=[("sort_order", False), ("id", False)],
        includes=frozenset({"pricing"}),
    )
    async with runtime.db.reader() as session:
        products = await catalog.list_products(session, viewer.principal, query)
        groups = await catalog.groups_by_id(session, viewer.principal, [row["group_id"] for row in products.items])
    shelves: dict[int, dict[str, Any]] = {}
    for product in products.items:
        prices = offers(product, viewer.currency)
        if not prices:
            continue  # not sold in the customer's currency
        group = groups.get(product["group_id"])
        if group is None or str(group["status"]) != "active":
            continue
        shelf = shelves.setdefault(group["id"], {"group": group, "products": []})
        shelf["products"].append({"product": product, "offers": prices})
    ordered = sorted(shelves.values(), key=lambda shelf: (shelf["group"]["sort_order"], shelf["group"]["id"]))
    return kit.page(request, PORTAL, "portal/order.html", viewer=viewer, shelves=ordered, cycle_words=CYCLE_WORDS)


async def _product_page(
    request: Request,
    viewer: Viewer,
    product_id: int,
    *,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    runtime = get_runtime(request)
    async with runtime.db.reader() as session:
        product = await catalog.get_product(session, viewer.principal, product_id, includes=frozenset({"pricing"}))
    return kit.page(
        request,
        PORTAL,
        "portal/order_product.html",
        status=status,
        viewer=viewer,
        product=product,
        offers=offers(product, viewer.currency),
        cycle_words=CYCLE_WORDS,
        errors=errors or {},
        values=values or {},
    )


def _cycle(raw: str | None) -> BillingCycle:
    if not raw:
        raise kit.FormError.field("cycle", _("Choose a billing cycle."))
    try:
        return BillingCycle(raw)
    except ValueError:
        raise kit.FormError.field("cycle", _("Choose a billing cycle.")) from None


def _field_errors(failure: ValidationFailed) -> dict[str, list[str]]:
    """The domain's refusal on the form's fields: a coupon's on ``coupon``, the rest on ``cycle``."""
    found: dict[str, list[str]] = {}
    for name, texts in (failure.fields or {}).items():
        found.setdefault("coupon" if name == "coupon" else "cycle", []).extend(kit.gettext(text) for text in texts)
    return found


@router.get("/order/{product_id}")
async def choose(request: Request, viewer: CustomerViewer, product_id: PathId) -> Response:
    return await _product_page(request, viewer, product_id, values=dict(request.query_params))


@router.get("/order/{product_id}/confirm")
async def confirm(request: Request, viewer: CustomerViewer, product_id: PathId) -> Response:
    """The price with tax of the chosen cycle (a GET: nothing changes until the order is placed)."""
    wanted = dict(request.query_params)
    runtime = get_runtime(request)
    try:
        cycle = _cycle(wanted.get("cycle"))
        async with runtime.db.reader() as session:
            quote = await orders.quote_product(
                session, viewer.principal, product_id, cycle=cycle, coupon=wanted.get("coupon")
            )
    except kit.FormError as failure:
        return await _product_page(request, viewer, product_id, status=422, errors=failure.errors, values=wanted)
    except ValidationFailed as failure:
        errors = _field_errors(failure)
        return await _product_page(request, viewer, product_id, status=422, errors=errors, values=wanted)
    return kit.page(
        request,
        PORTAL,
        "portal/order_confirm.html",
        viewer=viewer,
        quote=quote,
        cycle_words=CYCLE_WORDS,
        rate_of=rate_of,
        form_key=secrets.token_urlsafe(24),  # one use: a second submission goes where the first led
    )


@router.post("/order/{product_id}")
async def place(request: Request, viewer: CustomerViewer, product_id: PathId) -> Response:
    fields = await kit.form_fields(request, PORTAL)
    runtime = get_runtime(request)
    claim = None
    if fields.get("form_key"):
        claimed = await idempotency.claim_form(runtime.db, viewer.principal, request, fields["form_key"])
        if isinstance(claimed, str):  # sent twice: the first submission placed the order
            return kit.redirect(claimed, notice_key="order_placed_once")
        claim = claimed
    try:
        cycle = _cycle(fields.get("cycle"))
        async with runtime.db.transaction() as session:
            placed = await orders.order_product(
                session, viewer.principal, product_id, cycle=cycle, options={}, coupon=fields.get("coupon")
            )
            location = f"/portal/invoices/{placed.invoice['id']}"
            if claim is not None:
                await idempotency.settle_form(session, claim, location)
    except (kit.FormError, ValidationFailed) as failure:
        if claim is not None:
            await idempotency.release_form(runtime.db, claim)
        errors = failure.errors if isinstance(failure, kit.FormError) else _field_errors(failure)
        return await _product_page(request, viewer, product_id, status=422, errors=errors, values=fields)
    except BaseException:
        if claim is not None:
            await idempotency.release_form(runtime.db, claim)
        raise
    paid = str(placed.invoice["status"]) == InvoiceStatus.PAID.value  # the account credit covered it
    return kit.redirect(location, notice_key="order_paid" if paid else "order_placed")
