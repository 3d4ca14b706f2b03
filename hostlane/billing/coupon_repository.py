"""All SQL of coupons: the coupon list (scoped by mode), its values, products and uses, the lock and the counter
that make a use count once, and the recurring coupons renewals read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing.errors import CouponNotFound
from hostlane.core.pagination import ListSpec, Match
from hostlane.core.repository import Caller, Row, Scoped, children
from hostlane.models import (
    Coupon,
    CouponProduct,
    CouponUsage,
    CouponValue,
    Invoice,
    InvoiceStatus,
    ServiceCoupon,
)

COUPONS = cast(sa.Table, Coupon.__table__)
VALUES = cast(sa.Table, CouponValue.__table__)
PRODUCTS = cast(sa.Table, CouponProduct.__table__)
USAGES = cast(sa.Table, CouponUsage.__table__)
SERVICE_COUPONS = cast(sa.Table, ServiceCoupon.__table__)

# CLIENTXCMS's coupon list: its filters and sorts (``usages`` is the counter of uses).
LIST_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "code": Match.PARTIAL,
        "type": Match.EXACT,
        "is_global": Match.BOOLEAN,
        "customer_id": Match.INTEGER,
        "created_at": Match.TIME,
        "updated_at": Match.TIME,
    },
    sorts=frozenset(
        {"id", "code", "type", "start_at", "end_at", "max_uses", "usages", "is_global", "created_at", "updated_at"}
    ),
    includes=frozenset({"products", "pricing", "usages", "customer"}),
)

COUPON = Scoped(
    Coupon,
    tenant=None,  # staff read coupons; a customer only ever names one by its code
    list_columns={**{column.name: column for column in COUPONS.c}, "usages": COUPONS.c.uses},
    spec=LIST_SPEC,
    missing=CouponNotFound,
)

values_of_coupons = children(VALUES, "coupon_id")
usages_of_coupons = children(USAGES, "coupon_id")


async def product_ids_of(session: AsyncSession, caller: Caller, coupon_ids: Collection[int]) -> dict[int, list[int]]:
    """The product ids of many coupons, by coupon, in one query."""
    found: dict[int, list[int]] = {}
    if not coupon_ids:
        return found
    statement = (
        sa.select(PRODUCTS.c.coupon_id, PRODUCTS.c.product_id)
        .where(PRODUCTS.c.coupon_id.in_(coupon_ids))
        .order_by(PRODUCTS.c.product_id)
    )
    for coupon_id, product_id in (await session.execute(statement)).all():
        found.setdefault(coupon_id, []).append(product_id)
    return found


def _of_code(livemode: bool, code: str) -> sa.Select[Any]:
    return sa.select(Coupon).where(COUPONS.c.livemode.is_(livemode), sa.func.upper(COUPONS.c.code) == code.upper())


async def by_code(session: AsyncSession, livemode: bool, code: str) -> Coupon | None:
    """The coupon of ``code`` (any case) in the mode, unlocked (a quote)."""
    return cast(Coupon | None, await session.scalar(_of_code(livemode, code)))


async def lock_by_code(session: AsyncSession, livemode: bool, code: str) -> Coupon | None:
    """The coupon of ``code`` (any case) in the mode, locked until the transaction ends: two orders naming it
    take turns, and the second sees the first's use."""
    return cast(Coupon | None, await session.scalar(_of_code(livemode, code).with_for_update()))


async def value_in(session: AsyncSession, coupon_id: int, currency: str) -> CouponValue | None:
    statement = sa.select(CouponValue).where(VALUES.c.coupon_id == coupon_id, VALUES.c.currency == currency)
    return cast(CouponValue | None, await session.scalar(statement))


async def values(session: AsyncSession, coupon_id: int) -> list[CouponValue]:
    statement = sa.select(CouponValue).where(VALUES.c.coupon_id == coupon_id)
    return list(await session.scalars(statement))


async def products(session: AsyncSession, coupon_id: int) -> list[int]:
    statement = sa.select(PRODUCTS.c.product_id).where(PRODUCTS.c.coupon_id == coupon_id)
    return list(await session.scalars(statement))


async def replace_products(session: AsyncSession, coupon_id: int, product_ids: Sequence[int]) -> None:
    await session.execute(sa.delete(PRODUCTS).where(PRODUCTS.c.coupon_id == coupon_id))
    if product_ids:
        await session.execute(
            sa.insert(PRODUCTS), [{"coupon_id": coupon_id, "product_id": pid} for pid in dict.fromkeys(product_ids)]
        )


async def uses_by(session: AsyncSession, coupon_id: int, customer_id: int) -> int:
    statement = sa.select(sa.func.count()).where(USAGES.c.coupon_id == coupon_id, USAGES.c.customer_id == customer_id)
    return int(await session.scalar(statement) or 0)


async def has_paid_invoice(session: AsyncSession, customer_id: int) -> bool:
    """Whether the customer ever paid an invoice (CLIENTXCMS's test of a first order)."""
    statement = (
        sa.select(sa.literal(1))
        .where(Invoice.customer_id == customer_id, Invoice.status == InvoiceStatus.PAID)
        .limit(1)
    )
    return await session.scalar(statement) is not None


async def count_use(session: AsyncSession, coupon_id: int) -> bool:
    """Add one to the coupon's uses if it has one left: False when it has none. One statement, under the row's
    lock, so two orders can never both take the last use (the table's CHECK says so too)."""
    statement = (
        sa.update(COUPONS)
        .where(COUPONS.c.id == coupon_id, sa.or_(COUPONS.c.max_uses == 0, COUPONS.c.uses < COUPONS.c.max_uses))
        .values(uses=COUPONS.c.uses + 1)
    )
    result = await session.execute(statement)
    return cast(sa.CursorResult[Any], result).rowcount == 1


async def release_order_uses(session: AsyncSession, order_id: int, service_ids: Collection[int]) -> list[int]:
    """Give back the uses an order made (its coupons locked first, as an order locks them), and forget the
    recurring coupon of its services; the ids of the coupons given back."""
    coupon_ids = list(
        await session.scalars(
            sa.select(COUPONS.c.id)
            .where(COUPONS.c.id.in_(sa.select(USAGES.c.coupon_id).where(USAGES.c.order_id == order_id)))
            .order_by(COUPONS.c.id)
            .with_for_update()
        )
    )
    if coupon_ids:
        await session.execute(sa.delete(USAGES).where(USAGES.c.order_id == order_id))
        await session.execute(
            sa.update(COUPONS).where(COUPONS.c.id.in_(coupon_ids), COUPONS.c.uses > 0).values(uses=COUPONS.c.uses - 1)
        )
    if service_ids:
        await session.execute(sa.delete(SERVICE_COUPONS).where(SERVICE_COUPONS.c.service_id.in_(service_ids)))
    return coupon_ids


async def renewal_coupons(session: AsyncSession, service_ids: Collection[int]) -> list[Row]:
    """The recurring coupon of each of ``service_ids`` that has one, with its values in every currency (one
    query): ``service_id``, ``applies_until``, ``type``, ``code`` and the value row's columns."""
    if not service_ids:
        return []
    statement = (
        sa.select(
            SERVICE_COUPONS.c.service_id,
            SERVICE_COUPONS.c.applies_until,
            COUPONS.c.type,
            COUPONS.c.code,
            *(column for column in VALUES.c if column.name not in ("id", "coupon_id", "created_at", "updated_at")),
        )
        .join(COUPONS, COUPONS.c.id == SERVICE_COUPONS.c.coupon_id)
        .join(VALUES, VALUES.c.coupon_id == COUPONS.c.id)
        .where(SERVICE_COUPONS.c.service_id.in_(service_ids))
    )
    return [dict(row) for row in (await session.execute(statement)).mappings()]


def remember_for_renewals(session: AsyncSession, service_id: int, coupon_id: int, until: dt.date | None) -> None:
    session.add(ServiceCoupon(service_id=service_id, coupon_id=coupon_id, applies_until=until))
