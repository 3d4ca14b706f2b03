"""The figures the admin dashboard reads from billing: money received this month by currency, overdue
invoices, and the last daily run (written to the audit log by the run)."""

from __future__ import annotations

import datetime as dt

from hostlane.billing import service as billing
from hostlane.billing.run import daily_run
from hostlane.billing.schemas import PaymentIn
from hostlane.core import clock
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer
from tests.fixtures.invoices import make_invoice

SYSTEM = Principal.system()


async def _pay(runtime: Runtime, invoice_id: int, reference: str) -> None:
    async with runtime.db.transaction() as session:
        await billing.record_manual_payment(session, SYSTEM, invoice_id, PaymentIn(transaction_id=reference))


async def test_received_this_month_sums_payments_by_currency_in_the_mode(runtime: Runtime) -> None:
    euro = int((await make_customer(runtime, currency="EUR"))["id"])  # type: ignore[call-overload]
    dollar = int((await make_customer(runtime, currency="USD"))["id"])  # type: ignore[call-overload]
    test_customer = int((await make_customer(runtime, livemode=False))["id"])  # type: ignore[call-overload]
    today = clock.today()
    last_month = dt.datetime(today.year, today.month, 1, 12, tzinfo=dt.UTC) - dt.timedelta(days=1)
    with clock.frozen_at(last_month):
        await _pay(runtime, await make_invoice(runtime, euro), "old")
    await _pay(runtime, await make_invoice(runtime, euro), "a")
    await _pay(runtime, await make_invoice(runtime, euro), "b")
    await _pay(runtime, await make_invoice(runtime, dollar), "c")
    async with runtime.db.transaction() as session:
        invoice = await make_invoice(runtime, test_customer, livemode=False)
        await billing.record_manual_payment(
            session, Principal.system(livemode=False), invoice, PaymentIn(transaction_id="t")
        )
    async with runtime.db.reader() as session:
        assert await billing.received_this_month(session, SYSTEM) == {"EUR": 200, "USD": 100}
        assert await billing.received_this_month(session, Principal.system(livemode=False)) == {"EUR": 100}


async def test_overdue_count_counts_unpaid_invoices_past_due(runtime: Runtime) -> None:
    customer = int((await make_customer(runtime))["id"])  # type: ignore[call-overload]
    today = clock.today()
    await make_invoice(runtime, customer, due_on=today - dt.timedelta(days=3))
    await make_invoice(runtime, customer, due_on=today)  # due today: not late yet
    paid = await make_invoice(runtime, customer, due_on=today - dt.timedelta(days=3))
    await _pay(runtime, paid, "paid")
    async with runtime.db.reader() as session:
        assert await billing.overdue_count(session, SYSTEM) == 1
        assert await billing.overdue_count(session, Principal.system(livemode=False)) == 0


async def test_the_last_run_is_read_back_with_its_counts(runtime: Runtime) -> None:
    async with runtime.db.reader() as session:
        assert await billing.last_run(session) is None
    day = clock.today()
    await daily_run(runtime.db, day=day - dt.timedelta(days=1))
    report = await daily_run(runtime.db, day=day)
    async with runtime.db.reader() as session:
        last = await billing.last_run(session)
    assert last is not None and last["day"] == day
    assert {name: last[name] for name in ("renewals", "reminders", "charges_queued", "suspended", "terminated")} == {
        "renewals": report.renewals,
        "reminders": report.reminders,
        "charges_queued": report.charges_queued,
        "suspended": report.suspended,
        "terminated": report.terminated,
    }
