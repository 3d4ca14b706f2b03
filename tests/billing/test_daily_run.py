"""The daily billing run with the clock moved through 24 months: renewals, suspension, termination,
exactly once even when killed mid-way; one run at a time, under a lock that dies with its holder."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import sys
from collections import Counter

import pytest
import sqlalchemy as sa

from hostlane.billing import lease, renewals
from hostlane.billing import run as billing_run
from hostlane.billing import service as billing
from hostlane.catalog import service as catalog
from hostlane.core import clock
from hostlane.core.db import Database
from hostlane.customers import service as customers
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.models import (
    BillingCycle,
    Invoice,
    InvoiceItem,
    InvoiceStatus,
    SchedulerLock,
    Service,
    ServiceStatus,
)
from hostlane.runtime import Runtime
from hostlane.services import service as services
from tests.fixtures.factories import make_customer, make_product

START = dt.date(2027, 1, 31)
SYSTEM = Principal.system()


async def _service(
    runtime: Runtime,
    cycle: BillingCycle,
    *,
    customer: dict[str, object],
    product: dict[str, object],
    livemode: bool = True,
    price: int = 1000,
) -> int:
    """An active service of ``customer`` (a factory row) on ``product``, due on START."""
    customer_id, product_id = int(str(customer["id"])), int(str(product["id"]))
    system = Principal.system(livemode=livemode)
    with clock.frozen_at(dt.datetime.combine(START, dt.time(9))):
        async with runtime.db.transaction() as session:
            service = await services.create_service(
                session,
                system,
                customer=await customers.get_customer(session, system, customer_id),
                product=await catalog.get_product(session, system, product_id),
                billing=cycle,
                currency="EUR",
                price_minor=price,
                next_due_date=START,
                billing_day=START.day,
            )
            await services.transition(session, system, service.id, ServiceStatus.ACTIVE)
            service_id = service.id
        await drain(runtime)
    return service_id


async def _run(runtime: Runtime, day: dt.date) -> billing_run.RunReport:
    with clock.frozen_at(dt.datetime.combine(day, dt.time(3))):
        report = await billing_run.daily_run(runtime.db, day=day)
        await drain(runtime)
    return report


async def _pay_all(runtime: Runtime, day: dt.date) -> None:
    with clock.frozen_at(dt.datetime.combine(day, dt.time(12))):
        async with runtime.db.reader() as session:
            unpaid = (
                await session.execute(
                    sa.select(Invoice.id, Invoice.livemode).where(Invoice.status == InvoiceStatus.UNPAID)
                )
            ).all()
        for invoice_id, livemode in unpaid:
            async with runtime.db.transaction() as session:
                invoice = await billing.get_invoice(session, Principal.system(livemode=livemode), invoice_id)
                await billing.record_payment(
                    session,
                    Principal.system(livemode=livemode),
                    invoice_id,
                    gateway="bank",
                    reference=f"TX-{invoice_id}",
                    amount_minor=invoice["total_minor"] - invoice["credit_minor"],
                )
        await drain(runtime)


async def _periods(runtime: Runtime) -> dict[int, list[tuple[dt.date, dt.date]]]:
    async with runtime.db.reader() as session:
        rows = (
            await session.execute(
                sa.select(InvoiceItem.service_id, InvoiceItem.period_start, InvoiceItem.period_end).order_by(
                    InvoiceItem.period_start
                )
            )
        ).all()
    periods: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for service_id, start, end in rows:
        periods.setdefault(service_id, []).append((start, end))
    return periods


async def test_24_months_of_renewals_on_every_cycle_paid_on_time(runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    product = await make_product(runtime, type="simulator")
    ids = {
        cycle: await _service(
            runtime,
            cycle,
            customer=customer,
            product=product,
        )
        for cycle in (
            BillingCycle.MONTHLY,
            BillingCycle.QUARTERLY,
            BillingCycle.SEMIANNUALLY,
            BillingCycle.ANNUALLY,
            BillingCycle.BIENNIALLY,
        )
    }
    day = START - dt.timedelta(days=14)
    end = START + dt.timedelta(days=730)
    while day <= end:
        await _run(runtime, day)
        await _pay_all(runtime, day)
        day += dt.timedelta(days=3)  # invoices come 14 days ahead, so every third day misses none
    periods = await _periods(runtime)
    # Bought on Jan 31: the periods keep that anchor (Feb 28, Mar 31 …) and never overlap or leave gaps.
    monthly = periods[ids[BillingCycle.MONTHLY]]
    assert [start.isoformat() for start, _ in monthly[:4]] == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]
    for service_periods in periods.values():
        for (_, previous_end), (next_start, _) in itertools.pairwise(service_periods):
            assert next_start == previous_end + dt.timedelta(days=1)
    # Invoices up to 14 days ahead of 2029-01-30 (= START + 730 days).
    assert len(monthly) == 25
    assert len(periods[ids[BillingCycle.QUARTERLY]]) == 9
    assert len(periods[ids[BillingCycle.SEMIANNUALLY]]) == 5
    assert len(periods[ids[BillingCycle.ANNUALLY]]) == 3
    assert len(periods[ids[BillingCycle.BIENNIALLY]]) == 2
    async with runtime.db.reader() as session:
        statuses = Counter((await session.scalars(sa.select(Service.status))).all())
        unpaid = await session.scalar(
            sa.select(sa.func.count()).select_from(Invoice).where(Invoice.status != InvoiceStatus.PAID)
        )
    assert statuses == {ServiceStatus.ACTIVE: 5} and unpaid == 0


async def test_overdue_suspends_then_payment_unsuspends_and_neglect_terminates(runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    product = await make_product(runtime, type="simulator")
    kept = await _service(
        runtime,
        BillingCycle.MONTHLY,
        customer=customer,
        product=product,
    )
    report = await _run(runtime, START - dt.timedelta(days=14))
    assert report.renewals == 1
    # Due on START; suspended 7 days later, not before.
    await _run(runtime, START + dt.timedelta(days=6))
    assert await _status(runtime, kept) == "active"
    report = await _run(runtime, START + dt.timedelta(days=7))
    assert report.suspended == 1 and await _status(runtime, kept) == "suspended"
    await _pay_all(runtime, START + dt.timedelta(days=8))
    assert await _status(runtime, kept) == "active"
    # The next period is never paid: suspended, then terminated 30 days after it was due.
    next_due = START + dt.timedelta(days=28)  # 2027-02-28
    for offset in range(-14, 31):
        await _run(runtime, next_due + dt.timedelta(days=offset))
    assert await _status(runtime, kept) == "terminated"


async def _status(runtime: Runtime, service_id: int) -> str:
    async with runtime.db.reader() as session:
        return str(await session.scalar(sa.select(Service.status).where(Service.id == service_id)))


async def test_a_run_killed_mid_way_and_run_again_makes_no_duplicate_and_misses_none(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = await make_customer(runtime)
    product = await make_product(runtime, type="simulator")
    for _ in range(10):
        await _service(
            runtime,
            BillingCycle.MONTHLY,
            customer=customer,
            product=product,
        )
    real_batch = renewals._renew_batch
    calls = 0

    async def dies_on_third_batch(*args: object, **kwargs: object) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("killed")
        return await real_batch(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(renewals, "_renew_batch", dies_on_third_batch)
    day = START - dt.timedelta(days=14)
    with clock.frozen_at(dt.datetime.combine(day, dt.time(3))), pytest.raises(RuntimeError):
        await renewals.renew_due_services(runtime.db, day, batch=3)
    assert sum(len(p) for p in (await _periods(runtime)).values()) == 6  # two batches committed
    monkeypatch.setattr(renewals, "_renew_batch", real_batch)
    await _run(runtime, day)
    await _run(runtime, day)  # and once more, for good measure
    periods = await _periods(runtime)
    assert len(periods) == 10 and all(p == [(START, dt.date(2027, 2, 27))] for p in periods.values())
    async with runtime.db.reader() as session:
        numbers = (await session.scalars(sa.select(Invoice.number).order_by(Invoice.id))).all()
    assert len(numbers) == len(set(numbers)) == 10


async def test_two_runs_at_once_cannot_both_run(runtime: Runtime) -> None:
    day = START
    async with lease.held(runtime.db, "first:1:aaaaaa") as won:
        assert won
        report = await billing_run.daily_run(runtime.db, day=day)
        assert report.skipped is True
        assert report.notes == ["another billing run holds the lock (first:1:aaaaaa)"]
    assert (await billing_run.daily_run(runtime.db, day=day)).skipped is False


async def test_a_second_run_started_while_one_works_is_skipped(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    working, go_on = asyncio.Event(), asyncio.Event()
    real_renewals = billing_run.renew_due_services

    async def slow_renewals(db: Database, day: dt.date) -> int:
        working.set()
        await go_on.wait()
        return await real_renewals(db, day)

    monkeypatch.setattr(billing_run, "renew_due_services", slow_renewals)
    first = asyncio.create_task(billing_run.daily_run(runtime.db, day=START))
    await working.wait()
    second = await billing_run.daily_run(runtime.db, day=START)
    go_on.set()
    assert second.skipped is True and (await first).skipped is False
    assert await lease.holder(runtime.db) is None  # released when the run ended


def _sqlite_only(runtime: Runtime) -> None:
    if runtime.db.dialect_name == "postgresql":
        pytest.skip("PostgreSQL holds an advisory lock, not a lease")


async def test_a_lease_is_kept_by_renewing_it_and_lapses_when_its_holder_stops(runtime: Runtime) -> None:
    _sqlite_only(runtime)
    working, other = lease.new_holder(), lease.new_holder()  # both alive: this process
    t = dt.datetime(2027, 1, 1, 3, tzinfo=dt.UTC)
    with clock.frozen_at(t):
        assert await lease.acquire(runtime.db, working, dt.timedelta(seconds=30))
    with clock.frozen_at(t + dt.timedelta(seconds=20)):
        assert not await lease.acquire(runtime.db, other, dt.timedelta(seconds=30))
        assert await lease.renew(runtime.db, working, dt.timedelta(seconds=30))  # the heartbeat
    with clock.frozen_at(t + dt.timedelta(seconds=45)):
        assert not await lease.acquire(runtime.db, other, dt.timedelta(seconds=30))  # kept past the first 30 s
    with clock.frozen_at(t + dt.timedelta(seconds=51)):  # the holder stalled: its lease ran out
        assert await lease.acquire(runtime.db, other, dt.timedelta(seconds=30))
        assert not await lease.renew(runtime.db, working, dt.timedelta(seconds=30))  # and it knows it


async def test_the_lease_of_a_dead_run_on_this_machine_is_taken_over_at_once(runtime: Runtime) -> None:
    _sqlite_only(runtime)
    ended = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await ended.wait()  # a run of this machine that is no longer running
    dead = f"{lease._this_machine()}:{ended.pid}:abcdef"
    elsewhere = f"another-host:{os.getpid()}:abcdef"
    assert await lease.acquire(runtime.db, dead, dt.timedelta(hours=1))  # as main's one-hour lease was
    assert await lease.holder(runtime.db) is None
    report = await billing_run.daily_run(runtime.db, day=START)
    assert report.skipped is False
    # A holder on another machine cannot be asked whether it runs: its lease must run out.
    assert await lease.acquire(runtime.db, elsewhere, dt.timedelta(hours=1))
    assert await lease.holder(runtime.db) == elsewhere
    assert (await billing_run.daily_run(runtime.db, day=START)).skipped is True


async def test_the_heartbeat_renews_the_lease_while_the_run_works(runtime: Runtime) -> None:
    _sqlite_only(runtime)

    async def leased_until() -> dt.datetime:
        async with runtime.db.reader() as session:
            return (await session.scalars(sa.select(SchedulerLock.locked_until))).one()

    async with lease.held(runtime.db, lease=dt.timedelta(seconds=30), heartbeat=0.01) as won:
        assert won
        first = await leased_until()
        clock.set_offset(dt.timedelta(minutes=5))  # the run has worked for five minutes
        try:
            deadline = asyncio.get_running_loop().time() + 30
            while await leased_until() < first + dt.timedelta(minutes=5):
                assert asyncio.get_running_loop().time() < deadline, "the heartbeat never renewed the lease"
                await asyncio.sleep(0.01)
            assert not await lease.acquire(runtime.db, lease.new_holder())
        finally:
            clock.set_offset(dt.timedelta(0))


async def test_a_run_that_loses_its_lock_stops(runtime: Runtime) -> None:
    holder = lease.new_holder()
    with pytest.raises(lease.LeaseLost):
        async with lease.held(runtime.db, holder, heartbeat=0.01) as won:
            assert won
            async with runtime.db.transaction() as session:
                if runtime.db.dialect_name == "postgresql":  # the lock's connection dies
                    await session.execute(
                        sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :h"),
                        {"h": holder},
                    )
                else:  # the lease was taken over (this run's heartbeat had stalled past it)
                    await session.execute(sa.update(SchedulerLock).values(holder="another-host:1:abcdef"))
            await asyncio.sleep(60)  # the heartbeat cancels this
    assert (await billing_run.daily_run(runtime.db, day=START)).skipped is (runtime.db.dialect_name == "sqlite")


async def test_live_and_test_renewals_never_mix(runtime: Runtime) -> None:
    live_customer = await make_customer(runtime)
    test_customer = await make_customer(runtime, livemode=False)
    live_product = await make_product(runtime, type="simulator")
    test_product = await make_product(runtime, type="simulator", livemode=False)
    await _service(
        runtime,
        BillingCycle.MONTHLY,
        customer=live_customer,
        product=live_product,
    )
    await _service(
        runtime,
        BillingCycle.MONTHLY,
        customer=test_customer,
        product=test_product,
        livemode=False,
    )
    await _run(runtime, START - dt.timedelta(days=14))
    async with runtime.db.reader() as session:
        rows = (
            await session.execute(
                sa.select(Invoice.livemode, Invoice.customer_id, Invoice.number).order_by(Invoice.livemode)
            )
        ).all()
    assert [(r[0], r[1]) for r in rows] == [(False, test_customer["id"]), (True, live_customer["id"])]
    assert rows[0][2] == rows[1][2] == "2027/1/1"  # each mode numbers its own invoices


async def test_the_run_charges_a_saved_card_when_the_invoice_falls_due(runtime: Runtime) -> None:
    from hostlane.drivers import payments
    from hostlane.drivers.payments.test import SUCCEEDS, TestGateway

    gateway = payments.get("test")
    assert isinstance(gateway, TestGateway)
    gateway.reset()
    customer = await make_customer(runtime, livemode=False)  # the test gateway serves test mode only
    product = await make_product(runtime, type="simulator", livemode=False)
    async with runtime.db.transaction() as session:
        await billing.save_payment_method(
            session,
            Principal.system(livemode=False),
            int(customer["id"]),  # type: ignore[call-overload]
            gateway="test",
            token=SUCCEEDS,
        )
    await _service(
        runtime,
        BillingCycle.MONTHLY,
        customer=customer,
        product=product,
        livemode=False,
    )
    first = await _run(runtime, START - dt.timedelta(days=14))
    assert first.renewals == 1 and first.charges_queued == 0  # not due yet
    due = await _run(runtime, START)
    assert due.charges_queued == 1
    again = await _run(runtime, START)
    assert again.charges_queued == 0
    async with runtime.db.reader() as session:
        statuses = (await session.scalars(sa.select(Invoice.status))).all()
    assert statuses == [InvoiceStatus.PAID] and len(gateway.state.charges) == 1


async def test_a_free_service_is_never_overdue(runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    product = await make_product(runtime, type="simulator")
    service_id = await _service(
        runtime,
        BillingCycle.MONTHLY,
        customer=customer,
        product=product,
        price=0,
    )
    for offset in range(-14, 46, 3):
        await _run(runtime, START + dt.timedelta(days=offset))
    async with runtime.db.reader() as session:
        status = await session.scalar(sa.select(Service.status).where(Service.id == service_id))
        invoices = (await session.scalars(sa.select(Invoice.status))).all()
    assert str(status) == "active"
    assert invoices and all(s is InvoiceStatus.PAID for s in invoices)


async def test_a_due_date_moved_back_onto_a_billed_period_does_not_stop_the_run(runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    product = await make_product(runtime, type="simulator")
    moved = await _service(
        runtime,
        BillingCycle.MONTHLY,
        customer=customer,
        product=product,
    )
    await _run(runtime, START - dt.timedelta(days=14))  # bills the period starting START
    async with runtime.db.transaction() as session:
        await session.execute(sa.update(Service).where(Service.id == moved).values(next_due_date=START))
    other = await _service(
        runtime,
        BillingCycle.MONTHLY,
        customer=customer,
        product=product,
    )
    report = await _run(runtime, START - dt.timedelta(days=13))
    assert report.renewals == 2  # the other one is invoiced; the moved one only moves on
    async with runtime.db.reader() as session:
        per_service = dict(
            (await session.execute(sa.text("SELECT service_id, count(*) FROM invoice_items GROUP BY service_id"))).all()
        )
        next_due = await session.scalar(sa.select(Service.next_due_date).where(Service.id == moved))
    assert per_service == {moved: 1, other: 1}
    assert next_due == dt.date(2027, 2, 28)


async def test_a_paid_service_is_not_terminated_by_a_stale_list(runtime: Runtime) -> None:
    from hostlane.billing import dunning

    customer = await make_customer(runtime)
    product = await make_product(runtime, type="simulator")
    service_id = await _service(
        runtime,
        BillingCycle.MONTHLY,
        customer=customer,
        product=product,
    )
    await _run(runtime, START - dt.timedelta(days=14))
    await _run(runtime, START + dt.timedelta(days=8))  # suspended
    day = START + dt.timedelta(days=40)
    stale = await dunning._overdue_service_ids(runtime.db, services.S.SUSPENDED, day, services.OVERDUE_REASON)
    assert stale  # listed for termination …
    with clock.frozen_at(dt.datetime.combine(day, dt.time(2))):
        async with runtime.db.reader() as session:
            unpaid = (await session.scalars(sa.select(Invoice.id).where(Invoice.status == InvoiceStatus.UNPAID))).all()
        for invoice_id in unpaid:  # … but paid before the run reaches it
            async with runtime.db.transaction() as session:
                due = await billing.get_invoice(session, SYSTEM, invoice_id)
                await billing.record_payment(
                    session,
                    SYSTEM,
                    invoice_id,
                    gateway="bank",
                    reference=f"T{invoice_id}",
                    amount_minor=due["total_minor"] - due["credit_minor"],
                )
        done = await dunning._transition_all(
            runtime.db, stale, source=services.S.SUSPENDED, target=services.S.TERMINATED, reason="x", before=day
        )
    assert done == 0
    async with runtime.db.reader() as session:
        assert str(await session.scalar(sa.select(Service.status).where(Service.id == service_id))) == "active"
