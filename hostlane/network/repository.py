"""All SQL of IP pools, addresses and PDU ports. Staff reads are scoped by mode; a service's rows by the
service, which the caller must be able to see (the services domain checks that first)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.errors import HostlaneError
from hostlane.core.pagination import ListSpec, Match
from hostlane.core.repository import Scoped
from hostlane.models import IpAddress, IpPool, PduDevice, PduPort
from hostlane.network.errors import AddressNotFound, PduNotFound, PoolNotFound, PortNotFound

POOLS = cast(sa.Table, IpPool.__table__)
ADDRESSES = cast(sa.Table, IpAddress.__table__)
PDUS = cast(sa.Table, PduDevice.__table__)
PORTS = cast(sa.Table, PduPort.__table__)
Model = TypeVar("Model")

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


async def pool_addresses(session: AsyncSession, pool_id: int) -> set[str]:
    return set((await session.scalars(sa.select(ADDRESSES.c.address).where(ADDRESSES.c.pool_id == pool_id))).all())


async def address_taken(session: AsyncSession, livemode: bool, address: str) -> bool:
    statement = sa.select(sa.literal(1)).where(ADDRESSES.c.livemode.is_(livemode), ADDRESSES.c.address == address)
    return await session.scalar(statement.limit(1)) is not None


class OfService(Generic[Model]):
    """Rows that belong to a service (its addresses, its outlets), read with what they need of their parent
    row. They are scoped by the service alone: the services domain checks first that the caller may see it."""

    def __init__(
        self,
        model: type[Model],
        columns: Sequence[sa.ColumnElement[Any]],
        parent: tuple[sa.Table, sa.ColumnElement[bool]],
        missing: type[HostlaneError],
    ) -> None:
        self.model = model
        self.table = cast(sa.Table, model.__table__)  # type: ignore[attr-defined]
        self.columns, self.parent, self.missing = list(columns), parent, missing

    def _of(self, service_id: int) -> sa.Select[Any]:
        return sa.select(*self.columns).join(*self.parent).where(self.table.c.service_id == service_id)

    async def all(self, session: AsyncSession, service_id: int) -> list[dict[str, Any]]:
        rows = await session.execute(self._of(service_id).order_by(self.table.c.id))
        return [dict(row) for row in rows.mappings()]

    async def one(self, session: AsyncSession, service_id: int, row_id: int) -> dict[str, Any]:
        row = (await session.execute(self._of(service_id).where(self.table.c.id == row_id))).mappings().first()
        if row is None:
            raise self.missing()
        return dict(row)

    async def locked(self, session: AsyncSession, service_id: int, row_id: int) -> Model:
        table = self.table
        statement = sa.select(self.model).where(table.c.id == row_id, table.c.service_id == service_id)
        found = await session.scalar(statement.with_for_update())
        if found is None:
            raise self.missing()
        return found


ADDRESS = OfService(
    IpAddress,
    [
        ADDRESSES.c.id,
        ADDRESSES.c.address,
        ADDRESSES.c.pool_id,
        ADDRESSES.c.service_id,
        ADDRESSES.c.created_at,
        POOLS.c.name.label("pool"),
        POOLS.c.network,
        POOLS.c.gateway,
    ],
    (POOLS, POOLS.c.id == ADDRESSES.c.pool_id),
    AddressNotFound,
)


# PDUs


async def highest_assigned_outlet(session: AsyncSession, pdu_id: int) -> int:
    return int(await session.scalar(sa.select(sa.func.max(PORTS.c.outlet)).where(PORTS.c.pdu_id == pdu_id)) or 0)


async def outlet_taken(session: AsyncSession, pdu_id: int, outlet: int) -> bool:
    statement = sa.select(sa.literal(1)).where(PORTS.c.pdu_id == pdu_id, PORTS.c.outlet == outlet)
    return await session.scalar(statement.limit(1)) is not None


PORT = OfService(
    PduPort,
    [
        PORTS.c.id,
        PORTS.c.pdu_id,
        PORTS.c.outlet,
        PORTS.c.label,
        PORTS.c.service_id,
        PORTS.c.created_at,
        PDUS.c.name.label("pdu"),
        PDUS.c.address.label("pdu_address"),
    ],
    (PDUS, PDUS.c.id == PORTS.c.pdu_id),
    PortNotFound,
)
