"""Coupons (``coupons:*``), as CLIENTXCMS's CouponController: list with its filters and sorts, create (201, with
products and pricing), show, update (POST, PUT or PATCH), delete; and a coupon's uses."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import coupons
from hostlane.faces.application import schemas, wire
from hostlane.faces.application.inputs import CouponCreate, CouponUpdate
from hostlane.faces.application.routes.kit import Holding, Resource, Row, face_router
from hostlane.identity.principal import Principal

router = face_router()


def _with_pricing(request: Request, includes: frozenset[str]) -> frozenset[str]:
    """A coupon always carries its values (its ``minimum_order_amount`` is read from them)."""
    return includes | {"pricing"}


async def _create(session: AsyncSession, principal: Principal, body: CouponCreate) -> Row:
    return await coupons.create_coupon(session, principal, body.to_domain())


async def _update(session: AsyncSession, principal: Principal, coupon_id: int, body: CouponUpdate) -> Row:
    return await coupons.update_coupon(session, principal, coupon_id, body.to_domain())


COUPONS = Resource(
    router,
    "/coupons",
    one="coupon",
    spec=coupons.LIST_SPEC,
    wire=wire.coupon,
    shape=schemas.Coupon,
    widen_includes=_with_pricing,
)
COUPONS.index(coupons.list_coupons, summary="List coupons")
COUPONS.create(
    CouponCreate,
    _create,
    summary="Create a coupon (with its products and its values per currency; Idempotency-Key)",
    idempotent=True,
)
COUPONS.show_including(coupons.get_coupon, summary="Show a coupon")
COUPONS.update(CouponUpdate, _update, summary="Update a coupon (partial; products and values replace)")
COUPONS.delete(coupons.delete_coupon, summary="Delete a coupon, its values and its uses")

USAGES = Holding(
    router,
    "/coupons/{coupon_id}/usages",
    one="usage",
    permissions="coupons",
    wire=wire.coupon_usage,
    shape=schemas.CouponUsage,
)
USAGES.index(coupons.coupon_usages, summary="A coupon's uses, oldest first", name="list_coupon_usages")
