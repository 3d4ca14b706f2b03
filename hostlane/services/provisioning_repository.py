"""All SQL of what services are provisioned on and offered with: provisioning servers (and the placement of a
service on one), cancellation reasons and the cancellations that gave them, subdomain hosts and subdomains.
None has a tenant (staff manage them); each is scoped by mode."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.pagination import ListSpec, Match
from hostlane.core.repository import Scoped
from hostlane.models import (
    CancellationReason,
    Product,
    ProvisioningServer,
    Service,
    ServiceStatus,
    Subdomain,
    SubdomainHost,
    Visibility,
)
from hostlane.services.errors import CancellationReasonNotFound, ServerNotFound, SubdomainHostNotFound

SERVERS = cast(sa.Table, ProvisioningServer.__table__)
REASONS = cast(sa.Table, CancellationReason.__table__)
HOSTS = cast(sa.Table, SubdomainHost.__table__)
SUBDOMAINS = cast(sa.Table, Subdomain.__table__)
SERVICES = cast(sa.Table, Service.__table__)
# The services a server counts against its maximum: those that run, or are about to.
LIVE = (ServiceStatus.PENDING, ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)

SERVER_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "name": Match.PARTIAL,
        "address": Match.PARTIAL,
        "hostname": Match.PARTIAL,
        "module": Match.EXACT,
        "status": Match.EXACT,
        "created_at": Match.TIME,
        "updated_at": Match.TIME,
    },
    sorts=frozenset(
        {"id", "name", "address", "hostname", "port", "module", "status", "max_accounts", "created_at", "updated_at"}
    ),
)
REASON_SPEC = ListSpec(
    filters={"status": Match.EXACT, "reason": Match.PARTIAL},
    sorts=frozenset({"id", "reason", "status", "created_at"}),
)
HOST_SPEC = ListSpec(
    filters={"id": Match.INTEGER, "domain": Match.PARTIAL, "created_at": Match.TIME, "updated_at": Match.TIME},
    sorts=frozenset({"id", "domain", "created_at", "updated_at"}),
)

_ACCOUNTS = (
    sa.select(sa.func.count())
    .where(SERVICES.c.server_id == SERVERS.c.id, SERVICES.c.status.in_(LIVE))
    .correlate(SERVERS)
    .scalar_subquery()
    .label("accounts")
)
# Never read back: the sealed credentials stay in the table.
_SERVER_COLUMNS = [c for c in SERVERS.c if not c.name.endswith("_encrypted")]
SERVER = Scoped(
    ProvisioningServer, tenant=None, columns=[*_SERVER_COLUMNS, _ACCOUNTS], spec=SERVER_SPEC, missing=ServerNotFound
)
REASON = Scoped(
    CancellationReason,
    tenant=None,
    always=lambda table: [table.c.deleted_at.is_(None)],
    spec=REASON_SPEC,
    missing=CancellationReasonNotFound,
)
HOST = Scoped(SubdomainHost, tenant=None, spec=HOST_SPEC, missing=SubdomainHostNotFound)


# Servers


async def lock_candidates(session: AsyncSession, livemode: bool, module: str) -> list[tuple[int, int | None]]:
    """The active servers of ``module`` (id, maximum), locked in id order: placements on them take turns, so two
    at once never both take a server's last free place."""
    rows = await session.execute(
        sa.select(SERVERS.c.id, SERVERS.c.max_accounts)
        .where(SERVERS.c.livemode.is_(livemode), SERVERS.c.module == module, SERVERS.c.status == Visibility.ACTIVE)
        .order_by(SERVERS.c.id)
        .with_for_update()
    )
    return [(int(row[0]), row[1]) for row in rows.all()]


async def accounts_on(session: AsyncSession, server_ids: list[int]) -> dict[int, int]:
    """How many live services each server holds (absent: none), in one query."""
    if not server_ids:
        return {}
    rows = await session.execute(
        sa.select(SERVICES.c.server_id, sa.func.count())
        .where(SERVICES.c.server_id.in_(server_ids), SERVICES.c.status.in_(LIVE))
        .group_by(SERVICES.c.server_id)
    )
    return {int(row[0]): int(row[1]) for row in rows.all()}


async def module_of_product(session: AsyncSession, product_id: int) -> str | None:
    return cast(str | None, await session.scalar(sa.select(Product.type).where(Product.id == product_id)))


async def credentials(session: AsyncSession, server_id: int) -> tuple[str | None, str | None]:
    row = (
        await session.execute(
            sa.select(SERVERS.c.username_encrypted, SERVERS.c.password_encrypted).where(SERVERS.c.id == server_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


async def server_target_row(session: AsyncSession, server_id: int) -> dict[str, Any] | None:
    row = (await session.execute(sa.select(SERVERS).where(SERVERS.c.id == server_id))).mappings().first()
    return dict(row) if row is not None else None


# Cancellations


async def cancellations_by_reason(
    session: AsyncSession, livemode: bool, start: dt.datetime, end: dt.datetime
) -> list[tuple[int, str, int]]:
    """(reason id, reason, cancellations) of the services cancelled with a reason between ``start`` and ``end``
    (as CLIENTXCMS counts them: when the cancellation takes effect, ahead for one at the end of the period), most
    given first."""
    asked = sa.func.coalesce(SERVICES.c.cancelled_at, SERVICES.c.cancel_at)
    rows = await session.execute(
        sa.select(REASONS.c.id, REASONS.c.reason, sa.func.count(SERVICES.c.id))
        .join(REASONS, REASONS.c.id == SERVICES.c.cancellation_reason_id)
        .where(SERVICES.c.livemode.is_(livemode), asked >= start, asked < end)
        .group_by(REASONS.c.id, REASONS.c.reason)
        .order_by(sa.func.count(SERVICES.c.id).desc(), REASONS.c.id)
    )
    return [(int(row[0]), str(row[1]), int(row[2])) for row in rows.all()]


async def due_cancellations(session: AsyncSession, now: dt.datetime, batch: int) -> list[tuple[int, bool]]:
    """(id, livemode) of live services whose end-of-period cancellation has come, locked, in id order."""
    rows = await session.execute(
        sa.select(SERVICES.c.id, SERVICES.c.livemode)
        .where(SERVICES.c.cancel_at.is_not(None), SERVICES.c.cancel_at <= now, SERVICES.c.status.in_(LIVE))
        .order_by(SERVICES.c.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return [(int(row[0]), bool(row[1])) for row in rows.all()]


# Subdomains


async def label_taken(session: AsyncSession, host_id: int, label: str) -> bool:
    statement = sa.select(sa.literal(1)).where(SUBDOMAINS.c.host_id == host_id, SUBDOMAINS.c.label == label)
    return await session.scalar(statement.limit(1)) is not None


async def host_has_subdomains(session: AsyncSession, host_id: int) -> bool:
    statement = sa.select(sa.literal(1)).where(SUBDOMAINS.c.host_id == host_id)
    return await session.scalar(statement.limit(1)) is not None
