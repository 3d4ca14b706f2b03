"""The admin panel's catalogue: product groups, the products of each group, and each product's prices (per currency,
each cycle's amount and setup fee). Every page calls the catalogue service, which checks and saves; a refused form
is shown again with each problem next to its field, nothing saved."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from hostlane.catalog import service as catalog
from hostlane.catalog.schemas import (
    PRICE_FIELDS,
    GroupCreate,
    GroupUpdate,
    PricingCreate,
    PricingUpdate,
    ProductCreate,
    ProductUpdate,
)
from hostlane.core.errors import ValidationFailed
from hostlane.core.money import format_amount
from hostlane.core.pagination import ListQuery
from hostlane.drivers import provisioning
from hostlane.faces.common import PathId, get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.admin.forms import by_value, errors_of
from hostlane.faces.web.auth import AdminViewer, Viewer
from hostlane.faces.web.kit import ADMIN, N_, _
from hostlane.models import CatalogStatus

router = APIRouter(prefix=ADMIN.prefix, include_in_schema=False)
PER_PAGE = 25
# Every group, for a product's "group" and a group's "parent" choices (a catalogue has far fewer).
ALL_GROUPS = 500

kit.notice("group_created", lambda: _("The product group was created."))
kit.notice("group_saved", lambda: _("The product group was saved."))
kit.notice("product_created", lambda: _("The product was created."))
kit.notice("product_saved", lambda: _("The product was saved."))
kit.notice("pricing_created", lambda: _("The price was created."))
kit.notice("pricing_saved", lambda: _("The price was saved."))

STATUS_LABELS = {
    CatalogStatus.ACTIVE: N_("Active"),
    CatalogStatus.HIDDEN: N_("Hidden"),
    CatalogStatus.UNREFERENCED: N_("Unreferenced"),
}
CYCLE_LABELS = {
    "onetime": N_("One time"),
    "monthly": N_("Monthly"),
    "quarterly": N_("Quarterly"),
    "semiannually": N_("Every six months"),
    "annually": N_("Annually"),
    "biennially": N_("Every two years"),
    "triennially": N_("Every three years"),
}
# The catalogue service's own words for a refused field, in the reader's language.
DOMAIN_MESSAGES = {
    "The slug has already been taken.": N_("This slug is already used by another group."),
    "The selected group_id is invalid.": N_("Choose an existing group."),
    "The selected parent_id is invalid.": N_("Choose an existing group."),
    "A group cannot be its own parent.": N_("A group cannot be its own parent."),
    "The parent would make a cycle of groups.": N_("This parent would make a cycle of groups."),
    "The selected product_id is invalid.": N_("Choose an existing product."),
}


# ---------------------------------------------------------------------------------------------------------------
# Forms: what was typed, checked by the catalogue's own schemas


Model = TypeVar("Model", bound=BaseModel)


def _problem(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    limit = (error.get("ctx") or {}).get("ge")
    if kind in ("missing", "string_too_short"):
        return _("This field is required.")
    if kind == "greater_than_equal" and limit is not None:
        return _("Must be %(limit)s or more.") % {"limit": limit} if str(limit) != "0" else _("Must not be negative.")
    if kind in ("less_than_equal", "string_too_long", "too_long"):
        return _("Too large.")
    if kind in ("decimal_max_places", "decimal_max_digits", "decimal_whole_digits"):
        return _("At most two decimals.")
    if kind in ("decimal_parsing", "decimal_type", "int_parsing", "int_type", "int_from_float", "finite_number"):
        return _("Must be a number.")
    if kind == "enum":
        return _("Choose one of the options.")
    if error.get("input") == "":
        return _("This field is required.")
    if kind == "string_pattern_mismatch" and error["loc"] and error["loc"][0] == "slug":
        return _("Only lowercase letters, digits and dashes.")
    return _("This value is not valid.")


def checked(model: type[Model], data: Mapping[str, Any]) -> Model:
    """``data`` as ``model``, or a ``FormError`` with each refused field's problem in the reader's language."""
    try:
        return model.model_validate(data)
    except ValidationError as failure:
        errors: dict[str, list[str]] = {}
        for error in failure.errors():
            name = str(error["loc"][0]) if error["loc"] else "form"
            errors.setdefault(name, []).append(_problem(error))
        raise kit.FormError(errors, _("Some fields need your attention.")) from None


def refused(failure: kit.FormError | ValidationFailed) -> dict[str, list[str]]:
    """A refused form's problems by field: a service's in the reader's language where they are known."""
    return errors_of(failure, DOMAIN_MESSAGES)


def _text_or_none(fields: Mapping[str, str], *names: str) -> dict[str, str | None]:
    return {name: fields.get(name) or None for name in names if name in fields}


def _group_data(fields: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": fields.get("name", ""),
        "slug": fields.get("slug") or None,
        "description": fields.get("description", ""),
        "status": fields.get("status") or CatalogStatus.ACTIVE.value,
        "sort_order": fields.get("sort_order") or 0,
        "parent_id": fields.get("parent_id") or None,
    }
    return data


def _product_data(fields: Mapping[str, str]) -> dict[str, Any]:
    return {
        "name": fields.get("name", ""),
        "group_id": fields.get("group_id") or None,
        "description": fields.get("description", ""),
        "status": fields.get("status") or CatalogStatus.ACTIVE.value,
        "stock": fields.get("stock") or -1,
        "sort_order": fields.get("sort_order") or 0,
        "type": fields.get("type") or "none",
    }


def _pricing_data(fields: Mapping[str, str]) -> dict[str, Any]:
    names = [*PRICE_FIELDS, *(f"setup_{cycle}" for cycle in PRICE_FIELDS)]
    return {"currency": fields.get("currency", ""), **_text_or_none(fields, *names)}


# ---------------------------------------------------------------------------------------------------------------
# What the forms offer


async def _group_choices(request: Request, viewer: Viewer, *, without: int | None = None) -> list[tuple[str, str]]:
    async with get_runtime(request).db.reader() as session:
        page = await catalog.list_groups(
            session, viewer.principal, ListQuery(per_page=ALL_GROUPS, sort=[("name", False)])
        )
    return [(str(row["id"]), row["name"]) for row in page.items if row["id"] != without]


def _status_choices() -> list[tuple[str, str]]:
    return [(status.value, _(label)) for status, label in STATUS_LABELS.items()]


def _module_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(provisioning.modules())]


def _currency_choices(request: Request) -> list[tuple[str, str]]:
    return [(code, code) for code in get_runtime(request).settings.currencies]


def _context() -> dict[str, Any]:
    return {"status_labels": by_value(STATUS_LABELS), "cycles": CYCLE_LABELS}


# ---------------------------------------------------------------------------------------------------------------
# Groups


@router.get("/catalog")
async def groups(request: Request, viewer: AdminViewer, page: int = 1) -> Response:
    viewer.principal.require("products:index")
    async with get_runtime(request).db.reader() as session:
        shown = await catalog.list_groups(
            session, viewer.principal, ListQuery(page=max(page, 1), per_page=PER_PAGE, sort=[("sort_order", False)])
        )
    return kit.page(request, ADMIN, "admin/catalog_groups.html", viewer=viewer, groups=shown, **_context())


async def _group_form(
    request: Request, viewer: Viewer, *, group: dict[str, Any] | None, status: int = 200, **context: Any
) -> Response:
    choices = [("", _("None (top level)"))] + await _group_choices(
        request, viewer, without=group["id"] if group else None
    )
    return kit.page(
        request,
        ADMIN,
        "admin/catalog_group_form.html",
        viewer=viewer,
        status=status,
        group=group,
        parents=choices,
        statuses=_status_choices(),
        **context,
    )


@router.get("/catalog/groups/new")
async def new_group(request: Request, viewer: AdminViewer) -> Response:
    viewer.principal.require("groups:create")
    return await _group_form(request, viewer, group=None)


@router.post("/catalog/groups/new")
async def create_group(request: Request, viewer: AdminViewer) -> Response:
    fields = await kit.form_fields(request, ADMIN)
    viewer.principal.require("groups:create")
    try:
        data = checked(GroupCreate, _group_data(fields))
        async with get_runtime(request).db.transaction() as session:
            group = await catalog.create_group(session, viewer.principal, data)
    except (kit.FormError, ValidationFailed) as failure:
        return await _group_form(request, viewer, group=None, status=422, errors=refused(failure), values=fields)
    return kit.redirect(f"/admin/catalog/groups/{group['id']}", notice_key="group_created")


@router.get("/catalog/groups/{group_id}")
async def group(request: Request, viewer: AdminViewer, group_id: PathId, page: int = 1) -> Response:
    viewer.principal.require("products:index")
    async with get_runtime(request).db.reader() as session:
        shown = await catalog.get_group(session, viewer.principal, group_id)
        products = await catalog.list_products(
            session,
            viewer.principal,
            ListQuery(
                page=max(page, 1), per_page=PER_PAGE, filters={"group_id": str(group_id)}, sort=[("name", False)]
            ),
        )
    return kit.page(
        request, ADMIN, "admin/catalog_group.html", viewer=viewer, group=shown, products=products, **_context()
    )


@router.get("/catalog/groups/{group_id}/edit")
async def edit_group(request: Request, viewer: AdminViewer, group_id: PathId) -> Response:
    viewer.principal.require("groups:update")
    async with get_runtime(request).db.reader() as session:
        shown = await catalog.get_group(session, viewer.principal, group_id)
    values = {
        key: "" if shown[key] is None else str(shown[key]) for key in ("name", "slug", "description", "sort_order")
    }
    values |= {"status": str(shown["status"]), "parent_id": str(shown["parent_id"] or "")}
    return await _group_form(request, viewer, group=shown, values=values)


@router.post("/catalog/groups/{group_id}/edit")
async def update_group(request: Request, viewer: AdminViewer, group_id: PathId) -> Response:
    fields = await kit.form_fields(request, ADMIN)
    viewer.principal.require("groups:update")
    runtime = get_runtime(request)
    try:
        data = _group_data(fields)
        if not data["slug"]:
            data.pop("slug")  # a blank slug keeps the group's
        changes = checked(GroupUpdate, data)
        async with runtime.db.transaction() as session:
            await catalog.update_group(session, viewer.principal, group_id, changes)
    except (kit.FormError, ValidationFailed) as failure:
        async with runtime.db.reader() as session:
            shown = await catalog.get_group(session, viewer.principal, group_id)
        return await _group_form(request, viewer, group=shown, status=422, errors=refused(failure), values=fields)
    return kit.redirect(f"/admin/catalog/groups/{group_id}", notice_key="group_saved")


# ---------------------------------------------------------------------------------------------------------------
# Products


async def _product_form(
    request: Request, viewer: Viewer, *, product: dict[str, Any] | None, status: int = 200, **context: Any
) -> Response:
    return kit.page(
        request,
        ADMIN,
        "admin/catalog_product_form.html",
        viewer=viewer,
        status=status,
        product=product,
        groups=await _group_choices(request, viewer),
        statuses=_status_choices(),
        modules=_module_choices(),
        **context,
    )


@router.get("/catalog/products/new")
async def new_product(request: Request, viewer: AdminViewer, group: int | None = None) -> Response:
    viewer.principal.require("products:create")
    values = {"group_id": str(group)} if group else {}
    return await _product_form(request, viewer, product=None, values=values | {"stock": "-1"})


@router.post("/catalog/products/new")
async def create_product(request: Request, viewer: AdminViewer) -> Response:
    fields = await kit.form_fields(request, ADMIN)
    viewer.principal.require("products:create")
    try:
        data = checked(ProductCreate, _product_data(fields))
        async with get_runtime(request).db.transaction() as session:
            product = await catalog.create_product(session, viewer.principal, data)
    except (kit.FormError, ValidationFailed) as failure:
        return await _product_form(request, viewer, product=None, status=422, errors=refused(failure), values=fields)
    return kit.redirect(f"/admin/catalog/products/{product['id']}", notice_key="product_created")


@router.get("/catalog/products/{product_id}")
async def product(request: Request, viewer: AdminViewer, product_id: PathId) -> Response:
    viewer.principal.require("products:index")
    async with get_runtime(request).db.reader() as session:
        shown = await catalog.get_product(session, viewer.principal, product_id, includes=frozenset({"group"}))
        pricings = (
            await catalog.list_pricings(
                session, viewer.principal, ListQuery(per_page=100, filters={"product_id": str(product_id)})
            )
            if viewer.can("pricings:index")
            else None
        )
    return kit.page(
        request,
        ADMIN,
        "admin/catalog_product.html",
        viewer=viewer,
        product=shown,
        pricings=pricings,
        price_fields=PRICE_FIELDS,
        **_context(),
    )


@router.get("/catalog/products/{product_id}/edit")
async def edit_product(request: Request, viewer: AdminViewer, product_id: PathId) -> Response:
    viewer.principal.require("products:update")
    async with get_runtime(request).db.reader() as session:
        shown = await catalog.get_product(session, viewer.principal, product_id)
    keys = ("name", "description", "group_id", "stock", "sort_order", "type")
    values = {key: "" if shown[key] is None else str(shown[key]) for key in keys}
    values["status"] = str(shown["status"])
    return await _product_form(request, viewer, product=shown, values=values)


@router.post("/catalog/products/{product_id}/edit")
async def update_product(request: Request, viewer: AdminViewer, product_id: PathId) -> Response:
    fields = await kit.form_fields(request, ADMIN)
    viewer.principal.require("products:update")
    runtime = get_runtime(request)
    try:
        changes = checked(ProductUpdate, _product_data(fields))
        if changes.name is None or changes.group_id is None:
            checked(ProductCreate, _product_data(fields))  # names the blank required field
        async with runtime.db.transaction() as session:
            await catalog.update_product(session, viewer.principal, product_id, changes)
    except (kit.FormError, ValidationFailed) as failure:
        async with runtime.db.reader() as session:
            shown = await catalog.get_product(session, viewer.principal, product_id)
        return await _product_form(request, viewer, product=shown, status=422, errors=refused(failure), values=fields)
    return kit.redirect(f"/admin/catalog/products/{product_id}", notice_key="product_saved")


# ---------------------------------------------------------------------------------------------------------------
# Prices


def _pricing_form(
    request: Request, viewer: Viewer, *, product: dict[str, Any], pricing: dict[str, Any] | None, status: int = 200,
    **context: Any,
) -> Response:  # fmt: skip
    return kit.page(
        request,
        ADMIN,
        "admin/catalog_pricing_form.html",
        viewer=viewer,
        status=status,
        product=product,
        pricing=pricing,
        currencies=_currency_choices(request),
        price_fields=PRICE_FIELDS,
        **_context(),
        **context,
    )


def _pricing_values(pricing: Mapping[str, Any]) -> dict[str, str]:
    values = {"currency": str(pricing["currency"])}
    for cycle in PRICE_FIELDS:
        for name in (cycle, f"setup_{cycle}"):
            amount = pricing.get(name)
            values[name] = "" if amount is None else format_amount(int(amount), pricing["currency"])
    return values


@router.get("/catalog/products/{product_id}/pricing/new")
async def new_pricing(request: Request, viewer: AdminViewer, product_id: PathId) -> Response:
    viewer.principal.require("pricings:create")
    async with get_runtime(request).db.reader() as session:
        shown = await catalog.get_product(session, viewer.principal, product_id)
    return _pricing_form(request, viewer, product=shown, pricing=None)


@router.post("/catalog/products/{product_id}/pricing/new")
async def create_pricing(request: Request, viewer: AdminViewer, product_id: PathId) -> Response:
    fields = await kit.form_fields(request, ADMIN)
    viewer.principal.require("pricings:create")
    runtime = get_runtime(request)
    try:
        data = checked(PricingCreate, {**_pricing_data(fields), "product_id": product_id})
        async with runtime.db.transaction() as session:
            await catalog.create_pricing(session, viewer.principal, data)
    except (kit.FormError, ValidationFailed) as failure:
        async with runtime.db.reader() as session:
            shown = await catalog.get_product(session, viewer.principal, product_id)
        return _pricing_form(
            request, viewer, product=shown, pricing=None, status=422, errors=refused(failure), values=fields
        )
    return kit.redirect(f"/admin/catalog/products/{product_id}", notice_key="pricing_created")


@router.get("/catalog/pricing/{pricing_id}/edit")
async def edit_pricing(request: Request, viewer: AdminViewer, pricing_id: PathId) -> Response:
    viewer.principal.require("pricings:update")
    async with get_runtime(request).db.reader() as session:
        pricing = await catalog.get_pricing(session, viewer.principal, pricing_id)
        shown = await catalog.get_product(session, viewer.principal, pricing["product_id"])
    return _pricing_form(request, viewer, product=shown, pricing=pricing, values=_pricing_values(pricing))


@router.post("/catalog/pricing/{pricing_id}/edit")
async def update_pricing(request: Request, viewer: AdminViewer, pricing_id: PathId) -> Response:
    fields = await kit.form_fields(request, ADMIN)
    viewer.principal.require("pricings:update")
    runtime = get_runtime(request)
    async with runtime.db.reader() as session:
        pricing = await catalog.get_pricing(session, viewer.principal, pricing_id)
    try:
        # Every cycle is sent: a blank one is no longer offered.
        data = _pricing_data(fields)
        for cycle in PRICE_FIELDS:
            for name in (cycle, f"setup_{cycle}"):
                data.setdefault(name, None)
        changes = checked(PricingUpdate, data)
        async with runtime.db.transaction() as session:
            await catalog.update_pricing(session, viewer.principal, pricing_id, changes)
    except (kit.FormError, ValidationFailed) as failure:
        async with runtime.db.reader() as session:
            shown = await catalog.get_product(session, viewer.principal, pricing["product_id"])
        return _pricing_form(
            request, viewer, product=shown, pricing=pricing, status=422, errors=refused(failure), values=fields
        )
    return kit.redirect(f"/admin/catalog/products/{pricing['product_id']}", notice_key="pricing_saved")
