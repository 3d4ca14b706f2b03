"""All SQL of the partner programme. Every read of integrations starts from ``INTEGRATION`` (scoped to who is asking),
except the two that decide who is asking: a client's credentials and an access token's integration."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.db import insert_for
from hostlane.core.repository import Row, Scoped
from hostlane.identity.principal import Principal
from hostlane.models import Customer, CustomerStatus, PartnerIntegration, PartnerUsage
from hostlane.partners.errors import IntegrationNotFound

TABLE = cast(sa.Table, PartnerIntegration.__table__)
CUSTOMERS = cast(sa.Table, Customer.__table__)
# What an integration reads as: never a secret's hash, nor the previous pair.
SECRET_COLUMNS = ("secret_hash", "previous_client_id", "previous_secret_hash")
COLUMNS = [column for column in TABLE.c if column.name not in SECRET_COLUMNS]

# A partner principal sees only its own integrations (``tenant``); everyone sees only its mode's.
INTEGRATION = Scoped(PartnerIntegration, columns=COLUMNS, missing=IntegrationNotFound)

# Whether the integration's customer may use it now: a partner, active, not deleted, of the integration's mode.
_HOLDER_OK = sa.and_(
    CUSTOMERS.c.partner.is_(True),
    CUSTOMERS.c.status == CustomerStatus.ACTIVE,
    CUSTOMERS.c.deleted_at.is_(None),
    CUSTOMERS.c.livemode == TABLE.c.livemode,
)


async def of_customer(session: AsyncSession, principal: Principal, customer_id: int) -> list[Row]:
    """The customer's integrations that ``principal`` sees (at most one per mode, so at most one)."""
    statement = INTEGRATION.readable(principal).where(TABLE.c.customer_id == customer_id).order_by(TABLE.c.id)
    return [dict(row) for row in (await session.execute(statement)).mappings()]


async def lock_of_customer(session: AsyncSession, principal: Principal, customer_id: int) -> PartnerIntegration | None:
    """The customer's integration in ``principal``'s mode, locked for the rest of the transaction."""
    statement = (
        sa.select(PartnerIntegration)
        .where(TABLE.c.customer_id == customer_id, *INTEGRATION.scope(principal))
        .with_for_update()
    )
    return cast(PartnerIntegration | None, await session.scalar(statement))


async def client_credentials(session: AsyncSession, livemode: bool, client_id: str) -> dict[str, Any] | None:
    """The integration of the mode whose current or previous clientId is ``client_id``, with both secret hashes,
    if its customer may use it now."""
    statement = (
        sa.select(TABLE)
        .join(CUSTOMERS, CUSTOMERS.c.id == TABLE.c.customer_id)
        .where(
            TABLE.c.livemode.is_(livemode),
            sa.or_(TABLE.c.client_id == client_id, TABLE.c.previous_client_id == client_id),
            _HOLDER_OK,
        )
        .limit(1)
    )
    row = (await session.execute(statement)).mappings().first()
    return dict(row) if row is not None else None


async def token_holder(session: AsyncSession, integration_id: int) -> dict[str, Any] | None:
    """What decides whether an access token of the integration still holds: its mode, customer, generation and
    overlap, if its customer may use it now. One read by primary keys."""
    statement = (
        sa.select(TABLE.c.livemode, TABLE.c.customer_id, TABLE.c.generation, TABLE.c.previous_expires_at)
        .join(CUSTOMERS, CUSTOMERS.c.id == TABLE.c.customer_id)
        .where(TABLE.c.id == integration_id, _HOLDER_OK)
    )
    row = (await session.execute(statement)).mappings().first()
    return dict(row) if row is not None else None


# Usage: a partner principal sees only its own instances' usage; everyone sees only its mode's.
USAGE_TABLE = cast(sa.Table, PartnerUsage.__table__)
USAGE = Scoped(PartnerUsage)


async def usage_of_month(session: AsyncSession, principal: Principal, month: dt.date) -> list[Row]:
    """The usage ``principal`` sees recorded for ``month`` (its first day), by instance (service id)."""
    statement = USAGE.readable(principal).where(USAGE_TABLE.c.month == month).order_by(USAGE_TABLE.c.service_id)
    return [dict(row) for row in (await session.execute(statement)).mappings()]


async def recorded_services(session: AsyncSession, service_ids: list[int], month: dt.date) -> set[int]:
    """Which of the services have their usage of ``month`` recorded already."""
    if not service_ids:
        return set()
    statement = sa.select(USAGE_TABLE.c.service_id).where(
        USAGE_TABLE.c.month == month, USAGE_TABLE.c.service_id.in_(service_ids)
    )
    return {int(service_id) for service_id in (await session.scalars(statement)).all()}


async def record_usage(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert usage rows, each unless its (service, month) is recorded already (a concurrent or earlier run's
    stands); how many were new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    statement = (
        insert_for(dialect, USAGE_TABLE)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[USAGE_TABLE.c.service_id, USAGE_TABLE.c.month])
        .returning(USAGE_TABLE.c.id)
    )
    return len((await session.execute(statement)).all())
