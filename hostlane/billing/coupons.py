"""Coupons: staff's CRUD, and the one place a code becomes a discount (at order time and on renewals).

A use is counted exactly once: the order locks the coupon's row (``FOR UPDATE``), checks every rule against what
is committed, records the use (unique per coupon and order) and adds one to the counter with a statement that
only succeeds while a use is left (the table's CHECK keeps ``uses <= max_uses`` too). A second order naming a
one-use coupon at the same moment waits for the first, then is refused: ``CouponRefused`` (422 naming the face's
field), and its whole order is rolled back, as any refused order is.

The discount is a line of its own under each discounted service's line (``ItemType.DISCOUNT``, negative,
taxed as the line is), so the invoice's taxes are computed after it by ``totals.compute_totals`` and rounded
there; the discount itself is rounded once per line (``money.percent_of``). A recurring coupon (``applied_month``
-1 or N) is remembered for the service (``service_coupons``) and ``renewal_discounts`` gives its renewals the
same line while it applies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import coupon_repository as repo
from hostlane.billing.coupon_schemas import CouponCreate, CouponUpdate, CouponValueIn
from hostlane.billing.errors import CouponRefused
from hostlane.billing.totals import NewItem
from hostlane.catalog import service as catalog
from hostlane.core import clock, money
from hostlane.core.errors import Taken, ValidationFailed
from hostlane.core.pagination import ListQuery, Page
from hostlane.core.repository import Include, IncludeTable, Row, apply_changes, changes_of
from hostlane.customers import service as customers
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.models import (
    BILLING_CYCLES,
    EVERY_RENEWAL,
    FIRST_PAYMENT,
    BillingCycle,
    Coupon,
    CouponType,
    CouponUsage,
    CouponValue,
    ItemType,
)
from hostlane.services import cycles

LIST_SPEC = repo.LIST_SPEC
VALUE_COLUMNS = tuple(name for cycle in BILLING_CYCLES for name in (cycle, f"setup_{cycle}"))
# A percent coupon's values are kept in thousandths of a percent (10 % is 10000), as tax rates are.
MILLI = Decimal(1000)


async def _products(session: AsyncSession, principal: Principal, coupon_ids: list[int]) -> dict[int, list[Row]]:
    ids = await repo.product_ids_of(session, principal, coupon_ids)
    rows = await catalog.products_by_id(session, principal, [pid for many in ids.values() for pid in many])
    return {coupon: [rows[pid] for pid in many if pid in rows] for coupon, many in ids.items()}


INCLUDES: IncludeTable = {
    "products": Include(_products),
    "pricing": Include(lambda session, caller, ids: repo.values_of_coupons(session, caller, ids)),
    "usages": Include(lambda session, caller, ids: repo.usages_of_coupons(session, caller, ids)),
    "customer": Include(customers.by_ids, on="customer_id", one=True),
}
# What a write answers with: the coupon with its products and values (as CLIENTXCMS's store and update load).
WHOLE = frozenset({"products", "pricing"})


# Reading


async def list_coupons(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.COUPON.page(session, principal, query, includes=INCLUDES)


async def get_coupon(
    session: AsyncSession, principal: Principal, coupon_id: int, *, includes: frozenset[str] = WHOLE
) -> Row:
    return await repo.COUPON.one(session, principal, coupon_id, includes=includes, table=INCLUDES)


async def coupon_usages(session: AsyncSession, principal: Principal, coupon_id: int) -> list[Row]:
    """The uses of a coupon, oldest first (404 for a coupon of the other mode)."""
    row = await get_coupon(session, principal, coupon_id, includes=frozenset({"usages"}))
    usages: list[Row] = row["usages"]
    return usages


# Writing


def _stored(kind: CouponType, value: Decimal | None, currency: str, field: str) -> int | None:
    """A value as kept: minor units (fixed) or thousandths of a percent (percent, at most 100 %)."""
    if value is None:
        return None
    if value < 0:
        raise ValidationFailed.field(field, "A coupon's value cannot be negative.")
    if kind is CouponType.PERCENT:
        milli = value * MILLI
        if milli != milli.to_integral_value() or value > 100:
            raise ValidationFailed.field(field, "A percentage is between 0 and 100 with at most 3 decimals.")
        return int(milli)
    try:
        return money.to_minor(value, currency)
    except money.MoneyError as refused:
        raise ValidationFailed.field(field, str(refused)) from None


async def _write_values(
    session: AsyncSession, coupon: Coupon, given: list[CouponValueIn], *, field: str = "pricing"
) -> None:
    """Add or replace the coupon's values in each currency ``given`` names."""
    existing = {value.currency: value for value in await repo.values(session, coupon.id)}
    for entry in given:
        currency = money.require_offered_currency(entry.currency)
        unknown = set(entry.amounts) - set(VALUE_COLUMNS)
        if unknown:
            raise ValidationFailed.field(f"{field}.{sorted(unknown)[0]}", "This is not a billing cycle.")
        row = existing.get(currency)
        if row is None:
            row = CouponValue(coupon_id=coupon.id, currency=currency)
            session.add(row)
            existing[currency] = row
        for name in VALUE_COLUMNS:
            if name in entry.amounts:
                setattr(row, name, _stored(coupon.type, entry.amounts[name], currency, f"{field}.{name}"))
        if entry.minimum is not None:
            row.minimum_minor = money.to_minor(entry.minimum, currency)
        elif row.minimum_minor is None:
            row.minimum_minor = 0
    await session.flush()


async def _check_refs(session: AsyncSession, principal: Principal, data: dict[str, Any]) -> None:
    """The customer and products a coupon names exist in the caller's mode (422 naming the field)."""
    if data.get("customer_id") is not None:
        found = await customers.by_ids(session, principal, [data["customer_id"]])
        if not found:
            raise ValidationFailed.field("customer_id", "The selected customer id is invalid.")
    for name in ("products", "products_required"):
        wanted = list(data.get(name) or [])
        if wanted:
            known = await catalog.products_by_id(session, principal, wanted)
            missing = [pid for pid in wanted if pid not in known]
            if missing:
                raise ValidationFailed.field(name, f"The product {missing[0]} does not exist.")
    start, end = data.get("start_at"), data.get("end_at")
    if start is not None and end is not None and end <= start:
        raise ValidationFailed.field("end_at", "The end must be after the start.")


async def create_coupon(session: AsyncSession, principal: Principal, data: CouponCreate) -> Row:
    if await repo.COUPON.taken(session, principal.livemode, "code", data.code, any_case=True):
        raise Taken("code")
    fields = data.model_dump(exclude={"products", "values"})
    await _check_refs(session, principal, {**fields, "products": data.products})
    coupon = Coupon(livemode=principal.livemode, uses=0, **fields)
    session.add(coupon)
    await session.flush()
    await _write_values(session, coupon, data.values)
    await repo.replace_products(session, coupon.id, data.products)
    audit.record(session, principal, "coupon.create", "coupon", coupon.id, {"code": coupon.code})
    return await get_coupon(session, principal, coupon.id)


async def update_coupon(session: AsyncSession, principal: Principal, coupon_id: int, data: CouponUpdate) -> Row:
    coupon = await repo.COUPON.locked(session, principal, coupon_id)
    changes = changes_of(data, "code", "type", "applied_month", "free_setup", "first_order_only", "is_global")
    changes = {k: v for k, v in changes.items() if k not in ("products", "values")}
    for name in ("max_uses", "max_uses_per_customer", "products_required"):
        if name in changes and changes[name] is None:
            changes[name] = [] if name == "products_required" else 0
    code = changes.get("code")
    if code is not None and await repo.COUPON.taken(
        session, principal.livemode, "code", code, except_id=coupon.id, any_case=True
    ):
        raise Taken("code")
    merged = {"start_at": coupon.start_at, "end_at": coupon.end_at, **changes, "products": data.products}
    await _check_refs(session, principal, merged)
    if changes.get("max_uses") and changes["max_uses"] < coupon.uses:
        raise ValidationFailed.field("max_uses", f"The coupon was used {coupon.uses} times already.")
    kind_changed = "type" in changes and changes["type"] is not coupon.type
    await apply_changes(session, coupon, changes)
    if data.values is not None:
        await _write_values(session, coupon, data.values)
    elif kind_changed and await repo.values(session, coupon.id):
        raise ValidationFailed.field("pricing", "A coupon's type changes with its values.")
    if data.products is not None:
        await repo.replace_products(session, coupon.id, data.products)
    audit.record(session, principal, "coupon.update", "coupon", coupon.id, {"fields": sorted(changes)})
    return await get_coupon(session, principal, coupon.id)


async def delete_coupon(session: AsyncSession, principal: Principal, coupon_id: int) -> Row:
    """Delete the coupon, its values, products and uses (the invoices keep their discount lines); services
    ordered with it renew at their full price from now on."""
    await repo.COUPON.locked(session, principal, coupon_id)
    row = await get_coupon(session, principal, coupon_id)
    await repo.COUPON.delete(session, coupon_id)
    audit.record(session, principal, "coupon.delete", "coupon", coupon_id, {"code": row["code"]})
    return row


# Applying


@dataclass(frozen=True)
class Charge:
    """A service's first charge on an order, as a coupon sees it: its product, cycle, price and setup fee (the
    line totals in the order's currency) and the label of its line."""

    service_id: int
    product_id: int
    cycle: BillingCycle
    price_minor: int
    setup_minor: int
    label: str
    period_start: dt.date | None = None


@dataclass
class Redemption:
    """A coupon used by an order: the discount lines to invoice, and the use (``invoiced`` names its invoice)."""

    lines: list[NewItem]
    usage: CouponUsage


def _off(kind: CouponType, value: int | None, amount: int) -> int:
    """What a value takes off an amount: a percentage of it, rounded once, or a fixed amount (never more than
    the amount: a line is never below zero)."""
    if not value or amount <= 0:
        return 0
    if kind is CouponType.PERCENT:
        return min(amount, money.percent_of(amount, Decimal(value) / MILLI))
    return min(amount, value)


def discount_of(coupon_type: CouponType, value: Row | CouponValue, charge: Charge, *, free_setup: bool) -> int:
    """What the coupon takes off one service's price and setup fee for its cycle."""

    def column(name: str) -> int | None:
        found = value[name] if isinstance(value, dict) else getattr(value, name)
        return None if found is None else int(found)

    cycle = charge.cycle.value
    price_off = _off(coupon_type, column(cycle), charge.price_minor)
    setup_off = charge.setup_minor if free_setup else _off(coupon_type, column(f"setup_{cycle}"), charge.setup_minor)
    return price_off + min(setup_off, charge.setup_minor)


def _describe(coupon: Coupon | Row, value: CouponValue | Row, cycle: BillingCycle, currency: str) -> str:
    kind = coupon.type if isinstance(coupon, Coupon) else CouponType(coupon["type"])
    code = coupon.code if isinstance(coupon, Coupon) else coupon["code"]
    amount = value[cycle.value] if isinstance(value, dict) else getattr(value, cycle.value)
    if kind is CouponType.PERCENT and amount:
        return f"Coupon {code} (-{Decimal(amount) / MILLI:f}%)".replace(".000%", "%")
    return f"Coupon {code}"


async def _discount_lines(
    session: AsyncSession, coupon: Coupon, *, customer_id: int, currency: str, charges: list[Charge], field: str
) -> list[NewItem]:
    """Every rule of ``coupon`` checked against what is committed, and the discount lines it gives ``charges``
    (``CouponRefused`` on ``field`` when it cannot be used). Writes nothing."""
    now = clock.now()
    if coupon.start_at is not None and coupon.start_at > now:
        raise CouponRefused(field, f"The {field} cannot be used yet.")
    if coupon.end_at is not None and coupon.end_at <= now:
        raise CouponRefused(field, f"The {field} has expired.")
    if coupon.customer_id is not None and coupon.customer_id != customer_id:
        raise CouponRefused(field, f"The {field} does not exist.")  # another customer's: not shown to exist
    if coupon.first_order_only and await repo.has_paid_invoice(session, customer_id):
        raise CouponRefused(field, f"The {field} is for a first order only.")
    if coupon.max_uses and coupon.uses >= coupon.max_uses:
        raise CouponRefused(field, f"The {field} has been used as many times as it may be.")
    if coupon.max_uses_per_customer and (
        await repo.uses_by(session, coupon.id, customer_id) >= coupon.max_uses_per_customer
    ):
        raise CouponRefused(field, f"You have used the {field} as many times as you may.")
    value = await repo.value_in(session, coupon.id, currency)
    if value is None:
        raise CouponRefused(field, f"The {field} cannot be used in {currency}.")
    subtotal = sum(charge.price_minor + charge.setup_minor for charge in charges)
    if value.minimum_minor and subtotal < value.minimum_minor:
        minimum = money.format_amount(value.minimum_minor, currency)
        raise CouponRefused(field, f"The {field} needs an order of at least {minimum} {currency}.")
    ordered = {charge.product_id for charge in charges}
    eligible = charges
    if not coupon.is_global:
        if any(product_id not in ordered for product_id in coupon.products_required or []):
            raise CouponRefused(field, f"The {field} needs products that are not in the order.")
        products = set(await repo.products(session, coupon.id))
        if products:
            eligible = [charge for charge in charges if charge.product_id in products]
            if not eligible:
                raise CouponRefused(field, f"The {field} does not apply to these products.")
    lines: list[NewItem] = []
    for charge in eligible:
        off = discount_of(coupon.type, value, charge, free_setup=coupon.free_setup)
        if off:
            lines.append(
                NewItem(
                    description=f"{_describe(coupon, value, charge.cycle, currency)}: {charge.label}",
                    amount_minor=-off,
                    type=ItemType.DISCOUNT,
                    service_id=charge.service_id,
                    period_start=charge.period_start,
                )
            )
    if not lines:
        raise CouponRefused(field, f"The {field} takes nothing off this order.")
    return lines


async def preview(
    session: AsyncSession,
    principal: Principal,
    code: str,
    *,
    customer_id: int,
    currency: str,
    charges: list[Charge],
    field: str = "coupon",
) -> list[NewItem]:
    """The discount lines the coupon ``code`` would give an order now (a quote): checked, not used, nothing
    locked; the order itself checks again under the lock."""
    coupon = await repo.by_code(session, principal.livemode, code.strip())
    if coupon is None:
        raise CouponRefused(field, f"The {field} does not exist.")
    return await _discount_lines(
        session, coupon, customer_id=customer_id, currency=currency, charges=charges, field=field
    )


async def redeem(
    session: AsyncSession,
    principal: Principal,
    code: str,
    *,
    customer_id: int,
    order_id: int,
    currency: str,
    charges: list[Charge],
    field: str = "coupon",
) -> Redemption:
    """Use the coupon ``code`` on an order: every rule checked under the coupon's lock, the use counted once, the
    discount lines returned. A coupon that cannot be used raises ``CouponRefused`` on ``field``."""
    coupon = await repo.lock_by_code(session, principal.livemode, code.strip())
    if coupon is None:
        raise CouponRefused(field, f"The {field} does not exist.")
    lines = await _discount_lines(
        session, coupon, customer_id=customer_id, currency=currency, charges=charges, field=field
    )
    if coupon.applied_month != FIRST_PAYMENT:  # recurring: the services' renewals carry it while it applies
        for line in lines:
            if line.service_id is not None and line.period_start is not None:
                until = None
                if coupon.applied_month != EVERY_RENEWAL:
                    until = cycles.add_months(line.period_start, coupon.applied_month)
                repo.remember_for_renewals(session, line.service_id, coupon.id, until)
    if not await repo.count_use(session, coupon.id):
        raise CouponRefused(field, f"The {field} has been used as many times as it may be.")
    usage = CouponUsage(
        coupon_id=coupon.id,
        customer_id=customer_id,
        order_id=order_id,
        amount_minor=-sum(line.amount_minor for line in lines),
        currency=currency,
        used_at=clock.now(),
    )
    session.add(usage)
    await session.flush()
    audit.record(session, principal, "coupon.use", "coupon", coupon.id, {"order_id": order_id})
    return Redemption(lines, usage)


async def invoiced(session: AsyncSession, redemption: Redemption, invoice_id: int) -> None:
    """Name the invoice that carries the use's discount."""
    redemption.usage.invoice_id = invoice_id
    await session.flush()


async def release(session: AsyncSession, principal: Principal, order_id: int, service_ids: list[int]) -> None:
    """An unpaid order cancelled: the use it made of a coupon is given back (the coupon may be used again) and its
    services carry no recurring coupon."""
    for coupon_id in await repo.release_order_uses(session, order_id, service_ids):
        audit.record(session, principal, "coupon.release", "coupon", coupon_id, {"order_id": order_id})


async def renewal_discounts(session: AsyncSession, renewals: list[Row]) -> dict[int, NewItem]:
    """The discount line of each renewal whose service has a recurring coupon that still applies, by service id
    (one query for the batch). ``renewals`` are rows with the service's ``id``, ``name``, ``price_minor``,
    ``currency``, ``billing`` and ``next_due_date`` (the renewed period's start); a coupon deleted, or without a
    value in the service's currency, takes nothing off."""
    found = await repo.renewal_coupons(session, [int(row["id"]) for row in renewals])
    by_service: dict[tuple[int, str], Row] = {(int(row["service_id"]), row["currency"]): row for row in found}
    lines: dict[int, NewItem] = {}
    for renewal in renewals:
        coupon = by_service.get((int(renewal["id"]), renewal["currency"]))
        start: dt.date = renewal["next_due_date"]
        if coupon is None or (coupon["applies_until"] is not None and start >= coupon["applies_until"]):
            continue
        cycle = BillingCycle(renewal["billing"])
        charge = Charge(int(renewal["id"]), 0, cycle, int(renewal["price_minor"]), 0, renewal["name"], start)
        off = discount_of(CouponType(coupon["type"]), coupon, charge, free_setup=False)
        if off:
            lines[charge.service_id] = NewItem(
                description=f"{_describe(coupon, coupon, cycle, renewal['currency'])}: {renewal['name']}",
                amount_minor=-off,
                type=ItemType.DISCOUNT,
                service_id=charge.service_id,
                period_start=start,
            )
    return lines
