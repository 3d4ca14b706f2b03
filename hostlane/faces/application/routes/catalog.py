"""The catalogue: product groups, products (and their module settings), pricings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.catalog import service as catalog
from hostlane.catalog.schemas import (
    GroupCreate,
    GroupUpdate,
    PricingUpdate,
    ProductCreate,
    ProductUpdate,
)
from hostlane.core.formats import render
from hostlane.faces.application import wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.inputs import PricingCreate
from hostlane.faces.application.routes.kit import Resource, Row, face_router
from hostlane.faces.common import PathId, ReadSession, WriteSession
from hostlane.identity.principal import Principal

router = face_router()

GROUPS = Resource(router, "/groups", one="group", spec=catalog.GROUP_SPEC, wire=wire.group)
GROUPS.index(catalog.list_groups, summary="List product groups")
GROUPS.create(GroupCreate, catalog.create_group, summary="Create a product group")
GROUPS.show_including(catalog.get_group, summary="Show a product group")
GROUPS.update(GroupUpdate, catalog.update_group, summary="Update a product group (partial)")
GROUPS.delete(catalog.delete_group, summary="Delete a product group without products")


def _pricing_flag(request: Request, includes: frozenset[str]) -> frozenset[str]:
    """``?pricing=1`` (as the document says) is ``include=pricing``."""
    if request.query_params.get("pricing") in ("1", "true"):
        return includes | {"pricing"}
    return includes


PRODUCTS = Resource(
    router, "/products", one="product", spec=catalog.PRODUCT_SPEC, wire=wire.product, widen_includes=_pricing_flag
)
PRODUCTS.index(catalog.list_products, summary="List products (?pricing=1 embeds their prices)")
PRODUCTS.create(ProductCreate, catalog.create_product, summary="Create a product")
PRODUCTS.show_including(catalog.get_product, summary="Show a product (?pricing=1 embeds its prices)")
PRODUCTS.update(ProductUpdate, catalog.update_product, summary="Update a product (partial)")
PRODUCTS.delete(catalog.delete_product, summary="Delete a product that has no services")


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


async def _create_pricing(session: AsyncSession, principal: Principal, body: PricingCreate) -> Row:
    return await catalog.create_pricing(session, principal, body.to_domain())


PRICINGS = Resource(router, "/pricings", one="pricing", spec=catalog.PRICING_SPEC, wire=wire.pricing)
PRICINGS.index(catalog.list_pricings, summary="List pricings")
PRICINGS.create(PricingCreate, _create_pricing, summary="Create a product's pricing in one currency")
PRICINGS.show_including(catalog.get_pricing, summary="Show a pricing")
PRICINGS.update(PricingUpdate, catalog.update_pricing, summary="Update a pricing (partial)")
PRICINGS.delete(catalog.delete_pricing, summary="Delete a pricing")
