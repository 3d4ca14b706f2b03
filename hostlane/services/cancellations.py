"""Rules of cancellations: the reasons staff offer, a service's cancellation (at once, or at the end of the period
already paid), the daily step that carries out the cancellations whose moment has come, and what the reasons
given add up to.

A cancellation at the end of the period leaves the service running until ``cancel_at`` (the moment it is paid
until) and takes it out of renewals at once (``services.repository.lock_due_for_renewal`` skips a service with a
``cancel_at``). The daily job then cancels it through the state machine, which terminates it on its module.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core import clock
from hostlane.core.db import Database
from hostlane.core.errors import ValidationFailed
from hostlane.core.pagination import ListQuery, Page
from hostlane.core.repository import apply_changes, changes_of
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.models import BillingCycle, CancellationReason, ServiceStatus
from hostlane.services import provisioning_repository as repo
from hostlane.services import repository as services_repo
from hostlane.services import service as services
from hostlane.services.errors import CancellationPending, IllegalTransition
from hostlane.services.provisioning_schemas import CancellationRequest, CancelWhen, ReasonCreate, ReasonUpdate

REASON_SPEC = repo.REASON_SPEC
BATCH = 500


async def list_reasons(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.REASON.page(session, principal, query)


async def get_reason(session: AsyncSession, principal: Principal, reason_id: int) -> dict[str, Any]:
    return await repo.REASON.one(session, principal, reason_id)


async def create_reason(session: AsyncSession, principal: Principal, data: ReasonCreate) -> dict[str, Any]:
    reason = CancellationReason(livemode=principal.livemode, **data.model_dump())
    await audit.created(session, principal, reason, "cancellation_reason", data.model_dump())
    return await get_reason(session, principal, reason.id)


async def update_reason(
    session: AsyncSession, principal: Principal, reason_id: int, data: ReasonUpdate
) -> dict[str, Any]:
    reason = await repo.REASON.locked(session, principal, reason_id)
    changes = changes_of(data, "reason", "status")
    await apply_changes(session, reason, changes)
    audit.record(session, principal, "cancellation_reason.update", "cancellation_reason", reason_id, changes)
    return await get_reason(session, principal, reason_id)


async def delete_reason(session: AsyncSession, principal: Principal, reason_id: int) -> dict[str, Any]:
    """Withdraw a reason: it is offered no more, and the cancellations that gave it still name it."""
    reason = await repo.REASON.locked(session, principal, reason_id)
    shown = await get_reason(session, principal, reason_id)
    reason.deleted_at = clock.now()
    await session.flush()
    audit.record(session, principal, "cancellation_reason.delete", "cancellation_reason", reason_id)
    return shown


def _period_end(billing: BillingCycle, expires_at: dt.datetime | None, next_due: dt.date | None) -> dt.datetime:
    """When the period already paid runs out (now, if it already has)."""
    now = clock.now()
    end = expires_at or (services.start_of(next_due) if next_due is not None else None)
    return end if end is not None and end > now else now


async def cancel_service(
    session: AsyncSession, principal: Principal, service_id: int, data: CancellationRequest
) -> dict[str, Any]:
    """Cancel the service now, or ask for it at the end of its period (409 if asked already, or if the service
    has ended; 422 naming the field for a reason that is not offered, or an end of period a one-time or pending
    service does not have)."""
    service = await services_repo.SERVICE.locked(session, principal, service_id)
    if service.status not in services_repo.LIVE_STATUSES:
        raise IllegalTransition(service.status.value, ServiceStatus.CANCELLED.value)
    if data.reason_id is not None and await repo.REASON.get(session, principal, data.reason_id) is None:
        raise ValidationFailed.field("reason", "The selected reason is invalid.")
    later = data.expiration is CancelWhen.END_OF_PERIOD
    if later and (service.billing is BillingCycle.ONETIME or service.status is ServiceStatus.PENDING):
        raise ValidationFailed.field(
            "expiration", "A one-time or pending service has no period to run out: it can only be cancelled now."
        )
    if later and service.cancel_at is not None:
        raise CancellationPending()
    service.cancellation_reason_id = data.reason_id
    service.cancelled_reason = data.details
    if later:
        service.cancel_at = _period_end(service.billing, service.expires_at, service.next_due_date)
        service.updated_at = clock.now()
        services_repo.add_event(
            session, service.id, "cancellation.requested", principal, reason=f"at {service.cancel_at.isoformat()}"
        )
        await session.flush()
        audit.record(
            session,
            principal,
            "service.cancel_request",
            "service",
            service.id,
            {"reason_id": data.reason_id, "details": data.details, "cancel_at": service.cancel_at},
        )
    else:
        await services.transition(session, principal, service_id, ServiceStatus.CANCELLED, reason=data.details)
    return await services.get_service(session, principal, service_id)


async def cancel_due_services(db: Database, *, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Cancel every live service whose end-of-period cancellation has come (the daily job's step; safe to run
    again: a cancelled service is no longer due). Each batch is one transaction."""
    moment = now or clock.now()
    total = 0
    while True:
        async with db.transaction() as session:
            due = await repo.due_cancellations(session, moment, batch)
            for service_id, livemode in due:
                found = await services_repo.lock_unscoped(session, service_id)
                reason = found.cancelled_reason if found is not None else None
                await services.transition(
                    session, Principal.system(livemode=livemode), service_id, ServiceStatus.CANCELLED, reason=reason
                )
        total += len(due)
        if len(due) < batch:
            return total


async def analytics(session: AsyncSession, principal: Principal, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The cancellations asked for from ``start`` to ``end`` (both days included), by the reason given."""
    if end < start:
        raise ValidationFailed.field("end_date", "The end date must not be before the start date.")
    rows = await repo.cancellations_by_reason(
        session, principal.livemode, services.start_of(start), services.start_of(end + dt.timedelta(days=1))
    )
    return {
        "start_date": start,
        "end_date": end,
        "total": sum(count for _, _, count in rows),
        "distribution": [{"reason_id": rid, "reason": text, "count": count} for rid, text, count in rows],
    }
