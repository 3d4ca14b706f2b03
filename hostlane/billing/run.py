"""The daily billing run: renewal invoices, automatic charges, overdue suspension and termination.

Exactly once, whatever crashes or overlaps: each batch is one transaction; a renewal is an invoice item
unique per (service, period) and the service's next due date moves in the same transaction, so a run
killed at any point and run again makes no duplicate and misses nothing. Renewals are set-based:
each batch reads its services, customers and tax rules in a few queries and writes invoices, items and
due dates with bulk statements. Only the few invoices whose customer has credit take the per-invoice path.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import repository as repo
from hostlane.billing import service as billing
from hostlane.billing.service import NewItem, compute_totals, format_number, pick_rates
from hostlane.config import get_settings
from hostlane.core import clock
from hostlane.core.db import Database, UTCDateTime, bulk_insert, bulk_update, insert_for
from hostlane.identity.principal import Principal
from hostlane.jobs import outbox
from hostlane.models import (
    BillingCycle,
    Customer,
    Invoice,
    InvoiceItem,
    InvoiceStatus,
    ItemType,
    Job,
    JobStatus,
    PaymentMethod,
    SchedulerLock,
    Service,
    ServiceStatus,
    TaxRule,
)
from hostlane.notifications import service as notifications
from hostlane.services import cycles
from hostlane.services import service as services

log = logging.getLogger("hostlane.billing")
BATCH = 5000
TRANSITION_BATCH = 200
LOCK_NAME = "billing.daily_run"
CHARGE_JOB = "billing.charge_invoice"
MAILS = {ServiceStatus.SUSPENDED: "service_suspended", ServiceStatus.TERMINATED: "service_terminated"}


@dataclass
class RunReport:
    day: dt.date
    renewals: int = 0
    reminders: int = 0
    charges_queued: int = 0
    suspended: int = 0
    terminated: int = 0
    skipped: bool = False
    notes: list[str] = field(default_factory=list)


async def _acquire(db: Database, holder: str, lease: timedelta) -> bool:
    now = clock.now()
    table = cast(sa.Table, SchedulerLock.__table__)
    insert = insert_for(db.dialect_name, table).values(name=LOCK_NAME, holder=holder, locked_until=now + lease)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={"holder": holder, "locked_until": now + lease},
        where=table.c.locked_until < sa.literal(now, UTCDateTime()),
    ).returning(table.c.holder)
    async with db.transaction() as session:
        won = (await session.execute(statement)).scalar_one_or_none()
    return bool(won == holder)


async def _release(db: Database, holder: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            sa.delete(SchedulerLock).where(SchedulerLock.name == LOCK_NAME, SchedulerLock.holder == holder)
        )


async def daily_run(db: Database, *, day: dt.date | None = None, lease: timedelta = timedelta(hours=1)) -> RunReport:
    """Run every step for ``day`` (default: today). Safe to run again, and refused while another runs."""
    day = day or clock.today()
    report = RunReport(day)
    holder = f"{socket.gethostname()}:{os.getpid()}:{id(report)}"
    if not await _acquire(db, holder, lease):
        report.skipped = True
        report.notes.append("another billing run holds the lock")
        return report
    try:
        report.renewals = await renew_due_services(db, day)
        report.reminders = await send_reminders(db, day)
        report.charges_queued = await queue_automatic_charges(db, day)
        report.suspended = await suspend_overdue_services(db, day)
        report.terminated = await terminate_overdue_services(db, day)
    finally:
        await _release(db, holder)
    log.info("billing run %s: %s", day, report)
    return report


# Renewals


async def renew_due_services(db: Database, day: dt.date, *, batch: int = BATCH) -> int:
    """Invoice every active or suspended service whose next period starts within the notice window."""
    settings = get_settings()
    horizon = day + timedelta(days=settings.invoice_days_before_due)
    async with db.reader() as session:
        rules = list((await session.scalars(sa.select(TaxRule))).all())
    total = 0
    while True:
        async with db.transaction() as session:
            made = await _renew_batch(session, day, horizon, rules, batch)
        total += made
        if made < batch:
            return total


async def _renew_batch(session: AsyncSession, day: dt.date, horizon: dt.date, rules: list[TaxRule], batch: int) -> int:
    services_t = cast(sa.Table, Service.__table__)
    due = (
        (
            await session.execute(
                sa.select(
                    services_t.c.id,
                    services_t.c.livemode,
                    services_t.c.customer_id,
                    services_t.c.name,
                    services_t.c.billing,
                    services_t.c.price_minor,
                    services_t.c.currency,
                    services_t.c.next_due_date,
                    services_t.c.billing_day,
                    sa.exists()  # this period was invoiced already (its due date was moved back)
                    .where(
                        InvoiceItem.service_id == services_t.c.id,
                        InvoiceItem.period_start == services_t.c.next_due_date,
                        InvoiceItem.type == ItemType.SERVICE,
                    )
                    .label("already_billed"),
                )
                .where(
                    services_t.c.status.in_([ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED]),
                    services_t.c.billing != BillingCycle.ONETIME,
                    services_t.c.next_due_date.is_not(None),
                    services_t.c.next_due_date <= horizon,
                )
                .order_by(services_t.c.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        .mappings()
        .all()
    )
    if not due:
        return 0
    customers_t = cast(sa.Table, Customer.__table__)
    people = {
        row["id"]: row
        for row in (
            await session.execute(
                sa.select(
                    customers_t.c.id,
                    customers_t.c.country,
                    customers_t.c.state,
                    customers_t.c.taxexempt,
                    customers_t.c.credit_minor,
                    customers_t.c.currency,
                ).where(customers_t.c.id.in_({row["customer_id"] for row in due}))
            )
        ).mappings()
    }
    template = get_settings().invoice_number_format
    to_bill = [row for row in due if not row["already_billed"]]
    numbers = await _reserve_numbers(session, day, template, [bool(row["livemode"]) for row in to_bill])
    invoices: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    now = clock.now()
    for row in due:
        person = people[row["customer_id"]]
        start: dt.date = row["next_due_date"]
        cycle = BillingCycle(row["billing"])
        following = cycles.next_due(start, cycle, row["billing_day"])
        assert following is not None
        moves.append({"id": row["id"], "next_due_date": following})
        if row["already_billed"]:
            continue  # never twice: only the due date moves on
        end = following - timedelta(days=1)
        line = NewItem(
            description=f"{row['name']} ({cycle.value}) {start.isoformat()} - {end.isoformat()}",
            amount_minor=row["price_minor"],
            type=ItemType.SERVICE,
            service_id=row["id"],
            period_start=start,
            period_end=end,
        )
        applicable = [r for r in rules if r.livemode == row["livemode"]]
        rate, rate2 = pick_rates(applicable, person["country"], person["state"] or "")
        totals = compute_totals([line], rate, rate2, exempt=person["taxexempt"])
        invoices.append(
            {
                "livemode": row["livemode"],
                "customer_id": row["customer_id"],
                "number": numbers.pop(0),
                # Nothing to pay (a free service): paid as it is made, never overdue.
                "status": InvoiceStatus.UNPAID if totals.total > 0 else InvoiceStatus.PAID,
                "datepaid": None if totals.total > 0 else now,
                "date": day,
                "duedate": start,
                "currency": row["currency"],
                "subtotal_minor": totals.subtotal,
                "credit_minor": 0,
                "tax_minor": totals.tax,
                "taxrate_milli": 0 if person["taxexempt"] else rate,
                "tax2_minor": totals.tax2,
                "taxrate2_milli": 0 if person["taxexempt"] else rate2,
                "taxexempt": person["taxexempt"],
                "total_minor": totals.total,
                "paid_minor": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
        items.append(
            {
                "type": ItemType.SERVICE,
                "service_id": row["id"],
                "description": line.description,
                "amount_minor": line.amount_minor,
                "qty": 1,
                "taxed": True,
                "linetotal_minor": line.linetotal_minor,
                "period_start": start,
                "period_end": end,
            }
        )
    ids = await bulk_insert(session, cast(sa.Table, Invoice.__table__), invoices, return_ids=True)
    for invoice_id, item in zip(ids, items, strict=True):
        item["invoice_id"] = invoice_id
    await bulk_insert(session, cast(sa.Table, InvoiceItem.__table__), items)
    await bulk_update(session, services_t, moves)  # every service moves to the start of its next period
    # One job fans the batch's mail out later, off the run's critical path (see notifications.tasks).
    for livemode in {bool(invoice["livemode"]) for invoice in invoices}:
        chosen = [
            i
            for i, invoice in zip(ids, invoices, strict=True)
            if bool(invoice["livemode"]) is livemode and invoice["total_minor"] > 0
        ]
        notifications.queue_many(session, "invoice_created", livemode=livemode, invoice_ids=chosen)
    with_credit = [
        invoice_id
        for invoice_id, invoice in zip(ids, invoices, strict=True)
        if people[invoice["customer_id"]]["credit_minor"] > 0 and invoice["total_minor"] > 0
    ]
    for invoice_id in with_credit:
        await billing.apply_credit_to(session, invoice_id)
    return len(due)


async def _reserve_numbers(session: AsyncSession, day: dt.date, template: str, modes: list[bool]) -> list[str]:
    """Invoice numbers for a batch, in order: one sequence update per mode, not one per invoice."""
    _, period = format_number(template, day, 0)
    dialect = session.get_bind().dialect.name
    firsts: dict[bool, int] = {}
    for livemode in set(modes):
        count = modes.count(livemode)
        last = await repo.reserve_sequence(session, dialect, livemode, period, count)
        firsts[livemode] = last - count + 1
    numbers: list[str] = []
    for livemode in modes:
        numbers.append(format_number(template, day, firsts[livemode])[0])
        firsts[livemode] += 1
    return numbers


# Reminders


async def send_reminders(db: Database, day: dt.date) -> int:
    """One reminder per unpaid invoice, the given number of days after it was due."""
    days = get_settings().reminder_days_after_due
    async with db.transaction() as session:
        rows = (
            await session.execute(
                sa.update(Invoice)
                .where(
                    Invoice.status == InvoiceStatus.UNPAID,
                    Invoice.duedate <= day - timedelta(days=days),
                    Invoice.reminded_at.is_(None),
                )
                .values(reminded_at=clock.now())
                .returning(Invoice.id, Invoice.livemode)
            )
        ).all()
        for mode in {bool(livemode) for _, livemode in rows}:
            chosen = [int(i) for i, livemode in rows if bool(livemode) is mode]
            notifications.queue_many(session, "invoice_reminder", livemode=mode, invoice_ids=chosen)
    return len(rows)


# Automatic charges


async def queue_automatic_charges(db: Database, day: dt.date) -> int:
    """One charge job per unpaid, due invoice whose customer saved a payment method (none while one waits)."""
    key = sa.literal("invoice:") + sa.cast(Invoice.id, sa.String)
    queued = sa.exists().where(Job.key == key, Job.status.in_([JobStatus.PENDING, JobStatus.RUNNING]))
    has_method = sa.exists().where(
        PaymentMethod.customer_id == Invoice.customer_id, PaymentMethod.livemode == Invoice.livemode
    )
    async with db.transaction() as session:
        ids = (
            await session.scalars(
                sa.select(Invoice.id)
                .where(
                    Invoice.status == InvoiceStatus.UNPAID,
                    Invoice.duedate <= day,
                    Invoice.total_minor - Invoice.credit_minor - Invoice.paid_minor > 0,
                    has_method,
                    ~queued,
                )
                .order_by(Invoice.id)
            )
        ).all()
        for invoice_id in ids:
            outbox.enqueue(session, CHARGE_JOB, {"invoice_id": invoice_id}, key=f"invoice:{invoice_id}", max_attempts=3)
    return len(ids)


# Overdue


async def _overdue_service_ids(
    db: Database, status: ServiceStatus, before: dt.date, reason: str | None
) -> dict[bool, list[int]]:
    statement = (
        sa.select(Service.id, Service.livemode)
        .distinct()
        .join(InvoiceItem, InvoiceItem.service_id == Service.id)
        .join(Invoice, Invoice.id == InvoiceItem.invoice_id)
        .where(Service.status == status, Invoice.status == InvoiceStatus.UNPAID, Invoice.duedate < before)
    )
    if reason is not None:
        statement = statement.where(Service.suspend_reason == reason)
    by_mode: dict[bool, list[int]] = defaultdict(list)
    async with db.reader() as session:
        for service_id, livemode in (await session.execute(statement)).all():
            by_mode[bool(livemode)].append(int(service_id))
    return by_mode


async def _transition_all(
    db: Database,
    by_mode: dict[bool, list[int]],
    *,
    source: ServiceStatus,
    target: ServiceStatus,
    reason: str | None,
    before: dt.date,
) -> int:
    """Move each listed service from ``source`` to ``target`` — after locking it and checking again that
    it is still in ``source`` and still owes an invoice due before ``before`` (it may have been paid, or
    changed by staff, since the list was read)."""
    done = 0
    for livemode, ids in by_mode.items():
        system = Principal.system(livemode=livemode)
        for start in range(0, len(ids), TRANSITION_BATCH):
            async with db.transaction() as session:
                for service_id in ids[start : start + TRANSITION_BATCH]:
                    if await services.status_of(session, service_id) is not source:
                        continue
                    if not await repo.overdue_unpaid_for_service(session, service_id, before):
                        continue
                    if source is ServiceStatus.SUSPENDED and not await services.suspended_for_overdue(
                        session, service_id
                    ):
                        continue
                    await services.transition(session, system, service_id, target, reason=reason)
                    notifications.queue(session, MAILS[target], livemode=livemode, service_id=service_id)
                    done += 1
    return done


async def suspend_overdue_services(db: Database, day: dt.date) -> int:
    days = get_settings().suspend_days_after_due
    before = day - timedelta(days=days - 1)
    overdue = await _overdue_service_ids(db, ServiceStatus.ACTIVE, before, None)
    return await _transition_all(
        db,
        overdue,
        source=ServiceStatus.ACTIVE,
        target=ServiceStatus.SUSPENDED,
        reason=services.OVERDUE_REASON,
        before=before,
    )


async def terminate_overdue_services(db: Database, day: dt.date) -> int:
    days = get_settings().terminate_days_after_due
    before = day - timedelta(days=days - 1)
    overdue = await _overdue_service_ids(db, ServiceStatus.SUSPENDED, before, services.OVERDUE_REASON)
    return await _transition_all(
        db,
        overdue,
        source=ServiceStatus.SUSPENDED,
        target=ServiceStatus.TERMINATED,
        reason="Overdue: terminated",
        before=before,
    )
