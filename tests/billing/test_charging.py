"""Charging a saved card (``charging.charge_invoice``): only a known gateway is saved, and a refused charge
leaves the invoice chargeable. In test mode: the test gateway serves no other (tests/security/test_gateways.py)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from hostlane.billing import charging
from hostlane.billing import service as billing
from hostlane.billing.errors import PaymentDeclined
from hostlane.billing.service import NewItem
from hostlane.core.errors import ValidationFailed
from hostlane.drivers import payments
from hostlane.drivers.payments.test import SUCCEEDS, TestGateway
from hostlane.identity.principal import Principal
from hostlane.models import Payment, PaymentStatus
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer

SYSTEM = Principal.system(livemode=False)


async def test_an_unknown_gateway_cannot_be_saved_and_a_refused_charge_leaves_the_invoice_chargeable(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = await make_customer(runtime, livemode=False)
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
