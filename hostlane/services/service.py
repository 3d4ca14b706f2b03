"""Rules of services: the lifecycle state machine and the module call behind each transition.

    pending ──activate──► active ◄──unsuspend── suspended
       │                    │ └──────suspend──────►│
       └─cancel─► cancelled ◄┴── expire / terminate / cancel ──┘ ─► expired / terminated

A transition changes the status at once, writes an event, and queues the module call
(``services.deliver``) in the same transaction. The call's outcome shows on the service as
``delivery_status`` (pending → done, or failed after the last retry), ``delivery_attempts`` and
``delivery_errors``: a failure is visible, never hidden behind the new status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core import clock, money
from hostlane.core.pagination import ListQuery, Page
from hostlane.core.repository import apply_changes, changes_of
from hostlane.drivers.provisioning import ServiceContext
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.jobs import outbox
from hostlane.models import BillingCycle, DeliveryStatus, Service, ServiceStatus
from hostlane.services import repository as repo
from hostlane.services import servers
from hostlane.services.errors import IllegalTransition, NothingToRetry, ServiceIsLive
from hostlane.services.schemas import ServiceUpdate

LIST_SPEC = repo.LIST_SPEC
S = ServiceStatus
LIVE = frozenset(repo.LIVE_STATUSES)

# (from, to) -> the module call it needs (None: nothing to do on the remote system).
TRANSITIONS: dict[tuple[ServiceStatus, ServiceStatus], str | None] = {
    (S.PENDING, S.ACTIVE): "create",
    (S.PENDING, S.CANCELLED): None,
    (S.ACTIVE, S.SUSPENDED): "suspend",
    (S.SUSPENDED, S.ACTIVE): "unsuspend",
    (S.ACTIVE, S.EXPIRED): "terminate",
    (S.SUSPENDED, S.EXPIRED): "terminate",
    (S.ACTIVE, S.TERMINATED): "terminate",
    (S.SUSPENDED, S.TERMINATED): "terminate",
    (S.EXPIRED, S.TERMINATED): None,
    (S.ACTIVE, S.CANCELLED): "terminate",
    (S.SUSPENDED, S.CANCELLED): "terminate",
}
DELIVER_JOB = "services.deliver"


async def list_services(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.SERVICE.page(session, principal, query)


async def get_service(session: AsyncSession, principal: Principal, service_id: int) -> dict[str, Any]:
    return await repo.SERVICE.one(session, principal, service_id)


async def for_customers(
    session: AsyncSession, principal: Principal, customer_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """The services of many customers, by customer, in one query (a customer's ``?include=services``)."""
    return await repo.SERVICE.grouped("customer_id")(session, principal, customer_ids)


async def count_live_for_customer(session: AsyncSession, principal: Principal, customer_id: int) -> int:
    return len(await repo.live_for_customer(session, principal, customer_id))


async def counts(session: AsyncSession, principal: Principal) -> dict[str, int]:
    return await repo.count_by_status(session, principal)


async def product_has_services(session: AsyncSession, product_id: int) -> bool:
    return await repo.product_has_services(session, product_id)


async def create_service(
    session: AsyncSession,
    principal: Principal,
    *,
    customer: Mapping[str, Any],
    product: Mapping[str, Any],
    billing: BillingCycle,
    currency: str,
    price_minor: int,
    name: str | None = None,
    next_due_date: dt.date | None = None,
    billing_day: int | None = None,
    data: dict[str, Any] | None = None,
) -> Service:
    """A pending service (orders make them; so do the demo data and tests) of ``customer`` and ``product``
    as the customers and catalogue services read them for this principal: that read is what proves both
    exist and are the principal's (services sit below those domains and never call them)."""
    customer_id, product_id = int(customer["id"]), int(product["id"])
    service = Service(
        livemode=principal.livemode,
        customer_id=customer_id,
        product_id=product_id,
        name=name or product["name"],
        billing=billing,
        price_minor=price_minor,
        currency=currency,
        status=S.PENDING,
        next_due_date=next_due_date,
        billing_day=billing_day or (next_due_date.day if next_due_date else None),
        data=data or {},
    )
    await audit.created(
        session,
        principal,
        service,
        "service",
        {"customer_id": customer_id, "product_id": product_id, "billing": billing},
    )
    repo.add_event(session, service.id, "created", principal, to_status=S.PENDING)
    return service


async def update_service(
    session: AsyncSession, principal: Principal, service_id: int, data: ServiceUpdate
) -> dict[str, Any]:
    service = await repo.SERVICE.locked(session, principal, service_id)
    changes = changes_of(data, "name", "billing", "price")

    def set_price(value: Any) -> None:
        service.price_minor = money.to_minor(value, service.currency)

    def set_expiry(value: dt.datetime | None) -> None:
        service.expires_at = value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value

    await apply_changes(session, service, changes, setters={"price": set_price, "expires_at": set_expiry})
    audit.record(session, principal, "service.update", "service", service.id, changes)
    return await get_service(session, principal, service.id)


async def delete_service(session: AsyncSession, principal: Principal, service_id: int) -> dict[str, Any]:
    """Delete a service that no longer runs anywhere (pending ones too: nothing was provisioned)."""
    service = await repo.SERVICE.locked(session, principal, service_id)
    if service.status in (S.ACTIVE, S.SUSPENDED):
        raise ServiceIsLive(service.status.value)
    audit.record(session, principal, "service.delete", "service", service.id, {"status": service.status})
    return await repo.SERVICE.remove(session, principal, service.id)


async def transition(
    session: AsyncSession,
    principal: Principal,
    service_id: int,
    target: ServiceStatus,
    *,
    reason: str | None = None,
) -> Service:
    """Move a service to ``target`` (409 naming both states if the state machine forbids it)."""
    service = await repo.SERVICE.locked(session, principal, service_id)
    current = service.status
    if (current, target) not in TRANSITIONS:
        raise IllegalTransition(current.value, target.value)
    action = TRANSITIONS[(current, target)]
    now = clock.now()
    service.status = target
    service.updated_at = now
    if target is S.SUSPENDED:
        service.suspended_at, service.suspend_reason = now, reason
    elif target is S.ACTIVE:
        service.suspended_at, service.suspend_reason = None, None
        if current is S.PENDING and service.expires_at is None and service.next_due_date is not None:
            service.expires_at = start_of(service.next_due_date)  # its first period is paid (or given by staff)
        if current is S.PENDING:
            await servers.place(session, service)  # before the module's create, which runs on that server
    elif target in (S.EXPIRED, S.TERMINATED):
        service.expires_at = service.expires_at if service.expires_at and service.expires_at <= now else now
    elif target is S.CANCELLED:
        service.cancelled_at, service.cancelled_reason = now, reason
    repo.add_event(session, service.id, "transition", principal, from_status=current, to_status=target, reason=reason)
    if action is not None:
        service.delivery_seq += 1
        service.delivery_status = DeliveryStatus.PENDING
        service.delivery_action = action
        service.delivery_attempts = 0
        service.delivery_errors = None
        outbox.enqueue(
            session,
            DELIVER_JOB,
            {"service_id": service.id, "action": action, "seq": service.delivery_seq},
            key=f"service:{service.id}",
        )
    await session.flush()
    audit.record(
        session,
        principal,
        f"service.{target.value}",
        "service",
        service.id,
        {"from": current, "to": target, "reason": reason},
    )
    return service


async def retry_delivery(session: AsyncSession, principal: Principal, service_id: int) -> dict[str, Any]:
    """Ask the module again for the call that failed after its last retry (``delivery_status`` failed): the
    same action, as a new delivery (its attempts counted from zero). Anything else is a 409."""
    service = await repo.SERVICE.locked(session, principal, service_id)
    if service.delivery_status is not DeliveryStatus.FAILED or service.delivery_action is None:
        raise NothingToRetry(service.delivery_status.value)
    action = service.delivery_action
    service.delivery_seq += 1
    service.delivery_status, service.delivery_attempts = DeliveryStatus.PENDING, 0
    service.updated_at = clock.now()
    repo.add_event(session, service.id, f"delivery.{action}.retry", principal)
    outbox.enqueue(
        session,
        DELIVER_JOB,
        {"service_id": service.id, "action": action, "seq": service.delivery_seq},
        key=f"service:{service.id}",
    )
    await session.flush()
    audit.record(session, principal, "service.retry_delivery", "service", service.id, {"action": action})
    return await get_service(session, principal, service_id)


# The staff actions answer with the service's read shape, so no face reads it again.


async def suspend(
    session: AsyncSession, principal: Principal, service_id: int, *, reason: str | None
) -> dict[str, Any]:
    await transition(session, principal, service_id, S.SUSPENDED, reason=reason)
    return await get_service(session, principal, service_id)


async def unsuspend(session: AsyncSession, principal: Principal, service_id: int) -> dict[str, Any]:
    await transition(session, principal, service_id, S.ACTIVE)
    return await get_service(session, principal, service_id)


async def expire(session: AsyncSession, principal: Principal, service_id: int) -> dict[str, Any]:
    await transition(session, principal, service_id, S.EXPIRED)
    return await get_service(session, principal, service_id)


async def activate(session: AsyncSession, principal: Principal, service_id: int) -> Service:
    return await transition(session, principal, service_id, S.ACTIVE)


def start_of(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` (UTC): when a period that ends the day before runs out."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


async def renewal_paid(session: AsyncSession, service_id: int, *, through: dt.date) -> None:
    """A renewal period ending on ``through`` was paid (billing calls this in the transaction that marks the
    invoice paid): one more renewal, and a live service is paid until the day after."""
    service = await repo.lock_unscoped(session, service_id)
    if service is None:
        return
    service.renewals += 1
    until = start_of(through + dt.timedelta(days=1))
    if service.status in LIVE and (service.expires_at is None or service.expires_at < until):
        service.expires_at = until
    system = Principal.system(livemode=service.livemode)
    repo.add_event(session, service.id, "renewal.paid", system, reason=f"paid through {through.isoformat()}")


async def terminate_all_for_customer(
    session: AsyncSession, principal: Principal, customer_id: int, *, reason: str
) -> None:
    for service_id in await repo.live_for_customer(session, principal, customer_id):
        service = await repo.SERVICE.locked(session, principal, service_id)
        target = S.CANCELLED if service.status is S.PENDING else S.TERMINATED
        await transition(session, principal, service_id, target, reason=reason)


async def suspend_all_for_customer(
    session: AsyncSession, principal: Principal, customer_id: int, *, reason: str
) -> list[int]:
    """Suspend every active service of the customer for ``reason`` (each through its module, as any
    suspension); the ids suspended. Services already suspended keep their own reason."""
    suspended = []
    for service_id in await repo.live_for_customer(session, principal, customer_id):
        service = await repo.SERVICE.locked(session, principal, service_id)
        if service.status is S.ACTIVE:
            await transition(session, principal, service_id, S.SUSPENDED, reason=reason)
            suspended.append(service_id)
    return suspended


async def unsuspend_all_for_customer(
    session: AsyncSession, principal: Principal, customer_id: int, *, reasons: Sequence[str]
) -> list[int]:
    """Unsuspend the customer's services suspended for one of ``reasons`` (and only those: a service
    suspended for an overdue invoice stays suspended); the ids unsuspended."""
    unsuspended = []
    for service_id in await repo.live_for_customer(session, principal, customer_id):
        service = await repo.SERVICE.locked(session, principal, service_id)
        if service.status is S.SUSPENDED and service.suspend_reason in reasons:
            await transition(session, principal, service_id, S.ACTIVE)
            unsuspended.append(service_id)
    return unsuspended


async def delivery_context(session: AsyncSession, service_id: int) -> tuple[str, ServiceContext, int] | None:
    """The module name, what the module needs, and the current delivery sequence of a service."""
    found = await repo.get_with_product(session, service_id)
    if found is None:
        return None
    service, product = found
    context = ServiceContext(
        service_id=service.id,
        customer_id=service.customer_id,
        product_id=product.id,
        livemode=service.livemode,
        config=dict(product.config or {}),
        data=dict(service.data or {}),
        server=await servers.target_of(session, service.server_id) if service.server_id is not None else None,
    )
    return product.type, context, service.delivery_seq


async def record_delivery(
    session: AsyncSession,
    service_id: int,
    seq: int,
    *,
    action: str,
    error: str | None,
    final: bool,
    data: dict[str, Any] | None = None,
) -> None:
    """Write a module call's outcome on the service (if no later transition superseded it) and its history."""
    service = await repo.lock_unscoped(session, service_id)
    if service is None:
        return
    system = Principal.system(livemode=service.livemode)
    if data:
        service.data = {**(service.data or {}), **data}
    if service.delivery_seq == seq:
        service.delivery_attempts += 1
        if error is None:
            service.delivery_status, service.delivery_errors = DeliveryStatus.DONE, None
        else:
            service.delivery_errors = error[:2000]
            service.delivery_status = DeliveryStatus.FAILED if final else DeliveryStatus.PENDING
    kind = f"delivery.{action}." + ("done" if error is None else "failed" if final else "retrying")
    repo.add_event(session, service.id, kind, system, reason=error[:255] if error else None)


async def history(session: AsyncSession, principal: Principal, service_id: int) -> list[dict[str, Any]]:
    await get_service(session, principal, service_id)
    return [
        {"kind": e.kind, "from": e.from_status, "to": e.to_status, "reason": e.reason, "at": e.at}
        for e in await repo.events(session, service_id)
    ]


OVERDUE_REASON = "Overdue on payment"


async def status_of(session: AsyncSession, service_id: int) -> ServiceStatus | None:
    service = await repo.lock_unscoped(session, service_id)
    return service.status if service is not None else None


async def suspended_for_overdue(session: AsyncSession, service_id: int) -> bool:
    service = await repo.lock_unscoped(session, service_id)
    return service is not None and service.status is S.SUSPENDED and service.suspend_reason == OVERDUE_REASON


async def lock_due_for_renewal(
    session: AsyncSession,
    horizon: dt.date,
    *,
    batch: int,
    flags: Mapping[str, repo.PeriodFlag] | None = None,
    skip_locked: bool = True,
) -> list[dict[str, Any]]:
    """The billing run's next batch: recurring active or suspended services whose next period starts by
    ``horizon``, locked for the batch's transaction (others' locked rows skipped, or waited for when not
    ``skip_locked``). ``flags`` adds a
    condition per row, built by the caller from a service's id and period start (billing asks, in the same
    query, whether that period is already invoiced)."""
    return await repo.lock_due_for_renewal(session, horizon, batch, flags or {}, skip_locked=skip_locked)


async def move_due_dates(session: AsyncSession, moves: list[dict[str, Any]]) -> None:
    """Move many services to their next period at once (each move: ``id``, ``next_due_date``)."""
    await repo.move_due_dates(session, moves)


async def ids_in_status_among(
    session: AsyncSession, status: ServiceStatus, among: sa.Select[Any], *, reason: str | None = None
) -> dict[bool, list[int]]:
    """Ids of the services in ``status`` among those ``among`` selects (one query), grouped by mode."""
    return await repo.ids_by_mode_among(session, status, among, reason)


async def of_module(session: AsyncSession, principal: Principal, module: str) -> list[dict[str, Any]]:
    """The services ``principal`` sees whose product's provisioning module is ``module`` (a partner's CMS instances)."""
    return await repo.of_module(session, principal, module)


async def one_of_module(session: AsyncSession, principal: Principal, module: str, service_id: int) -> dict[str, Any]:
    return await repo.one_of_module(session, principal, module, service_id)
