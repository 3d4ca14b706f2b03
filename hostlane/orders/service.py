"""Rules of orders: price each item from the catalogue, invoice the first period and the setup fees,
create the services pending; paying the invoice activates them (see billing); cancelling an unpaid
order cancels its invoice and services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import coupons
from hostlane.billing import service as billing
from hostlane.billing.service import NewItem
from hostlane.catalog import service as catalog
from hostlane.core import clock
from hostlane.core.errors import ValidationFailed
from hostlane.core.pagination import ListQuery, Page
from hostlane.customers import service as customers
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.models import (
    BillingCycle,
    CatalogStatus,
    InvoiceStatus,
    ItemType,
    Order,
    OrderItem,
    OrderStatus,
    ServiceStatus,
)
from hostlane.orders import repository as repo
from hostlane.orders.errors import OrderNotCancellable
from hostlane.orders.schemas import OrderCreate, OrderItemIn
from hostlane.services import cycles, subdomains
from hostlane.services import service as services

LIST_SPEC = repo.LIST_SPEC
# Days a customer has to pay a new order's invoice.
ORDER_DUE_DAYS = 7


async def _price(
    session: AsyncSession, principal: Principal, product_id: int, cycle: BillingCycle, currency: str, field: str
) -> tuple[dict[str, Any], int, int]:
    try:
        product = await catalog.get_product(session, principal, product_id, includes=frozenset({"pricing"}))
    except Exception:
        raise ValidationFailed.field(field, f"The product {product_id} does not exist.") from None
    if product["status"] is not CatalogStatus.ACTIVE and str(product["status"]) != "active":
        raise ValidationFailed.field(field, f"The product {product['name']} is not for sale.")
    pricing = catalog.price_for(product["pricing"], currency, cycle.value)
    price = pricing[cycle.value] if pricing else None
    if price is None:
        raise ValidationFailed.field(
            field, f"The product {product['name']} is not offered {cycle.value} in {currency}."
        )
    setup = pricing[f"setup_{cycle.value}"] if pricing else None
    return product, int(price), int(setup or 0)


def _check_subdomain_item(item: OrderItemIn, index: int) -> None:
    """A subdomain names one service's domain: both its parts, for one service."""
    for name in ("subdomain", "subdomain_host_id"):
        if getattr(item, name) is None:
            raise ValidationFailed.field(f"items.{index}.{name}", f"The {name} is required with a subdomain.")
    if item.qty != 1:
        raise ValidationFailed.field(f"items.{index}.qty", "A subdomain is taken for one service: order one.")


async def place_order(
    session: AsyncSession, principal: Principal, data: OrderCreate, *, coupon_field: str = "coupon"
) -> dict[str, Any]:
    """Create the order, its pending services and its invoice (first period + setup fees, less the discount of
    ``data.coupon``: a coupon that cannot be used refuses the whole order, on ``coupon_field``)."""
    customer = await customers.get_customer(session, principal, data.customer_id)
    currency = customer["currency"]
    today = clock.today()
    order = Order(
        livemode=principal.livemode, customer_id=customer["id"], currency=currency, status=OrderStatus.PENDING
    )
    session.add(order)
    await session.flush()
    lines: list[NewItem] = []
    charges: list[coupons.Charge] = []
    for index, item in enumerate(data.items):
        product, price, setup = await _price(
            session, principal, item.product_id, item.billing, currency, f"items.{index}.product_id"
        )
        await catalog.take_stock(session, principal, product["id"], item.qty, field=f"items.{index}.qty")
        kept: dict[str, Any] = {}  # what the services remember of the item (their module reads it)
        wants_subdomain = item.subdomain is not None or item.subdomain_host_id is not None
        if wants_subdomain:
            _check_subdomain_item(item, index)
        if isinstance(item.options.get("domain"), str):
            kept["domain"] = item.options["domain"]
        if item.units != 1:
            kept["units"] = item.units
        if item.name is not None:
            kept["name"] = item.name
        session.add(
            OrderItem(
                order_id=order.id,
                product_id=product["id"],
                billing=item.billing,
                qty=item.qty,
                price_minor=price,
                setup_minor=setup,
                # The units and name are kept with the options (the price is the unit price).
                options={**item.options, **{k: v for k, v in kept.items() if k != "domain"}},
            )
        )
        for _ in range(item.qty):
            period_end = cycles.next_due(today, item.billing)
            service = await services.create_service(
                session,
                principal,
                customer=customer,
                product=product,
                billing=item.billing,
                currency=currency,
                price_minor=price * item.units,
                name=item.name,
                next_due_date=period_end,
                billing_day=today.day,
                data=dict(kept) or None,
            )
            if wants_subdomain:
                assert item.subdomain is not None and item.subdomain_host_id is not None
                domain = await subdomains.take(
                    session,
                    principal,
                    host_id=item.subdomain_host_id,
                    subdomain=item.subdomain,
                    service_id=service.id,
                    product_id=int(product["id"]),
                    group_id=product.get("group_id"),
                    field=f"items.{index}",
                )
                service.data = {**(service.data or {}), "domain": domain}
            label = f"{item.name or product['name']} ({item.billing.value})"
            if item.units != 1:
                label = f"{label} x {item.units}"
            lines.append(
                NewItem(
                    description=f"{label} {today.isoformat()} - {(period_end - dt.timedelta(days=1)).isoformat()}"
                    if period_end
                    else label,
                    amount_minor=price * item.units,
                    type=ItemType.SERVICE,
                    service_id=service.id,
                    period_start=today,
                    period_end=period_end - dt.timedelta(days=1) if period_end else None,
                )
            )
            if setup:
                lines.append(
                    NewItem(
                        description=f"Setup fee: {product['name']}",
                        amount_minor=setup,
                        type=ItemType.SETUP,
                        service_id=service.id,
                    )
                )
            charges.append(
                coupons.Charge(service.id, product["id"], item.billing, price * item.units, setup, label, today)
            )
    redemption = None
    if data.coupon is not None and data.coupon.strip():
        redemption = await coupons.redeem(
            session,
            principal,
            data.coupon,
            customer_id=customer["id"],
            order_id=order.id,
            currency=currency,
            charges=charges,
            field=coupon_field,
        )
        lines = _with_discounts(lines, redemption.lines)
    invoice = await billing.issue_invoice(
        session,
        principal,
        customer["id"],
        items=lines,
        due_on=today + dt.timedelta(days=ORDER_DUE_DAYS),
        order_id=order.id,
        notes=data.notes,
    )
    order.invoice_id = invoice.id
    if redemption is not None:
        await coupons.invoiced(session, redemption, invoice.id)
    if invoice.status is InvoiceStatus.PAID:
        order.status = OrderStatus.ACTIVE
    await session.flush()
    audit.record(
        session,
        principal,
        "order.create",
        "order",
        order.id,
        {"customer_id": customer["id"], "invoice_id": invoice.id, "items": len(data.items)},
    )
    return await get_order(session, principal, order.id)


def _with_discounts(lines: list[NewItem], discounts: list[NewItem]) -> list[NewItem]:
    """The order's lines with each service's discount right after that service's own lines."""
    by_service = {line.service_id: line for line in discounts}
    placed: list[NewItem] = []
    for index, line in enumerate(lines):
        placed.append(line)
        following = lines[index + 1].service_id if index + 1 < len(lines) else None
        if line.service_id in by_service and following != line.service_id:
            placed.append(by_service.pop(line.service_id))
    return placed


@dataclass(frozen=True)
class PlacedProduct:
    """A product ordered by a customer: the order, its invoice, the service it made and the product."""

    order: dict[str, Any]
    invoice: dict[str, Any]
    service: dict[str, Any]
    product: dict[str, Any]


async def order_product(
    session: AsyncSession,
    principal: Principal,
    product_id: int,
    *,
    cycle: BillingCycle,
    options: dict[str, Any],
    customer_id: int | None = None,
    coupon: str | None = None,
    coupon_field: str = "coupon",
) -> PlacedProduct:
    """One product ordered on a customer's own account (default: the principal's): the order, its invoice
    and the pending service. An unknown product (or one of the other mode) is ``ProductNotFound``."""
    product = await catalog.get_product(session, principal, product_id)
    placed = await place_order(
        session,
        principal,
        OrderCreate(
            customer_id=customer_id if customer_id is not None else principal.scope or 0,
            items=[OrderItemIn(product_id=product_id, billing=cycle, options=options)],
            coupon=coupon,
        ),
        coupon_field=coupon_field,
    )
    invoice = await billing.get_invoice(session, principal, placed["invoice_id"])
    service_id = (await billing.service_ids_on(session, invoice["id"]))[0]
    service = await services.get_service(session, principal, service_id)
    return PlacedProduct(placed, invoice, service, product)


@dataclass(frozen=True)
class Quote:
    """What ordering a product for a cycle costs the customer now: the first period and the setup fee, the taxes
    at the customer's rates, and the total the order's invoice will show."""

    product: dict[str, Any]
    cycle: BillingCycle
    currency: str
    price_minor: int
    setup_minor: int
    subtotal_minor: int
    tax_minor: int
    tax2_minor: int
    taxrate_milli: int
    taxrate2_milli: int
    total_minor: int
    # The coupon's discount (a negative amount; 0 without a coupon) and the coupon's code as given.
    discount_minor: int = 0
    coupon: str | None = None


async def quote_product(
    session: AsyncSession,
    principal: Principal,
    product_id: int,
    *,
    cycle: BillingCycle,
    customer_id: int | None = None,
    coupon: str | None = None,
    coupon_field: str = "coupon",
) -> Quote:
    """The price with tax of one product for ``cycle``, as ``order_product`` would invoice it (not for sale, or
    not offered for the cycle in the customer's currency: ``ValidationFailed`` on ``cycle``), less the discount of
    ``coupon`` (checked as the order will check it: ``CouponRefused`` on ``coupon_field``)."""
    owner = customer_id if customer_id is not None else principal.scope or 0
    await catalog.get_product(session, principal, product_id)  # unknown, or of the other mode: ProductNotFound
    customer = await customers.get_customer(session, principal, owner)
    currency = customer["currency"]
    product, price, setup = await _price(session, principal, product_id, cycle, currency, "cycle")
    lines = [NewItem(description=product["name"], amount_minor=price, type=ItemType.SERVICE)]
    if setup:
        lines.append(NewItem(description=product["name"], amount_minor=setup, type=ItemType.SETUP))
    code = coupon.strip() if coupon and coupon.strip() else None
    if code is not None:
        charge = coupons.Charge(0, product["id"], cycle, price, setup, product["name"], clock.today())
        lines += await coupons.preview(
            session, principal, code, customer_id=owner, currency=currency, charges=[charge], field=coupon_field
        )
    totals, rate, rate2 = await billing.quote(session, principal, owner, lines)
    return Quote(
        product=product,
        cycle=cycle,
        currency=currency,
        price_minor=price,
        setup_minor=setup,
        subtotal_minor=totals.subtotal,
        tax_minor=totals.tax,
        tax2_minor=totals.tax2,
        taxrate_milli=rate,
        taxrate2_milli=rate2,
        total_minor=totals.total,
        discount_minor=sum(line.amount_minor for line in lines if line.type is ItemType.DISCOUNT),
        coupon=code,
    )


async def list_orders(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.ORDER.page(session, principal, query)


async def get_order(session: AsyncSession, principal: Principal, order_id: int) -> dict[str, Any]:
    """The order with its items (every order read shows them)."""
    return await repo.ORDER.one(session, principal, order_id, includes={"items"})


async def cancel_order(session: AsyncSession, principal: Principal, order_id: int) -> dict[str, Any]:
    """Cancel an unpaid order: its invoice is cancelled and its pending services too; a coupon's use is given
    back."""
    order = await repo.ORDER.locked(session, principal, order_id)
    if order.status is not OrderStatus.PENDING:
        raise OrderNotCancellable(order.status.value)
    if order.invoice_id is not None:
        invoice = await billing.get_invoice(session, principal, order.invoice_id)
        if InvoiceStatus(invoice["status"]) is not InvoiceStatus.CANCELLED:
            await billing.cancel_invoice(session, principal, order.invoice_id)
        service_ids = await billing.service_ids_on(session, order.invoice_id)
        for service_id in service_ids:
            if await services.status_of(session, service_id) is ServiceStatus.PENDING:
                await services.transition(
                    session, principal, service_id, ServiceStatus.CANCELLED, reason=f"Order {order.id} cancelled"
                )
        await coupons.release(session, principal, order.id, service_ids)
    order.status = OrderStatus.CANCELLED
    await session.flush()
    audit.record(session, principal, "order.cancel", "order", order.id, {})
    return await get_order(session, principal, order.id)


async def invoice_paid(session: AsyncSession, invoice_id: int) -> None:
    """The order whose invoice was paid becomes active (its services were activated by billing)."""
    order = await repo.lock_by_invoice(session, invoice_id)
    if order is not None and order.status is OrderStatus.PENDING:
        order.status = OrderStatus.ACTIVE
