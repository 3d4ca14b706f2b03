"""All SQL of billing."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing.errors import InvoiceNotFound, PaymentMethodNotFound
from hostlane.core.db import bulk_insert, bulk_update, insert_for
from hostlane.core.pagination import ListSpec, Match
from hostlane.core.repository import Include, Scoped, children
from hostlane.identity.principal import Principal
from hostlane.models import (
    GatewayCustomer,
    Invoice,
    InvoiceItem,
    InvoiceSequence,
    InvoiceStatus,
    ItemType,
    Job,
    JobStatus,
    PartnerUsage,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Service,
    TaxRule,
)

INVOICES = cast(sa.Table, Invoice.__table__)
ITEMS = cast(sa.Table, InvoiceItem.__table__)
USAGE = cast(sa.Table, PartnerUsage.__table__)
SERVICES = cast(sa.Table, Service.__table__)

LIST_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "customer_id": Match.INTEGER,
        "status": Match.EXACT,
        "number": Match.EXACT,
        "currency": Match.EXACT,
        "order_id": Match.INTEGER,
    },
    sorts=frozenset({"id", "customer_id", "date", "duedate", "total", "status", "created_at", "updated_at"}),
    includes=frozenset({"items", "payments"}),
)
COLUMNS = {**{c.name: c for c in INVOICES.c}, "total": INVOICES.c.total_minor}
# The setup fees on an invoice: the sum of its setup lines (a part of its subtotal).
SETUP_MINOR = (
    sa.select(sa.cast(sa.func.coalesce(sa.func.sum(ITEMS.c.linetotal_minor), 0), sa.BigInteger))
    .where(ITEMS.c.invoice_id == INVOICES.c.id, ITEMS.c.type == ItemType.SETUP)
    .scalar_subquery()
)


# The invoice's read shape is its columns, ``due_minor`` (what is left to pay) and ``setup_minor``; a deleted
# invoice is gone for everyone; customers never see drafts.
INVOICE = Scoped(
    Invoice,
    columns=[*INVOICES.c, Invoice.due_minor.label("due_minor"), SETUP_MINOR.label("setup_minor")],
    list_columns=COLUMNS,
    always=lambda table: [table.c.deleted_at.is_(None)],
    tenants_only=lambda table: [table.c.status != InvoiceStatus.DRAFT],
    spec=LIST_SPEC,
    missing=InvoiceNotFound,
)
INVOICE.includes = {
    "items": Include(children(ITEMS, "invoice_id")),
    "payments": Include(children(cast(sa.Table, Payment.__table__), "invoice_id")),
}


async def tax_rules(session: AsyncSession, livemode: bool, country: str, state: str) -> Sequence[TaxRule]:
    """Rules that may apply: the country's (or every country's), for the state or every state."""
    return (
        await session.scalars(
            sa.select(TaxRule).where(
                TaxRule.livemode.is_(livemode), TaxRule.country.in_([country, ""]), TaxRule.state.in_([state, ""])
            )
        )
    ).all()


async def unpaid_for_customer(session: AsyncSession, customer_id: int) -> Sequence[Invoice]:
    return (
        await session.scalars(
            sa.select(Invoice)
            .where(Invoice.customer_id == customer_id, Invoice.status == InvoiceStatus.UNPAID)
            .order_by(Invoice.duedate, Invoice.id)
            .with_for_update()
        )
    ).all()


async def overdue_unpaid_for_service(session: AsyncSession, service_id: int, today: dt.date) -> bool:
    found = await session.scalar(
        sa.select(sa.literal(1))
        .select_from(Invoice)
        .join(InvoiceItem, InvoiceItem.invoice_id == Invoice.id)
        .where(InvoiceItem.service_id == service_id, Invoice.status == InvoiceStatus.UNPAID, Invoice.duedate < today)
        .limit(1)
    )
    return found is not None


async def in_flight_payment(session: AsyncSession, invoice_id: int) -> Payment | None:
    return await session.scalar(
        sa.select(Payment).where(Payment.invoice_id == invoice_id, Payment.status == PaymentStatus.UNKNOWN)
    )


async def default_method(session: AsyncSession, livemode: bool, customer_id: int) -> PaymentMethod | None:
    return await session.scalar(
        sa.select(PaymentMethod)
        .where(PaymentMethod.livemode.is_(livemode), PaymentMethod.customer_id == customer_id)
        .order_by(PaymentMethod.is_default.desc(), PaymentMethod.id.desc())
        .limit(1)
    )


# A customer's saved payment methods, each seen through the caller's scope (another customer's reads as absent).
PAYMENT_METHOD = Scoped(PaymentMethod, missing=PaymentMethodNotFound)


async def lock_method(session: AsyncSession, principal: Principal, customer_id: int, method_id: int) -> PaymentMethod:
    """The customer's payment method, locked, or ``PaymentMethodNotFound``."""
    found = await session.scalar(
        sa.select(PaymentMethod)
        .where(
            PaymentMethod.id == method_id,
            PaymentMethod.customer_id == customer_id,
            *PAYMENT_METHOD.scope(principal),
        )
        .with_for_update()
    )
    if found is None:
        raise PaymentMethodNotFound()
    return found


async def unset_default_methods(session: AsyncSession, customer_id: int) -> None:
    """No method of the customer is its default any more (before another becomes it: one default each)."""
    await session.execute(
        sa.update(PaymentMethod)
        .where(PaymentMethod.customer_id == customer_id, PaymentMethod.is_default.is_(True))
        .values(is_default=False)
    )


async def gateway_customer(session: AsyncSession, customer_id: int, gateway: str) -> str | None:
    """The customer's id at ``gateway`` (a Stripe Customer), if it has one."""
    found = await session.scalar(
        sa.select(GatewayCustomer.reference).where(
            GatewayCustomer.customer_id == customer_id, GatewayCustomer.gateway == gateway
        )
    )
    return str(found) if found is not None else None


async def balances(session: AsyncSession, principal: Principal, customer_id: int) -> int:
    """The unpaid total of a customer's invoices (what they owe), in minor units. Summed here, not by SQL's
    ``sum()``: each invoice's total fits a 64-bit integer, but SQLite's sum of several may not (PostgreSQL's
    would be numeric), and a customer's unpaid invoices are few."""
    dues = await session.scalars(
        sa.select(Invoice.due_minor).where(
            *INVOICE.scope(principal), INVOICES.c.customer_id == customer_id, INVOICES.c.status == InvoiceStatus.UNPAID
        )
    )
    return sum(int(due) for due in dues)


async def received_between(
    session: AsyncSession, principal: Principal, start: dt.datetime, end: dt.datetime
) -> dict[str, int]:
    """What payments brought in from ``start`` to ``end`` (less what was refunded of them), by currency. Summed
    here rather than by SQL's ``sum()`` (see ``balances``); a month's payments are read once, column by column."""
    rows = await session.execute(
        sa.select(Payment.currency, Payment.amount_minor, Payment.refunded_minor).where(
            Payment.livemode.is_(principal.livemode),
            *([Payment.customer_id == principal.scope] if principal.scope is not None else []),
            Payment.status.in_([PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED]),
            Payment.created_at >= start,
            Payment.created_at < end,
        )
    )
    received: dict[str, int] = {}
    for currency, amount, refunded in rows.all():
        received[currency] = received.get(currency, 0) + int(amount) - int(refunded or 0)
    return received


async def count_overdue(session: AsyncSession, principal: Principal, today: dt.date) -> int:
    """How many unpaid invoices were due before ``today`` (the index on livemode, status and due date)."""
    return int(
        await session.scalar(
            sa.select(sa.func.count())
            .select_from(INVOICES)
            .where(*INVOICE.scope(principal), INVOICES.c.status == InvoiceStatus.UNPAID, INVOICES.c.duedate < today)
        )
        or 0
    )


async def service_ids_on(session: AsyncSession, invoice_id: int) -> Sequence[int]:
    rows = await session.scalars(
        sa.select(ITEMS.c.service_id)
        .where(ITEMS.c.invoice_id == invoice_id, ITEMS.c.service_id.is_not(None))
        .distinct()
    )
    return sorted(int(value) for value in rows.all())


async def renewal_periods_on(session: AsyncSession, invoice_id: int) -> dict[int, dt.date]:
    """The services an invoice renews (its service charges for a period), each with the last day it pays for."""
    rows = await session.execute(
        sa.select(ITEMS.c.service_id, sa.func.max(ITEMS.c.period_end))
        .where(
            ITEMS.c.invoice_id == invoice_id,
            ITEMS.c.type == ItemType.SERVICE,
            ITEMS.c.service_id.is_not(None),
            ITEMS.c.period_end.is_not(None),
        )
        .group_by(ITEMS.c.service_id)
    )
    return {int(service_id): through for service_id, through in rows.all()}


async def reserve_sequence(session: AsyncSession, dialect: str, livemode: bool, period: str, count: int) -> int:
    """Take ``count`` numbers of a sequence at once; returns the last one taken."""
    table = cast(sa.Table, InvoiceSequence.__table__)
    insert = insert_for(dialect, table).values(livemode=livemode, period=period, last=count)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.livemode, table.c.period], set_={"last": table.c.last + count}
    ).returning(table.c.last)
    return int((await session.execute(statement)).scalar_one())


async def tax_rule(session: AsyncSession, livemode: bool, level: int, country: str, state: str) -> TaxRule | None:
    return await session.scalar(
        sa.select(TaxRule).where(
            TaxRule.livemode.is_(livemode), TaxRule.level == level, TaxRule.country == country, TaxRule.state == state
        )
    )


async def all_tax_rules(session: AsyncSession, livemode: bool) -> Sequence[TaxRule]:
    return (
        await session.scalars(
            sa.select(TaxRule)
            .where(TaxRule.livemode.is_(livemode))
            .order_by(TaxRule.country, TaxRule.state, TaxRule.level)
        )
    ).all()


async def refundable_payments(session: AsyncSession, invoice_id: int) -> Sequence[Payment]:
    """Succeeded payments of an invoice made through a gateway that can give money back."""
    return (
        await session.scalars(
            sa.select(Payment)
            .where(
                Payment.invoice_id == invoice_id,
                Payment.status == PaymentStatus.SUCCEEDED,
                Payment.gateway.in_(["test", "stripe"]),
            )
            .with_for_update()
        )
    ).all()


async def every_tax_rule(session: AsyncSession) -> Sequence[TaxRule]:
    """The rules of both modes (the billing run picks per invoice)."""
    return (await session.scalars(sa.select(TaxRule))).all()


def period_billed(service_id: sa.ColumnElement[int], period_start: sa.ColumnElement[dt.date]) -> sa.ColumnElement[bool]:
    """Whether a service's period has its renewal item already (its due date was moved back): a condition
    the services domain puts in its own query, so the run asks it of a whole batch at once."""
    return sa.exists().where(
        ITEMS.c.service_id == service_id, ITEMS.c.period_start == period_start, ITEMS.c.type == ItemType.SERVICE
    )


def services_owing_before(before: dt.date) -> sa.Select[Any]:
    """The ids of services with an unpaid invoice due before ``before`` (a subquery for the services domain)."""
    return (
        sa.select(ITEMS.c.service_id)
        .join(INVOICES, INVOICES.c.id == ITEMS.c.invoice_id)
        .where(
            ITEMS.c.service_id.is_not(None),
            INVOICES.c.status == InvoiceStatus.UNPAID,
            INVOICES.c.duedate < before,
        )
    )


async def bulk_insert_invoices(
    session: AsyncSession, invoices: list[dict[str, Any]], items: list[list[dict[str, Any]]]
) -> list[int]:
    """Insert a batch of invoices with their items (``items[i]`` belong to ``invoices[i]``); their ids."""
    ids = await bulk_insert(session, INVOICES, invoices, return_ids=True)
    for invoice_id, lines in zip(ids, items, strict=True):
        for item in lines:
            item["invoice_id"] = invoice_id
    await bulk_insert(session, ITEMS, [item for lines in items for item in lines])
    return ids


async def unbilled_usage(session: AsyncSession, service_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The recorded months of metered use of these services that no invoice billed yet (a partner's CMS instance's
    displays, ``models.partner.PartnerUsage``), oldest first, with what prices them: the service's renewal price,
    cycle and data (its ordered displays)."""
    if not service_ids:
        return []
    rows = await session.execute(
        sa.select(
            USAGE.c.id,
            USAGE.c.service_id,
            USAGE.c.month,
            USAGE.c.displays,
            SERVICES.c.price_minor,
            SERVICES.c.billing,
            SERVICES.c.data,
        )
        .join(SERVICES, SERVICES.c.id == USAGE.c.service_id)
        .where(USAGE.c.service_id.in_(service_ids), USAGE.c.billed_invoice_id.is_(None))
        .order_by(USAGE.c.service_id, USAGE.c.month)
    )
    return [dict(row) for row in rows.mappings()]


async def mark_usage_billed(session: AsyncSession, billed: list[dict[str, Any]]) -> None:
    """Set the invoice that billed each usage month (each: ``id`` and ``billed_invoice_id``)."""
    await bulk_update(session, USAGE, billed)


async def mark_reminded(session: AsyncSession, on: dt.date, at: dt.datetime) -> list[tuple[int, bool]]:
    """Unpaid invoices due on or before ``on`` and not yet reminded, now marked reminded: (id, livemode)."""
    rows = await session.execute(
        sa.update(Invoice)
        .where(Invoice.status == InvoiceStatus.UNPAID, Invoice.duedate <= on, Invoice.reminded_at.is_(None))
        .values(reminded_at=at)
        .returning(Invoice.id, Invoice.livemode)
    )
    return [(int(invoice_id), bool(livemode)) for invoice_id, livemode in rows.all()]


async def due_for_automatic_charge(session: AsyncSession, day: dt.date) -> list[int]:
    """Unpaid invoices due by ``day`` with something left to pay, whose customer saved a payment method and
    that no charge job waits for, in id order."""
    key = sa.literal("invoice:") + sa.cast(Invoice.id, sa.String)
    queued = sa.exists().where(Job.key == key, Job.status.in_([JobStatus.PENDING, JobStatus.RUNNING]))
    has_method = sa.exists().where(
        PaymentMethod.customer_id == Invoice.customer_id, PaymentMethod.livemode == Invoice.livemode
    )
    ids = await session.scalars(
        sa.select(Invoice.id)
        .where(
            Invoice.status == InvoiceStatus.UNPAID, Invoice.duedate <= day, Invoice.due_minor > 0, has_method, ~queued
        )
        .order_by(Invoice.id)
    )
    return [int(invoice_id) for invoice_id in ids.all()]


async def has_items(session: AsyncSession, invoice_id: int) -> bool:
    found = await session.scalar(sa.select(sa.literal(1)).where(ITEMS.c.invoice_id == invoice_id).limit(1))
    return found is not None


async def items_of(session: AsyncSession, invoice_id: int) -> Sequence[InvoiceItem]:
    return (
        await session.scalars(
            sa.select(InvoiceItem).where(InvoiceItem.invoice_id == invoice_id).order_by(InvoiceItem.id)
        )
    ).all()


async def remove_unlinked_items(session: AsyncSession, invoice_id: int) -> None:
    """Delete an invoice's lines that no service holds (a draft's own lines, replaced by staff)."""
    await session.execute(sa.delete(ITEMS).where(ITEMS.c.invoice_id == invoice_id, ITEMS.c.service_id.is_(None)))


async def for_export(
    session: AsyncSession,
    principal: Principal,
    *,
    statuses: Sequence[InvoiceStatus] | None,
    customer_id: int | None,
    created_from: dt.datetime | None,
    created_before: dt.datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    """The readable invoices that match, in id order, at most ``limit`` of them."""
    statement = INVOICE.readable(principal)
    if statuses is not None:
        statement = statement.where(INVOICES.c.status.in_(statuses))
    if customer_id is not None:
        statement = statement.where(INVOICES.c.customer_id == customer_id)
    if created_from is not None:
        statement = statement.where(INVOICES.c.created_at >= created_from)
    if created_before is not None:
        statement = statement.where(INVOICES.c.created_at < created_before)
    rows = await session.execute(statement.order_by(INVOICES.c.id).limit(limit))
    return [dict(row) for row in rows.mappings()]


# The daily run's renewals inside PostgreSQL: one statement per batch (``renew_batch_in_database``). Every rule is
# the one ``renewals._renew_batch`` applies in Python, written again in SQL; ``tests/billing/test_renewals_in_database``
# runs one scenario through both and compares every row written. Each table is written once in the statement and
# nothing reads what a sibling writes but through RETURNING, so AFTER triggers (row or statement level) see one
# ordinary write per table, and the unique (service, period) and (service, usage month) items still refuse a double
# bill: a violation fails the statement, and with it the batch's transaction.
_RENEW_IN_DATABASE = """
WITH due AS MATERIALIZED (
    SELECT s.id, s.livemode, s.customer_id, s.name, s.billing, s.price_minor, s.currency,
           s.next_due_date AS period_start,
           -- cycles.next_due: the cycle's months on, on the anchor day (else the start's) or the month's last day
           target.first_day + (least(
               coalesce(nullif(s.billing_day, 0), extract(day FROM s.next_due_date)::int),
               extract(day FROM target.first_day + interval '1 month' - interval '1 day')::int
           ) - 1) AS following,
           EXISTS (
               SELECT 1 FROM invoice_items i
               WHERE i.service_id = s.id AND i.period_start = s.next_due_date AND i.type = 'service'
           ) AS already_billed
    FROM services s
    CROSS JOIN LATERAL (
        SELECT (date_trunc('month', s.next_due_date) + make_interval(months => {months_of_cycle}))::date AS first_day
    ) AS target
    WHERE s.status IN ('active', 'suspended') AND s.billing <> 'onetime'
      AND s.next_due_date IS NOT NULL AND s.next_due_date <= :horizon AND s.id > :after
      AND s.cancel_at IS NULL  -- a cancellation at the end of the period: that period is the last
      AND NOT EXISTS (SELECT 1 FROM service_coupons c WHERE c.service_id = s.id)  -- their discount: in Python
    ORDER BY s.id
    LIMIT :batch
    FOR UPDATE OF s {skip_locked}
),
moved AS (
    -- the batch's ids as an array too, so that the rows are found by the primary key, never by a scan
    UPDATE services s SET next_due_date = due.following
    FROM due WHERE s.id = due.id AND s.id = ANY (ARRAY(SELECT due.id FROM due))
    RETURNING s.id
),
usage AS MATERIALIZED (
    -- renewals.metered_display_price and _metered_lines
    SELECT u.id, u.service_id, u.month, u.displays, p.name, shares.licensed,
           (p.price_minor * 2 + shares.share) / (shares.share * 2) AS price,
           greatest(0, u.displays - shares.licensed) AS qty
    FROM partner_usage u
    JOIN due p ON p.id = u.service_id AND NOT p.already_billed
    JOIN services ordered ON ordered.id = u.service_id
    CROSS JOIN LATERAL (
        SELECT greatest(coalesce(nullif(ordered.data ->> :displays_key, '')::int, 1), 1) AS licensed
    ) AS licence
    CROSS JOIN LATERAL (
        SELECT licence.licensed, licence.licensed * coalesce({months_of_cycle_p}, 1) AS share
    ) AS shares
    WHERE u.billed_invoice_id IS NULL
),
metered AS (
    SELECT service_id, sum(price * qty) AS total FROM usage GROUP BY service_id
),
places AS MATERIALIZED (
    -- tax.pick_rates, once per (mode, country, state) of the batch: of each level, the rule of the customer's
    -- state, else its country's, else everyone's
    SELECT places.livemode, places.country, places.state,
           coalesce((
               SELECT r.rate_milli FROM tax_rules r
               WHERE r.livemode = places.livemode AND r.level = 1
                 AND r.country IN ('', places.country) AND r.state IN ('', places.state)
               ORDER BY (r.country = places.country)::int * 2 + (r.state <> '' AND r.state = places.state)::int DESC
               LIMIT 1
           ), 0) AS rate1,
           coalesce((
               SELECT r.rate_milli FROM tax_rules r
               WHERE r.livemode = places.livemode AND r.level = 2
                 AND r.country IN ('', places.country) AND r.state IN ('', places.state)
               ORDER BY (r.country = places.country)::int * 2 + (r.state <> '' AND r.state = places.state)::int DESC
               LIMIT 1
           ), 0) AS rate2
    FROM (
        SELECT DISTINCT due.livemode, c.country, coalesce(c.state, '') AS state
        FROM due JOIN customers c ON c.id = due.customer_id
    ) AS places
),
bill AS MATERIALIZED (
    SELECT p.id, p.livemode, p.customer_id, p.name, p.billing, p.price_minor, p.currency, p.period_start,
           p.following, c.taxexempt, c.credit_minor > 0 AS has_credit,
           p.price_minor + coalesce(metered.total, 0) AS subtotal, places.rate1, places.rate2,
           row_number() OVER (PARTITION BY p.livemode ORDER BY p.id) AS nth
    FROM due p
    JOIN customers c ON c.id = p.customer_id
    JOIN places ON places.livemode = p.livemode AND places.country = c.country
        AND places.state = coalesce(c.state, '')
    LEFT JOIN metered ON metered.service_id = p.id
    WHERE NOT p.already_billed
),
totals AS (
    -- totals.compute_totals: every renewal line is taxed; each level rounded once, half away from zero
    SELECT bill.*,
           CASE WHEN bill.taxexempt THEN 0 ELSE round(bill.subtotal::numeric * bill.rate1 / 100000)::bigint END AS tax1,
           CASE WHEN bill.taxexempt THEN 0 ELSE round(bill.subtotal::numeric * bill.rate2 / 100000)::bigint END AS tax2
    FROM bill
),
sequence AS (
    -- settlement.reserve_numbers: one update of each mode's sequence, the modes in a fixed order
    INSERT INTO invoice_sequences (livemode, period, last)
    SELECT livemode, :period, count(*) FROM bill GROUP BY livemode ORDER BY livemode
    ON CONFLICT (livemode, period) DO UPDATE SET last = invoice_sequences.last + excluded.last
    RETURNING livemode, last
),
numbered AS MATERIALIZED (
    -- the invoice's id drawn first (after the sort: in service order, as the Python path inserts them), so
    -- lines, usage and the result take it from here and never join the inserted rows back
    SELECT nextval((SELECT pg_get_serial_sequence('invoices', 'id'))::regclass) AS invoice_id, totals.*,
           totals.subtotal + totals.tax1 + totals.tax2 AS total,
           :prefix || (sequence.last - counts.n + totals.nth)::text || :suffix AS number
    FROM totals
    JOIN (SELECT livemode, count(*) AS n FROM bill GROUP BY livemode) AS counts ON counts.livemode = totals.livemode
    JOIN sequence ON sequence.livemode = totals.livemode
    ORDER BY totals.id
),
made AS (
    INSERT INTO invoices (
        id, livemode, customer_id, number, status, datepaid, date, duedate, currency, subtotal_minor, credit_minor,
        tax_minor, taxrate_milli, tax2_minor, taxrate2_milli, taxexempt, total_minor, paid_minor, created_at, updated_at
    )
    SELECT invoice_id, livemode, customer_id, number,
           CASE WHEN total > 0 THEN 'unpaid' ELSE 'paid' END,
           CASE WHEN total > 0 THEN NULL ELSE CAST(:now AS timestamptz) END,
           CAST(:day AS date), period_start, currency, subtotal, 0,
           tax1, CASE WHEN taxexempt THEN 0 ELSE rate1 END, tax2, CASE WHEN taxexempt THEN 0 ELSE rate2 END,
           taxexempt, total, 0, CAST(:now AS timestamptz), CAST(:now AS timestamptz)
    FROM numbered
    ORDER BY invoice_id
),
lines AS (
    INSERT INTO invoice_items (
        invoice_id, type, service_id, description, amount_minor, qty, taxed, linetotal_minor, period_start, period_end
    )
    SELECT invoice_id, type, service_id, description, amount_minor, qty, true, amount_minor * qty,
           period_start, period_end
    FROM (
        SELECT numbered.invoice_id, 'service' AS type, numbered.id AS service_id,
               numbered.name || ' (' || numbered.billing || ') ' || to_char(numbered.period_start, 'YYYY-MM-DD')
                   || ' - ' || to_char(numbered.following - 1, 'YYYY-MM-DD') AS description,
               numbered.price_minor AS amount_minor, 1 AS qty, numbered.period_start,
               numbered.following - 1 AS period_end
        FROM numbered
        UNION ALL
        SELECT numbered.invoice_id, 'metered', usage.service_id,
               usage.name || ' - metered displays ' || to_char(usage.month, 'YYYY-MM') || ': ' || usage.displays
                   || ' used, ' || usage.licensed || ' licensed',
               usage.price, usage.qty, usage.month, (usage.month + interval '1 month')::date - 1
        FROM usage JOIN numbered ON numbered.id = usage.service_id
    ) AS every_line
    ORDER BY invoice_id, type = 'metered', period_start
),
billed_usage AS (
    UPDATE partner_usage u SET billed_invoice_id = numbered.invoice_id
    FROM usage JOIN numbered ON numbered.id = usage.service_id
    WHERE u.id = usage.id
)
SELECT renewed.n AS renewed, renewed.last_id, numbered.invoice_id, numbered.livemode, numbered.total AS total_minor,
       numbered.has_credit
FROM (SELECT count(*) AS n, max(id) AS last_id FROM moved) AS renewed
LEFT JOIN numbered ON true
ORDER BY numbered.invoice_id
"""


@functools.cache
def _months_of(column: str, months: tuple[tuple[str, int], ...]) -> str:
    """A cycle's months as a CASE over ``column`` (the cycles and their months are the code's own constants)."""
    cases = " ".join(f"WHEN '{cycle}' THEN {int(count)}" for cycle, count in months)
    return f"(CASE {column} {cases} END)"


@functools.cache
def _renew_sql(months: tuple[tuple[str, int], ...], skip_locked: bool) -> sa.TextClause:
    return sa.text(
        _RENEW_IN_DATABASE.replace("{months_of_cycle}", _months_of("s.billing", months))
        .replace("{months_of_cycle_p}", _months_of("p.billing", months))
        .replace("{skip_locked}", "SKIP LOCKED" if skip_locked else "")
    )


def _renew_statement(months: dict[str, int], skip_locked: bool) -> sa.TextClause:
    return _renew_sql(tuple(sorted(months.items())), skip_locked)


async def renew_batch_in_database(
    session: AsyncSession,
    *,
    day: dt.date,
    horizon: dt.date,
    after: int,
    batch: int,
    now: dt.datetime,
    period: str,
    prefix: str,
    suffix: str,
    months: dict[str, int],
    displays_key: str,
    skip_locked: bool = True,
) -> tuple[int, int, list[dict[str, Any]]]:
    """Renew the next batch of due services after id ``after`` in one statement (PostgreSQL): lock them, move
    their due dates, and write the invoices of the periods not billed yet, with their lines, numbers and totals,
    and mark their metered use billed. Returns how many services the batch held, the last one's id, and the
    invoices made (``invoice_id``, ``livemode``, ``total_minor``, ``has_credit``: whether their customer has
    credit to spend), in id order. With ``skip_locked`` false it waits for the rows another transaction holds."""
    rows = (
        (
            await session.execute(
                _renew_statement(months, skip_locked),
                {
                    "horizon": horizon,
                    "after": after,
                    "batch": batch,
                    "day": day,
                    "now": now,
                    "period": period,
                    "prefix": prefix,
                    "suffix": suffix,
                    "displays_key": displays_key,
                },
            )
        )
        .mappings()
        .all()
    )
    renewed, last_id = (int(rows[0]["renewed"]), int(rows[0]["last_id"] or after)) if rows else (0, after)
    return renewed, last_id, [dict(row) for row in rows if row["invoice_id"] is not None]
