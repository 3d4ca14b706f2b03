"""Defects a review found, each shown here so it stays fixed."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import sqlalchemy as sa

from hostlane.billing import charging
from hostlane.billing import service as billing
from hostlane.billing.errors import PaymentDeclined
from hostlane.billing.service import NewItem
from hostlane.core import clock
from hostlane.core.errors import ValidationFailed
from hostlane.drivers import payments
from hostlane.drivers.payments.test import SUCCEEDS, TestGateway
from hostlane.identity.principal import Principal
from hostlane.models import BillingCycle, Invoice, InvoiceStatus, Payment, PaymentStatus, Service
from hostlane.runtime import Runtime
from hostlane.services import service as services
from tests.billing.test_daily_run import START, _run, _service
from tests.fixtures.factories import make_api_key, make_customer, make_product

SYSTEM = Principal.system()


async def test_a_free_service_is_never_overdue(runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    product = await make_product(runtime, type="simulator")
    service_id = await _service(
        runtime,
        BillingCycle.MONTHLY,
        customer_id=int(customer["id"]),  # type: ignore[call-overload]
        product_id=int(product["id"]),
        price=0,
    )  # type: ignore[call-overload]
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
        customer_id=int(customer["id"]),  # type: ignore[call-overload]
        product_id=int(product["id"]),
    )  # type: ignore[call-overload]
    await _run(runtime, START - dt.timedelta(days=14))  # bills the period starting START
    async with runtime.db.transaction() as session:
        await session.execute(sa.update(Service).where(Service.id == moved).values(next_due_date=START))
    other = await _service(
        runtime,
        BillingCycle.MONTHLY,
        customer_id=int(customer["id"]),  # type: ignore[call-overload]
        product_id=int(product["id"]),
    )  # type: ignore[call-overload]
    report = await _run(runtime, START - dt.timedelta(days=13))
    assert report.renewals == 2  # the other one is invoiced; the moved one only moves on
    async with runtime.db.reader() as session:
        per_service = dict(
            (await session.execute(sa.text("SELECT service_id, count(*) FROM invoice_items GROUP BY service_id"))).all()
        )
        next_due = await session.scalar(sa.select(Service.next_due_date).where(Service.id == moved))
    assert per_service == {moved: 1, other: 1}
    assert next_due == dt.date(2027, 2, 28)


async def test_an_unknown_gateway_cannot_be_saved_and_a_refused_charge_leaves_the_invoice_chargeable(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = await make_customer(runtime)
    customer_id = int(customer["id"])  # type: ignore[call-overload]
    async with runtime.db.transaction() as session:
        with pytest.raises(ValidationFailed):
            await billing.save_payment_method(session, SYSTEM, customer_id, gateway="nowhere", token="pm_1234")
    async with runtime.db.transaction() as session:
        await billing.save_payment_method(session, SYSTEM, customer_id, gateway="test", token=SUCCEEDS)
        invoice = await billing.issue_invoice(
            session, SYSTEM, customer_id, items=[NewItem("X", 500)], due_on=dt.date(2030, 1, 1)
        )
        invoice_id = invoice.id
    gateway = payments.get("test")
    assert isinstance(gateway, TestGateway)
    gateway.reset()

    async def broken(**_: object) -> object:
        raise RuntimeError("invalid request: no such payment method")

    monkeypatch.setattr(gateway, "charge", broken)
    with pytest.raises(PaymentDeclined):
        await charging.charge_invoice(runtime.db, SYSTEM, invoice_id)
    monkeypatch.undo()
    payment = await charging.charge_invoice(runtime.db, SYSTEM, invoice_id)  # not blocked as "in progress"
    assert payment.status is PaymentStatus.SUCCEEDED
    async with runtime.db.reader() as session:
        statuses = (await session.scalars(sa.select(Payment.status).order_by(Payment.id))).all()
    assert statuses == [PaymentStatus.FAILED, PaymentStatus.SUCCEEDED]


async def test_a_paid_service_is_not_terminated_by_a_stale_list(runtime: Runtime) -> None:
    from hostlane.billing import dunning

    customer = await make_customer(runtime)
    product = await make_product(runtime, type="simulator")
    service_id = await _service(
        runtime,
        BillingCycle.MONTHLY,
        customer_id=int(customer["id"]),  # type: ignore[call-overload]
        product_id=int(product["id"]),
    )  # type: ignore[call-overload]
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


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/api/application/customers/99999999999999999999", 422, "customer_id"),  # a path id is a field
        ("/api/application/services?filter[customer_id]=99999999999999999999", 400, "filter[customer_id]"),
    ],
)
async def test_ids_too_large_for_the_database_are_client_errors(
    runtime: Runtime, client: httpx.AsyncClient, path: str, status: int, field: str
) -> None:
    key = await make_api_key(runtime, "*")
    response = await client.get(path, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == status and set(response.json()["errors"]) == {field}
    order = await client.post(
        "/api/application/orders",
        headers={"Authorization": f"Bearer {key}"},
        json={"customer_id": 99999999999999999999, "items": [{"product_id": 1}]},
    )
    assert order.status_code == 422 and "customer_id" in order.json()["errors"]
