"""Coupons at order time (``billing.coupons.redeem`` through ``orders.place_order``): each validity rule refuses the
order naming the field, a use is counted exactly once even when two orders race for the last one, and a recurring
coupon's discount rides on the renewals it applies to."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hostlane.billing import coupons
from hostlane.billing import service as billing
from hostlane.billing.coupon_schemas import CouponCreate, CouponValueIn
from hostlane.billing.errors import CouponRefused
from hostlane.billing.renewals import renew_due_services
from hostlane.billing.schemas import PaymentIn
from hostlane.core import clock
from hostlane.identity.principal import Principal
from hostlane.models import (
    BillingCycle,
    Coupon,
    CouponType,
    CouponUsage,
    Invoice,
    InvoiceItem,
    ItemType,
    Order,
    Service,
    ServiceCoupon,
)
from hostlane.orders import service as orders
from hostlane.orders.schemas import OrderCreate, OrderItemIn
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer, make_pricing, make_product

LIVE = Principal.system(livemode=True)


def _id(row: dict[str, Any]) -> int:
    value = row["id"]
    assert isinstance(value, int)
    return value


async def _product(runtime: Runtime) -> int:
    product = await make_product(runtime)
    await make_pricing(runtime, _id(product), monthly="20.00", setup_monthly="10.00", annually="200.00")
    return _id(product)


async def _coupon(runtime: Runtime, code: str, **fields: Any) -> int:
    values = fields.pop("values", [CouponValueIn(currency="EUR", amounts={"monthly": Decimal(10)})])
    data = CouponCreate.model_validate({"code": code, "type": CouponType.PERCENT, "applied_month": 0, **fields})
    data.values = values
    async with runtime.db.transaction() as session:
        return _id(await coupons.create_coupon(session, LIVE, data))


async def _order(
    runtime: Runtime, customer_id: int, product_id: int, code: str | None, *, cycle: BillingCycle = BillingCycle.MONTHLY
) -> dict[str, Any]:
    async with runtime.db.transaction() as session:
        return await orders.place_order(
            session,
            LIVE,
            OrderCreate(
                customer_id=customer_id, items=[OrderItemIn(product_id=product_id, billing=cycle)], coupon=code
            ),
        )


async def _lines(runtime: Runtime, invoice_id: int) -> list[tuple[str, int]]:
    async with runtime.db.reader() as session:
        rows = await session.execute(
            sa.select(InvoiceItem.type, InvoiceItem.linetotal_minor)
            .where(InvoiceItem.invoice_id == invoice_id)
            .order_by(InvoiceItem.id)
        )
        return [(str(kind), int(total)) for kind, total in rows.all()]


async def _count(runtime: Runtime, model: type[Any]) -> int:
    async with runtime.db.reader() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


async def _refusal(runtime: Runtime, customer_id: int, product_id: int, code: str, **kw: Any) -> str:
    orders_before = await _count(runtime, Order)
    with pytest.raises(CouponRefused) as refused:
        await _order(runtime, customer_id, product_id, code, **kw)
    assert list(refused.value.fields) == ["coupon"] and refused.value.status == 422
    assert await _count(runtime, Order) == orders_before  # the whole order is refused, nothing written
    return refused.value.fields["coupon"][0]


async def test_every_validity_rule_refuses_the_order_with_its_reason(runtime: Runtime) -> None:
    product_id = await _product(runtime)
    other_product = await _product(runtime)
    customer = _id(await make_customer(runtime))
    someone_else = _id(await make_customer(runtime))
    now = clock.now()
    await _coupon(runtime, "LATER", start_at=now + dt.timedelta(days=1))
    await _coupon(runtime, "GONE", end_at=now - dt.timedelta(seconds=1))
    await _coupon(runtime, "YOURS", customer_id=someone_else)
    await _coupon(runtime, "OTHERPRODUCT", products=[other_product])
    await _coupon(runtime, "NEEDSBOTH", products_required=[product_id, other_product])
    await _coupon(
        runtime,
        "MINIMUM",
        values=[CouponValueIn(currency="EUR", amounts={"monthly": Decimal(10)}, minimum=Decimal(31))],
    )
    await _coupon(runtime, "DOLLARS", values=[CouponValueIn(currency="USD", amounts={"monthly": Decimal(10)})])
    await _coupon(runtime, "ANNUAL", values=[CouponValueIn(currency="EUR", amounts={"annually": Decimal(10)})])
    await _coupon(runtime, "ONCEEACH", max_uses_per_customer=1)
    await _coupon(runtime, "FIRST", first_order_only=True)
    await _coupon(runtime, "TWICE", max_uses=2)

    expected = {
        "NOSUCH": "The coupon does not exist.",
        "LATER": "The coupon cannot be used yet.",
        "GONE": "The coupon has expired.",
        "YOURS": "The coupon does not exist.",
        "OTHERPRODUCT": "The coupon does not apply to these products.",
        "NEEDSBOTH": "The coupon needs products that are not in the order.",
        "MINIMUM": "The coupon needs an order of at least 31.00 EUR.",
        "DOLLARS": "The coupon cannot be used in EUR.",
        "ANNUAL": "The coupon takes nothing off this order.",
    }
    for code, reason in expected.items():
        assert await _refusal(runtime, customer, product_id, code) == reason, code
    # The same coupons pass where their rule holds.
    assert (await _order(runtime, someone_else, product_id, "YOURS"))["status"] == "pending"
    assert (await _order(runtime, customer, other_product, "OTHERPRODUCT"))["status"] == "pending"
    assert (await _order(runtime, customer, product_id, "ANNUAL", cycle=BillingCycle.ANNUALLY))["status"] == "pending"

    await _order(runtime, customer, product_id, "ONCEEACH")
    assert (
        await _refusal(runtime, customer, product_id, "ONCEEACH")
        == "You have used the coupon as many times as you may."
    )
    await _order(runtime, someone_else, product_id, "ONCEEACH")  # another customer's first use

    await _order(runtime, customer, product_id, "TWICE")
    await _order(runtime, someone_else, product_id, "TWICE")
    assert await _refusal(runtime, customer, product_id, "TWICE") == (
        "The coupon has been used as many times as it may be."
    )

    fresh = _id(await make_customer(runtime))
    first = await _order(runtime, fresh, product_id, "FIRST")
    async with runtime.db.transaction() as session:
        await billing.record_manual_payment(session, LIVE, first["invoice_id"], PaymentIn(transaction_id="wire-1"))
    async with runtime.db.reader() as session:
        paid = await session.scalar(sa.select(Invoice.status).where(Invoice.id == first["invoice_id"]))
    assert str(paid) == "paid"
    assert await _refusal(runtime, fresh, product_id, "FIRST") == "The coupon is for a first order only."


async def test_the_counter_cannot_pass_the_maximum_in_the_database(runtime: Runtime) -> None:
    coupon_id = await _coupon(runtime, "CAPPED", max_uses=1)
    with pytest.raises(IntegrityError):
        async with runtime.db.transaction() as session:
            await session.execute(sa.update(Coupon).where(Coupon.id == coupon_id).values(uses=2))


async def test_a_one_use_coupon_raced_by_two_orders_discounts_one_and_refuses_the_other(runtime: Runtime) -> None:
    """Two real transactions at once: the first holds the coupon's lock while the second is already waiting for
    it (PostgreSQL: ``FOR UPDATE``; SQLite: the writer's lock). The second then sees the use and is refused."""
    product_id = await _product(runtime)
    first_customer = _id(await make_customer(runtime))
    second_customer = _id(await make_customer(runtime))
    coupon_id = await _coupon(runtime, "ONCE", max_uses=1)
    first_holds_the_lock = asyncio.Event()
    second_started = asyncio.Event()

    async def first() -> dict[str, Any]:
        async with runtime.db.transaction() as session:
            placed = await orders.place_order(
                session,
                LIVE,
                OrderCreate(customer_id=first_customer, items=[OrderItemIn(product_id=product_id)], coupon="ONCE"),
            )
            first_holds_the_lock.set()
            await second_started.wait()
            await asyncio.sleep(0.3)  # the second is waiting on the lock now
            return placed

    async def second() -> dict[str, Any] | CouponRefused:
        await first_holds_the_lock.wait()
        second_started.set()
        try:
            async with runtime.db.transaction() as session:
                return await orders.place_order(
                    session,
                    LIVE,
                    OrderCreate(customer_id=second_customer, items=[OrderItemIn(product_id=product_id)], coupon="ONCE"),
                )
        except CouponRefused as refused:
            return refused

    placed, outcome = await asyncio.gather(first(), second())
    assert isinstance(outcome, CouponRefused)
    assert outcome.fields == {"coupon": ["The coupon has been used as many times as it may be."]}
    assert await _lines(runtime, placed["invoice_id"]) == [("service", 2000), ("setup", 1000), ("discount", -200)]
    async with runtime.db.reader() as session:
        uses = await session.scalar(sa.select(Coupon.uses).where(Coupon.id == coupon_id))
        usages = (await session.execute(sa.select(CouponUsage.customer_id, CouponUsage.order_id))).all()
    assert uses == 1 and [tuple(u) for u in usages] == [(first_customer, placed["id"])]
    assert await _count(runtime, Order) == 1


async def test_many_simultaneous_orders_use_a_coupon_exactly_as_often_as_it_allows(runtime: Runtime) -> None:
    product_id = await _product(runtime)
    customers = [_id(await make_customer(runtime)) for _ in range(6)]
    coupon_id = await _coupon(runtime, "THREE", max_uses=3)

    async def attempt(customer_id: int) -> bool:
        try:
            await _order(runtime, customer_id, product_id, "THREE")
        except CouponRefused:
            return False
        return True

    outcomes = await asyncio.gather(*(attempt(customer) for customer in customers))
    assert sorted(outcomes) == [False, False, False, True, True, True]
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(Coupon.uses).where(Coupon.id == coupon_id)) == 3
    assert await _count(runtime, CouponUsage) == 3 and await _count(runtime, Order) == 3


async def _renewals(runtime: Runtime, service_id: int, periods: int) -> list[list[tuple[str, int]]]:
    """Run the daily renewal ``periods`` times, a month apart; each renewal invoice's lines."""
    found: list[list[tuple[str, int]]] = []
    for _ in range(periods):
        async with runtime.db.reader() as session:
            due = await session.scalar(sa.select(Service.next_due_date).where(Service.id == service_id))
        assert due is not None
        await renew_due_services(runtime.db, due)
        async with runtime.db.reader() as session:
            invoice_id = await session.scalar(
                sa.select(InvoiceItem.invoice_id)
                .where(InvoiceItem.service_id == service_id, InvoiceItem.type == ItemType.SERVICE)
                .where(InvoiceItem.period_start == due)
            )
        assert invoice_id is not None
        found.append(await _lines(runtime, invoice_id))
    return found


@pytest.mark.parametrize(
    ("applied_month", "discounted"),
    [(0, [False, False, False]), (2, [True, False, False]), (-1, [True, True, True])],
)
async def test_a_recurring_coupon_discounts_the_renewals_of_its_months(
    runtime: Runtime, applied_month: int, discounted: list[bool]
) -> None:
    product_id = await _product(runtime)
    customer = _id(await make_customer(runtime))
    await _coupon(
        runtime,
        f"RECUR{applied_month + 1}",
        applied_month=applied_month,
        values=[CouponValueIn(currency="EUR", amounts={"monthly": Decimal("12.5")})],
    )
    placed = await _order(runtime, customer, product_id, f"RECUR{applied_month + 1}")
    assert await _lines(runtime, placed["invoice_id"]) == [("service", 2000), ("setup", 1000), ("discount", -250)]
    async with runtime.db.reader() as session:
        service_id = await session.scalar(
            sa.select(InvoiceItem.service_id).where(InvoiceItem.invoice_id == placed["invoice_id"])
        )
    assert service_id is not None
    async with runtime.db.transaction() as session:  # paid: the service is active, so it renews
        await billing.record_manual_payment(session, LIVE, placed["invoice_id"], PaymentIn(transaction_id="w"))
    renewals = await _renewals(runtime, service_id, 3)
    # The first renewal's period starts a month after the order: inside 2 months; the next two are not.
    assert renewals == [
        [("service", 2000), ("discount", -250)] if applies else [("service", 2000)] for applies in discounted
    ]


async def test_cancelling_an_unpaid_order_gives_its_coupon_use_back(runtime: Runtime) -> None:
    product_id = await _product(runtime)
    customer = _id(await make_customer(runtime))
    coupon_id = await _coupon(runtime, "ONCEONLY", max_uses=1, applied_month=-1)
    placed = await _order(runtime, customer, product_id, "ONCEONLY")
    assert await _refusal(runtime, customer, product_id, "ONCEONLY") == (
        "The coupon has been used as many times as it may be."
    )
    async with runtime.db.transaction() as session:
        await orders.cancel_order(session, LIVE, placed["id"])
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(Coupon.uses).where(Coupon.id == coupon_id)) == 0
        assert await session.scalar(sa.select(sa.func.count()).select_from(ServiceCoupon)) == 0
    assert await _count(runtime, CouponUsage) == 0
    again = await _order(runtime, customer, product_id, "ONCEONLY")
    assert await _lines(runtime, again["invoice_id"]) == [("service", 2000), ("setup", 1000), ("discount", -200)]
