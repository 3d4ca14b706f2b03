"""Renewals: the renewal window (a service is invoiced ``invoice_days_before_due`` days before its next
due date) and the daily run's renewal invoices.

Exactly once, whatever crashes or overlaps: each batch is one transaction; a renewal is an invoice item
unique per (service, period) and the service's next due date moves in the same transaction, so a run
killed at any point and run again makes no duplicate and misses nothing. Renewals are set-based. On
PostgreSQL a batch is one statement that computes and writes everything inside the database
(``repo.renew_batch_in_database``: due dates, invoices with their numbers and tax, lines, metered use); elsewhere
a batch reads its services, customers and tax rules in a few queries, computes in Python and writes invoices,
items and due dates with bulk statements. Both write the same rows (``tests/billing/test_renewals_in_database``).
Only the few invoices whose customer has credit take the per-invoice path.

Metered use rides on the renewal: a service's recorded months of use that no invoice billed yet (a partner's CMS
instance's displays, recorded by the partner programme after each month) become lines of its renewal invoice, at
the plan's price per display a month, for the displays in use beyond those licensed (the renewal itself already
charges the licensed ones: billing every display used again would charge the licensed ones twice); a month within
its licence still shows as a line of nothing, so the invoice says what was used. Exactly once as well: the line
is unique per (service, usage month) (``uq_invoice_items_service_metered``), and the usage row names its invoice,
in the batch's transaction.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import coupons, settlement, tax
from hostlane.billing import repository as repo
from hostlane.billing.totals import NewItem, compute_totals
from hostlane.config import get_settings
from hostlane.core import clock
from hostlane.core.db import Database
from hostlane.customers import service as customers
from hostlane.drivers.provisioning.cms_instance import DISPLAYS_KEY
from hostlane.models import BillingCycle, InvoiceStatus, ItemType, TaxRule
from hostlane.notifications import service as notifications
from hostlane.services import cycles
from hostlane.services import service as services

BATCH = 5000


def notice() -> timedelta:
    """How long before its due date a service's next period is invoiced."""
    return timedelta(days=get_settings().invoice_days_before_due)


def next_invoice_date(next_due_date: dt.date | None) -> dt.date | None:
    """The day the daily run invoices a service's next period (none for a service with no due date)."""
    return next_due_date - notice() if next_due_date is not None else None


def licensed_displays(data: dict[str, Any] | None) -> int:
    """The displays an instance was ordered with: its licence (at least one)."""
    return max(int((data or {}).get(DISPLAYS_KEY) or 1), 1)


def metered_display_price(price_minor: int, cycle: BillingCycle, data: dict[str, Any] | None) -> int:
    """A plan's price per display a month: the service's renewal price over its ordered displays and its cycle's
    months, half up (exact for a monthly plan, priced displays x the plan's price)."""
    share = licensed_displays(data) * cycles.MONTHS.get(cycle, 1)
    return (price_minor * 2 + share) // (share * 2)


def _metered_lines(row: dict[str, Any], usage: list[dict[str, Any]]) -> list[NewItem]:
    lines = []
    for month in usage:
        start: dt.date = month["month"]
        end = cycles.add_months(start, 1) - timedelta(days=1)
        price = metered_display_price(month["price_minor"], BillingCycle(month["billing"]), month["data"])
        used, licensed = int(month["displays"]), licensed_displays(month["data"])
        lines.append(
            NewItem(
                description=f"{row['name']} - metered displays {start:%Y-%m}: {used} used, {licensed} licensed",
                amount_minor=price,
                type=ItemType.METERED,
                qty=max(0, used - licensed),
                service_id=row["id"],
                period_start=start,
                period_end=end,
            )
        )
    return lines


async def renew_due_services(db: Database, day: dt.date, *, batch: int = BATCH, in_database: bool | None = None) -> int:
    """Invoice every active or suspended service whose next period starts within the notice window.

    On PostgreSQL each batch is one statement that computes and writes everything inside the database
    (``repo.renew_batch_in_database``); elsewhere, or with ``in_database=False``, the batch is read, computed
    in Python and written in bulk. Both write the same rows. The services ordered with a recurring coupon are
    renewed by the Python path on every database (their discount line is computed there), after the others."""
    horizon = day + notice()  # the services whose next_invoice_date is ``day`` or earlier
    around = settlement.number_around(day)
    if in_database is None:
        in_database = db.dialect_name == "postgresql" and around is not None
    elif in_database and (db.dialect_name != "postgresql" or around is None):
        raise ValueError("renewals are written inside the database on PostgreSQL, with a '{n}' number template")
    total = 0
    if in_database:
        # Every service but those ordered with a recurring coupon, whose discount line the Python path writes.
        total += await _walk(db, day, horizon, batch, rules=[], around=around)
    async with db.reader() as session:
        rules = await tax.all_rules(session)
    return total + await _walk(db, day, horizon, batch, rules=rules, around=None)


async def _walk(
    db: Database,
    day: dt.date,
    horizon: dt.date,
    batch: int,
    *,
    rules: list[TaxRule],
    around: tuple[str, str] | None,
) -> int:
    """Batches, each in its own transaction, until none is full; how many services they renewed."""
    total, after, waiting = 0, 0, False
    while True:
        async with db.transaction() as session:
            made, after = await _renew_batch(
                session, day, horizon, batch, rules=rules, after=after, around=around, skip_locked=not waiting
            )
        total += made
        if made < batch:
            if waiting:
                return total
            # The batches walked the services skipping those another transaction held (a run killed a moment ago
            # whose statement still ends, a payment): once more from the first, waiting for them this time.
            after, waiting = 0, True


async def _renew_batch(
    session: AsyncSession,
    day: dt.date,
    horizon: dt.date,
    batch: int,
    *,
    rules: list[TaxRule],
    after: int,
    around: tuple[str, str] | None,
    skip_locked: bool = True,
) -> tuple[int, int]:
    """One batch, in the caller's transaction: inside the database when ``around`` (the invoice numbers' text)
    is given, else in Python. Returns how many services it held and the id it ended at."""
    if around is not None:
        return await _renew_batch_in_database(session, day, horizon, after, batch, around, skip_locked)
    return await _renew_batch_in_python(session, day, horizon, rules, batch, skip_locked), after


async def _renew_batch_in_database(
    session: AsyncSession,
    day: dt.date,
    horizon: dt.date,
    after: int,
    batch: int,
    around: tuple[str, str],
    skip_locked: bool,
) -> tuple[int, int]:
    """One batch in one statement; the batches walk the services by id (``after``: the last one of the batch
    before), so none reads again the due dates the batches before it moved."""
    before_number, after_number = around
    renewed, last_id, made = await repo.renew_batch_in_database(
        session,
        day=day,
        horizon=horizon,
        after=after,
        batch=batch,
        now=clock.now(),
        period=before_number,
        prefix=before_number,
        suffix=after_number,
        months={cycle.value: months for cycle, months in cycles.MONTHS.items()},
        displays_key=DISPLAYS_KEY,
        skip_locked=skip_locked,
    )
    await _after_invoicing(
        session,
        [
            (int(row["invoice_id"]), bool(row["livemode"]), int(row["total_minor"]), bool(row["has_credit"]))
            for row in made
        ],
    )
    return renewed, last_id


async def _after_invoicing(session: AsyncSession, made: list[tuple[int, bool, int, bool]]) -> None:
    """What follows a batch's invoices (each: id, livemode, total, whether its customer has credit), in id order:
    the mail job of each mode, then the credit spent on each invoice whose customer has some."""
    # One job fans the batch's mail out later, off the run's critical path (see notifications.tasks).
    for livemode in {mode for _, mode, _, _ in made}:
        chosen = [invoice_id for invoice_id, mode, total, _ in made if mode is livemode and total > 0]
        notifications.queue_many(session, "invoice_created", livemode=livemode, invoice_ids=chosen)
    for invoice_id, _, total, has_credit in made:
        if has_credit and total > 0:
            await settlement.apply_credit_to(session, invoice_id)


async def _renew_batch_in_python(
    session: AsyncSession, day: dt.date, horizon: dt.date, rules: list[TaxRule], batch: int, skip_locked: bool
) -> int:
    # A period invoiced already (its due date was moved back) is flagged: only its due date moves on.
    due = await services.lock_due_for_renewal(
        session, horizon, batch=batch, flags={"already_billed": repo.period_billed}, skip_locked=skip_locked
    )
    if not due:
        return 0
    people = await customers.billing_profiles(session, {row["customer_id"] for row in due})
    to_bill = [row for row in due if not row["already_billed"]]
    numbers = iter(await settlement.reserve_numbers(session, day, [bool(row["livemode"]) for row in to_bill]))
    metered: dict[int, list[dict[str, Any]]] = {}
    for recorded in await repo.unbilled_usage(session, [row["id"] for row in to_bill]):
        metered.setdefault(int(recorded["service_id"]), []).append(recorded)
    discounts = await coupons.renewal_discounts(session, to_bill)  # recurring coupons: one query per batch
    invoices: list[dict[str, Any]] = []
    items: list[list[dict[str, Any]]] = []
    billed_usage: list[tuple[int, int]] = []  # (usage id, index of its invoice in the batch)
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
        months = metered.get(row["id"], [])
        discount = discounts.get(row["id"])
        lines = [line, *([discount] if discount is not None else []), *_metered_lines(row, months)]
        billed_usage.extend((int(month["id"]), len(invoices)) for month in months)
        applicable = [r for r in rules if r.livemode == row["livemode"]]
        rate, rate2 = tax.pick_rates(applicable, person["country"], person["state"] or "")
        totals = compute_totals(lines, rate, rate2, exempt=person["taxexempt"])
        invoices.append(
            {
                "livemode": row["livemode"],
                "customer_id": row["customer_id"],
                "number": next(numbers),
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
            [
                {
                    "type": each.type,
                    "service_id": row["id"],
                    "description": each.description,
                    "amount_minor": each.amount_minor,
                    "qty": each.qty,
                    "taxed": each.taxed,
                    "linetotal_minor": each.linetotal_minor,
                    "period_start": each.period_start,
                    "period_end": each.period_end,
                }
                for each in lines
            ]
        )
    ids = await repo.bulk_insert_invoices(session, invoices, items)
    await repo.mark_usage_billed(
        session, [{"id": usage_id, "billed_invoice_id": ids[index]} for usage_id, index in billed_usage]
    )
    await services.move_due_dates(session, moves)  # every service moves to the start of its next period
    await _after_invoicing(
        session,
        [
            (
                invoice_id,
                bool(invoice["livemode"]),
                invoice["total_minor"],
                people[invoice["customer_id"]]["credit_minor"] > 0,
            )
            for invoice_id, invoice in zip(ids, invoices, strict=True)
        ],
    )
    return len(due)
