"""All SQL of services. Every read starts from ``SERVICE`` (scoped to who is asking)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.db import bulk_update
from hostlane.core.pagination import ListSpec, Match
from hostlane.core.repository import Scoped
from hostlane.identity.principal import Principal
from hostlane.models import (
    BillingCycle,
    Invoice,
    InvoiceItem,
    InvoiceStatus,
    ItemType,
    Product,
    Service,
    ServiceEvent,
    ServiceStatus,
)
from hostlane.services.errors import ServiceNotFound

TABLE = cast(sa.Table, Service.__table__)
PRODUCTS = cast(sa.Table, Product.__table__)
ITEMS = cast(sa.Table, InvoiceItem.__table__)
INVOICES = cast(sa.Table, Invoice.__table__)
LIVE_STATUSES = (ServiceStatus.PENDING, ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)

LIST_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "customer_id": Match.INTEGER,
        "product_id": Match.INTEGER,
        "status": Match.EXACT,
        "billing": Match.EXACT,
        "currency": Match.EXACT,
        "name": Match.PARTIAL,
        "delivery_status": Match.EXACT,
    },
    sorts=frozenset({"id", "customer_id", "product_id", "status", "next_due_date", "created_at", "updated_at"}),
    includes=frozenset({"customer", "product"}),
)


# The unpaid invoice a service waits on (its renewal, or its order's first invoice): the latest, if several.
_OPEN_INVOICE = (
    sa.select(sa.func.max(ITEMS.c.invoice_id))
    .select_from(ITEMS.join(INVOICES, INVOICES.c.id == ITEMS.c.invoice_id))
    .where(
        ITEMS.c.service_id == TABLE.c.id,
        ITEMS.c.type == ItemType.SERVICE,
        INVOICES.c.status == InvoiceStatus.UNPAID,
    )
    .scalar_subquery()
)
# A service is read with its product's module (``type``) and the invoice it waits on (``invoice_id``).
SERVICE = Scoped(
    Service,
    columns=[*TABLE.c, PRODUCTS.c.type.label("type"), _OPEN_INVOICE.label("invoice_id")],
    joins=[(PRODUCTS, PRODUCTS.c.id == TABLE.c.product_id)],
    spec=LIST_SPEC,
    missing=ServiceNotFound,
)


async def get_with_product(session: AsyncSession, service_id: int) -> tuple[Service, Product] | None:
    row = (
        await session.execute(
            sa.select(Service, Product).join(Product, Product.id == Service.product_id).where(Service.id == service_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def lock_unscoped(session: AsyncSession, service_id: int) -> Service | None:
    """The service locked whoever it belongs to (the delivery job and the billing run act for the platform)."""
    return await session.scalar(sa.select(Service).where(Service.id == service_id).with_for_update())


async def live_for_customer(session: AsyncSession, principal: Principal, customer_id: int) -> Sequence[int]:
    rows = await session.scalars(
        sa.select(TABLE.c.id)
        .where(*SERVICE.scope(principal), TABLE.c.customer_id == customer_id, TABLE.c.status.in_(LIVE_STATUSES))
        .order_by(TABLE.c.id)
    )
    return rows.all()


async def count_by_status(session: AsyncSession, principal: Principal) -> dict[str, int]:
    rows = await session.execute(
        sa.select(TABLE.c.status, sa.func.count()).where(*SERVICE.scope(principal)).group_by(TABLE.c.status)
    )
    return {str(status): int(n) for status, n in rows.all()}


async def product_has_services(session: AsyncSession, product_id: int) -> bool:
    found = await session.scalar(sa.select(sa.literal(1)).where(TABLE.c.product_id == product_id).limit(1))
    return found is not None


def add_event(
    session: AsyncSession,
    service_id: int,
    kind: str,
    principal: Principal,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
) -> None:
    session.add(
        ServiceEvent(
            service_id=service_id,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            actor_kind=principal.kind.value,
            actor_id=principal.id,
        )
    )


async def events(session: AsyncSession, service_id: int) -> Sequence[ServiceEvent]:
    rows = await session.scalars(
        sa.select(ServiceEvent).where(ServiceEvent.service_id == service_id).order_by(ServiceEvent.id)
    )
    return rows.all()


# The billing run's set-based reads and writes.

# A condition on one service's period, built by another domain from the service's id and period start.
PeriodFlag = Callable[[sa.ColumnElement[int], sa.ColumnElement[dt.date]], sa.ColumnElement[bool]]
RENEWAL_COLUMNS = ("id", "livemode", "customer_id", "name", "billing", "price_minor", "currency", "next_due_date")


async def lock_due_for_renewal(
    session: AsyncSession, horizon: dt.date, batch: int, flags: Mapping[str, PeriodFlag], *, skip_locked: bool = True
) -> list[dict[str, Any]]:
    """Up to ``batch`` recurring active or suspended services whose next period starts by ``horizon`` and whose
    cancellation is not asked for, locked (skipping those another transaction holds, unless ``skip_locked`` is
    false: then waiting for them), in id order; each ``flags`` entry adds a column."""
    extra = [flag(TABLE.c.id, TABLE.c.next_due_date).label(name) for name, flag in flags.items()]
    rows = await session.execute(
        sa.select(*(TABLE.c[name] for name in RENEWAL_COLUMNS), TABLE.c.billing_day, *extra)
        .where(
            TABLE.c.status.in_([ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED]),
            TABLE.c.billing != BillingCycle.ONETIME,
            TABLE.c.next_due_date.is_not(None),
            TABLE.c.next_due_date <= horizon,
            TABLE.c.cancel_at.is_(None),  # a cancellation at the end of the period: that period is the last
        )
        .order_by(TABLE.c.id)
        .limit(batch)
        .with_for_update(skip_locked=skip_locked)
    )
    return [dict(row) for row in rows.mappings()]


async def move_due_dates(session: AsyncSession, moves: list[dict[str, Any]]) -> None:
    """Set ``next_due_date`` of many services (each move: ``id``, ``next_due_date``) in one statement."""
    await bulk_update(session, TABLE, moves)


async def ids_by_mode_among(
    session: AsyncSession, status: ServiceStatus, among: sa.Select[Any], reason: str | None
) -> dict[bool, list[int]]:
    """Ids of the services in ``status`` (and suspended for ``reason``) whose id ``among`` selects, by mode."""
    statement = sa.select(TABLE.c.id, TABLE.c.livemode).where(TABLE.c.status == status, TABLE.c.id.in_(among))
    if reason is not None:
        statement = statement.where(TABLE.c.suspend_reason == reason)
    by_mode: dict[bool, list[int]] = {}
    for service_id, livemode in (await session.execute(statement.order_by(TABLE.c.id))).all():
        by_mode.setdefault(bool(livemode), []).append(int(service_id))
    return by_mode


def _of_module(principal: Principal, module: str) -> sa.Select[Any]:
    return SERVICE.readable(principal).where(PRODUCTS.c.type == module)


async def of_module(session: AsyncSession, principal: Principal, module: str) -> list[dict[str, Any]]:
    """The services ``principal`` sees whose product is provisioned by ``module``, oldest first."""
    statement = _of_module(principal, module).order_by(TABLE.c.id)
    return [dict(row) for row in (await session.execute(statement)).mappings()]


async def one_of_module(session: AsyncSession, principal: Principal, module: str, service_id: int) -> dict[str, Any]:
    """One such service (another module's, or not the caller's: ``ServiceNotFound``)."""
    row = (await session.execute(_of_module(principal, module).where(TABLE.c.id == service_id))).mappings().first()
    if row is None:
        raise ServiceNotFound()
    return dict(row)
