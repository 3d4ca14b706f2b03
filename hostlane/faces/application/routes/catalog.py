"""The catalogue: product groups, products (and their module settings), pricings, and their stored images.

Groups and products take their bodies as JSON, XML, form fields or multipart form data; with multipart, an
``image`` file is the row's image (``remove_image=true`` drops it). Images are served back, without a key, at
``/storage/{products|groups}/{name}`` (where their ``image`` URL points), as CLIENTXCMS serves ``storage/``.
A product is shown as a page of one (as CLIENTXCMS's product show, which pages its list filtered by the id); a
group and a pricing as the row itself, as CLIENTXCMS's are.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import Body, Request, Response
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.catalog import service as catalog
from hostlane.catalog.errors import GroupHasProducts
from hostlane.core.formats import render, uploaded_files
from hostlane.core.forms import UploadedFile
from hostlane.core.pagination import ListQuery, Page
from hostlane.faces.application import schemas, wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.inputs import (
    GroupCreate,
    GroupUpdate,
    PricingCreate,
    PricingUpdate,
    ProductCreate,
    ProductUpdate,
)
from hostlane.faces.application.routes.kit import Resource, Row, face_router, update_route
from hostlane.faces.common import PathId, ReadSession, WriteSession
from hostlane.faces.face import success_responses
from hostlane.identity.principal import Principal

router = face_router()

# An image sent as a file of a multipart body, as the OpenAPI document shows it beside the JSON body.
_WITH_IMAGE = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "image": {"type": "string", "format": "binary"},
                        "remove_image": {"type": "string", "enum": ["true", "false"]},
                    },
                    "additionalProperties": True,
                }
            }
        }
    }
}


def _image(request: Request, body: GroupCreate | GroupUpdate | ProductCreate | ProductUpdate) -> UploadedFile | None:
    """The request's ``image`` file; a text ``image`` field is refused."""
    refused = body.image_refused()
    if refused is not None:
        raise refused
    return uploaded_files(request).get("image")


# Groups


def _group_includes(principal: Principal, includes: frozenset[str]) -> frozenset[str]:
    """A group carries its products, as in CLIENTXCMS, when the key may read products (an include reads only
    what its resource's own route would show the key)."""
    if principal.can("products:index") or principal.can("products:show"):
        return includes | {"products"}
    return includes


async def _list_groups(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    includes = _group_includes(principal, query.includes)
    return await catalog.list_groups(session, principal, dataclasses.replace(query, includes=includes))


async def _get_group(
    session: AsyncSession, principal: Principal, group_id: int, *, includes: frozenset[str]
) -> dict[str, Any]:
    return await catalog.get_group(session, principal, group_id, includes=_group_includes(principal, includes))


GROUPS = Resource(
    router,
    "/groups",
    one="group",
    spec=catalog.GROUP_SPEC,
    wire=wire.group,
    shape=schemas.Group,
    envelope=wire.flat_paginated,
)
GROUPS.index(_list_groups, summary="List product groups (each with its subgroups and products)")


@router.post(
    "/groups",
    status_code=201,
    summary="Create a product group",
    name="create_group",
    openapi_extra=_WITH_IMAGE,
    responses=GROUPS.answers(status=201),
)
async def create_group(
    request: Request,
    body: GroupCreate,
    session: WriteSession,
    principal: Annotated[Principal, needs("groups:create")],
) -> Response:
    image = _image(request, body)
    includes = _group_includes(principal, frozenset())
    row = await catalog.create_group(session, principal, body.to_domain(), image=image, includes=includes)
    return render(request, wire.group(row), 201)


GROUPS.show_including(_get_group, summary="Show a product group")


@update_route(
    "/groups/{group_id}",
    "Update a product group (partial)",
    on=router,
    name="update_group",
    responses=GROUPS.answers(),
)
async def update_group(
    request: Request,
    group_id: PathId,
    body: GroupUpdate,
    session: WriteSession,
    principal: Annotated[Principal, needs("groups:update")],
) -> Response:
    image = _image(request, body)
    row = await catalog.update_group(
        session,
        principal,
        group_id,
        body.to_domain(),
        image=image,
        remove_image=body.remove_image,
        includes=_group_includes(principal, frozenset()),
    )
    return render(request, wire.group(row))


@router.delete(
    "/groups/{group_id}",
    summary="Delete a product group without products",
    name="delete_group",
    responses=GROUPS.answers(),
)
async def delete_group(
    request: Request,
    group_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("groups:delete")],
) -> Response:
    try:
        row = await catalog.delete_group(session, principal, group_id, includes=_group_includes(principal, frozenset()))
    except GroupHasProducts as refused:
        # CLIENTXCMS refuses with 400 and ``{"error": …}``; ``message`` too, as every other refusal of the face.
        return render(request, {"error": refused.message, "message": refused.message}, 400)
    return render(request, wire.group(row))


def _document_image(name: str) -> None:
    """Show the multipart body (with its ``image`` file) of the routes named ``name`` in the OpenAPI document."""
    for route in router.routes:
        if isinstance(route, APIRoute) and route.name == name:
            route.openapi_extra = _WITH_IMAGE


_document_image("update_group")


# Products


def _pricing_flag(request: Request, includes: frozenset[str]) -> frozenset[str]:
    """``?pricing=1`` (as the document says) is ``include=pricing``."""
    if request.query_params.get("pricing") in ("1", "true"):
        return includes | {"pricing"}
    return includes


PRODUCTS = Resource(
    router,
    "/products",
    one="product",
    spec=catalog.PRODUCT_SPEC,
    wire=wire.product,
    shape=schemas.Product,
    widen_includes=_pricing_flag,
    envelope=wire.flat_paginated,
)
PRODUCTS.index(catalog.list_products, summary="List products (?pricing=1 embeds their prices)")


@router.post(
    "/products",
    status_code=201,
    summary="Create a product",
    name="create_product",
    openapi_extra=_WITH_IMAGE,
    responses=PRODUCTS.answers(status=201),
)
async def create_product(
    request: Request,
    body: ProductCreate,
    session: WriteSession,
    principal: Annotated[Principal, needs("products:create")],
) -> Response:
    image = _image(request, body)
    row = await catalog.create_product(session, principal, body.to_domain(), image=image)
    return render(request, wire.product(row), 201)


PRODUCTS.show_including(
    catalog.get_product, summary="Show a product as a page of one (?pricing=1 embeds its prices)", as_page=True
)


@update_route(
    "/products/{product_id}",
    "Update a product (partial)",
    on=router,
    name="update_product",
    responses=PRODUCTS.answers(),
)
async def update_product(
    request: Request,
    product_id: PathId,
    body: ProductUpdate,
    session: WriteSession,
    principal: Annotated[Principal, needs("products:update")],
) -> Response:
    image = _image(request, body)
    row = await catalog.update_product(
        session, principal, product_id, body.to_domain(), image=image, remove_image=body.remove_image
    )
    return render(request, wire.product(row))


_document_image("update_product")

PRODUCTS.delete(catalog.delete_product, summary="Delete a product that has no services")


@router.get(
    "/products/{product_id}/config",
    summary="The product's provisioning module settings",
    responses=success_responses(schemas.ProductConfig),
)
async def show_product_config(
    request: Request,
    product_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("products:index")],
) -> Response:
    return render(request, await catalog.product_config(session, principal, product_id))


@router.put(
    "/products/{product_id}/config",
    summary="Replace the product's provisioning module settings",
    responses=success_responses(schemas.ProductConfig),
)
async def update_product_config(
    request: Request,
    product_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("products:update")],
    config: Annotated[dict[str, Any], Body(embed=True)],
) -> Response:
    return render(request, await catalog.update_product_config(session, principal, product_id, config))


# Pricings


async def _create_pricing(session: AsyncSession, principal: Principal, body: PricingCreate) -> Row:
    return await catalog.create_pricing(session, principal, body.to_domain())


async def _update_pricing(session: AsyncSession, principal: Principal, pricing_id: int, body: PricingUpdate) -> Row:
    return await catalog.update_pricing(session, principal, pricing_id, body.to_domain())


PRICINGS = Resource(
    router,
    "/pricings",
    one="pricing",
    spec=catalog.PRICING_SPEC,
    wire=wire.pricing,
    shape=schemas.Pricing,
    envelope=wire.flat_paginated,
)
PRICINGS.index(catalog.list_pricings, summary="List pricings")
PRICINGS.create(PricingCreate, _create_pricing, summary="Create a pricing of a product in one currency")
PRICINGS.show_including(catalog.get_pricing, summary="Show a pricing")
PRICINGS.update(PricingUpdate, _update_pricing, summary="Update a pricing (partial)")
PRICINGS.delete(catalog.delete_pricing, summary="Delete a pricing")


# Stored images


@router.get(
    "/storage/{folder}/{name}",
    summary="A product's or group's image (public, as CLIENTXCMS's storage/)",
    response_class=Response,
    responses={200: {"content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def stored_image(folder: str, name: str) -> Response:
    found, content_type = catalog.image_file(folder, name)
    headers = {"Cache-Control": "public, max-age=31536000, immutable"}  # a key names one content forever
    if content_type == "image/svg+xml":
        # An SVG opened on its own runs nothing: no script, no fetch, sandboxed (styles only).
        headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return FileResponse(found, media_type=content_type, headers=headers)
