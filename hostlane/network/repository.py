"""All SQL of IP pools, addresses and PDU ports. Staff reads are scoped by mode; a service's rows by the
service, which the caller must be able to see (the services domain checks that first)."""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.pagination import ListSpec, Match
from hostlane.core.repository import Scoped
from hostlane.models import IpAddress, IpPool, PduDevice, PduPort
from hostlane.network.errors import PduNotFound, PoolNotFound

POOLS = cast(sa.Table, IpPool.__table__)
ADDRESSES = cast(sa.Table, IpAddress.__table__)
PDUS = cast(sa.Table, PduDevice.__table__)
PORTS = cast(sa.Table, PduPort.__table__)

POOL_SPEC = ListSpec(
    filters={"id": Match.INTEGER, "name": Match.PARTIAL, "network": Match.PARTIAL},
    sorts=frozenset({"id", "name", "network", "created_at"}),
)
PDU_SPEC = ListSpec(
    filters={"id": Match.INTEGER, "name": Match.PARTIAL, "address": Match.PARTIAL},
    sorts=frozenset({"id", "name", "address", "created_at"}),
)


# Pools and PDUs have no tenant (staff manage them); a pool is read with how many of its addresses are assigned.
_ASSIGNED = (
    sa.select(sa.func.count())
    .where(ADDRESSES.c.pool_id == POOLS.c.id)
    .correlate(POOLS)
    .scalar_subquery()
    .label("assigned")
)
POOL = Scoped(IpPool, tenant=None, columns=[*POOLS.c, _ASSIGNED], spec=POOL_SPEC, missing=PoolNotFound)
PDU = Scoped(PduDevice, tenant=None, spec=PDU_SPEC, missing=PduNotFound)


async def networks(session: AsyncSession, livemode: bool, *, except_id: int | None = None) -> list[tuple[int, str]]:
    statement = sa.select(POOLS.c.id, POOLS.c.network).where(POOLS.c.livemode.is_(livemode))
    if except_id is not None:
        statement = statement.where(POOLS.c.id != except_id)
    return [(row[0], row[1]) for row in (await session.execute(statement)).all()]


async def name_taken(
    session: AsyncSession, table: sa.Table, livemode: bool, name: str, *, except_id: int | None = None
) -> bool:
    statement = sa.select(sa.literal(1)).where(
        table.c.livemode.is_(livemode), sa.func.lower(table.c.name) == name.lower()
    )
    if except_id is not None:
        statement = statement.where(table.c.id != except_id)
    return await session.scalar(statement.limit(1)) is not None


async def pool_addresses(session: AsyncSession, pool_id: int) -> set[str]:
    return set((await session.scalars(sa.select(ADDRESSES.c.address).where(ADDRESSES.c.pool_id == pool_id))).all())


async def address_taken(session: AsyncSession, livemode: bool, address: str) -> bool:
    statement = sa.select(sa.literal(1)).where(ADDRESSES.c.livemode.is_(livemode), ADDRESSES.c.address == address)
    return await session.scalar(statement.limit(1)) is not None


def _service_addresses() -> sa.Select[Any]:
    return sa.select(
        ADDRESSES.c.id,
        ADDRESSES.c.address,
        ADDRESSES.c.pool_id,
        ADDRESSES.c.service_id,
        ADDRESSES.c.created_at,
        POOLS.c.name.label("pool"),
        POOLS.c.network,
        POOLS.c.gateway,
    ).join(POOLS, POOLS.c.id == ADDRESSES.c.pool_id)


async def addresses_of(session: AsyncSession, service_id: int) -> list[dict[str, Any]]:
    statement = _service_addresses().where(ADDRESSES.c.service_id == service_id).order_by(ADDRESSES.c.id)
    return [dict(row) for row in (await session.execute(statement)).mappings()]


async def address_of(session: AsyncSession, service_id: int, address_id: int) -> dict[str, Any] | None:
    statement = _service_addresses().where(ADDRESSES.c.service_id == service_id, ADDRESSES.c.id == address_id)
    row = (await session.execute(statement)).mappings().first()
    return dict(row) if row is not None else None


async def lock_address(session: AsyncSession, service_id: int, address_id: int) -> IpAddress | None:
    return await session.scalar(
        sa.select(IpAddress).where(IpAddress.id == address_id, IpAddress.service_id == service_id).with_for_update()
    )


# PDUs


async def highest_assigned_outlet(session: AsyncSession, pdu_id: int) -> int:
    return int(await session.scalar(sa.select(sa.func.max(PORTS.c.outlet)).where(PORTS.c.pdu_id == pdu_id)) or 0)


async def outlet_taken(session: AsyncSession, pdu_id: int, outlet: int) -> bool:
    statement = sa.select(sa.literal(1)).where(PORTS.c.pdu_id == pdu_id, PORTS.c.outlet == outlet)
    return await session.scalar(statement.limit(1)) is not None


def _service_ports() -> sa.Select[Any]:
    return sa.select(
        PORTS.c.id,
        PORTS.c.pdu_id,
        PORTS.c.outlet,
        PORTS.c.label,
        PORTS.c.service_id,
        PORTS.c.created_at,
        PDUS.c.name.label("pdu"),
        PDUS.c.address.label("pdu_address"),
    ).join(PDUS, PDUS.c.id == PORTS.c.pdu_id)


async def ports_of(session: AsyncSession, service_id: int) -> list[dict[str, Any]]:
    statement = _service_ports().where(PORTS.c.service_id == service_id).order_by(PORTS.c.id)
    return [dict(row) for row in (await session.execute(statement)).mappings()]


async def port_of(session: AsyncSession, service_id: int, port_id: int) -> dict[str, Any] | None:
    statement = _service_ports().where(PORTS.c.service_id == service_id, PORTS.c.id == port_id)
    row = (await session.execute(statement)).mappings().first()
    return dict(row) if row is not None else None


async def lock_port(session: AsyncSession, service_id: int, port_id: int) -> PduPort | None:
    return await session.scalar(
        sa.select(PduPort).where(PduPort.id == port_id, PduPort.service_id == service_id).with_for_update()
    )
