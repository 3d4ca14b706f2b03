"""The customer's saved card (``billing.cards``) on the test gateway: a card setup confirmed with a test card, read
back from the gateway, saved as the one default method; replaced (the old card removed and detached at the
gateway), removed, refused, and never another customer's. Stripe's side is in tests/drivers/payments."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hostlane.billing import charging
from hostlane.billing import service as billing
from hostlane.billing.errors import CardRefused, CardSetupNotFound, PaymentDeclined, PaymentMethodNotFound
from hostlane.billing.service import NewItem
from hostlane.core import clock
from hostlane.core.errors import NotFound, ValidationFailed
from hostlane.customers.sessions import customer_principal
from hostlane.drivers import payments
from hostlane.drivers.payments.test import DECLINED, DECLINED_WHEN_CHARGED, SUCCEEDS, TIMES_OUT, TestGateway
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.models import AuditEntry, GatewayCustomer, InvoiceStatus, PaymentMethod, PaymentStatus
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer


def test_gateway() -> TestGateway:
    gateway = payments.get("test")
    assert isinstance(gateway, TestGateway)
    return gateway


test_gateway.__test__ = False  # type: ignore[attr-defined]


async def a_test_customer(runtime: Runtime) -> tuple[int, Principal]:
    customer = await make_customer(runtime, livemode=False)
    customer_id = int(customer["id"])  # type: ignore[call-overload]
    return customer_id, customer_principal(customer_id, False, None)


async def methods_of(runtime: Runtime, customer_id: int) -> list[tuple[str, str, bool]]:
    async with runtime.db.reader() as session:
        rows = await session.execute(
            sa.select(PaymentMethod.token, PaymentMethod.last4, PaymentMethod.is_default)
            .where(PaymentMethod.customer_id == customer_id)
            .order_by(PaymentMethod.id)
        )
        return [(str(token), str(last4), bool(default)) for token, last4, default in rows]


async def audited(runtime: Runtime, object_type: str) -> list[tuple[str, dict[str, object]]]:
    async with runtime.db.reader() as session:
        rows = await session.execute(
            sa.select(AuditEntry.action, AuditEntry.changes)
            .where(AuditEntry.object_type == object_type)
            .order_by(AuditEntry.id)
        )
        return [(str(action), dict(changes)) for action, changes in rows]


async def test_a_test_card_is_saved_through_a_card_setup(runtime: Runtime) -> None:
    test_gateway().reset()
    customer_id, principal = await a_test_customer(runtime)
    card = await billing.add_test_card(runtime.db, principal, customer_id, SUCCEEDS)
    assert (card.gateway, card.brand, card.last4, card.exp_month, card.exp_year) == (
        "test",
        "visa",
        "4242",
        12,
        clock.now().year + 3,
    )
    async with runtime.db.reader() as session:
        assert await billing.saved_card(session, principal, customer_id) == card
        kept = (
            await session.scalars(sa.select(GatewayCustomer).where(GatewayCustomer.customer_id == customer_id))
        ).all()
    assert [(row.gateway, row.livemode) for row in kept] == [("test", False)]
    assert test_gateway().state.customers == {kept[0].reference: str(customer_id)}
    assert [action for action, _ in await audited(runtime, "payment_method")] == ["payment_method.create"]
    assert [action for action, _ in await audited(runtime, "gateway_customer")] == ["gateway_customer.create"]


async def test_replacing_the_card_removes_and_detaches_the_old_one(runtime: Runtime) -> None:
    test_gateway().reset()
    customer_id, principal = await a_test_customer(runtime)
    first = await billing.add_test_card(runtime.db, principal, customer_id, SUCCEEDS)
    second = await billing.add_test_card(runtime.db, principal, customer_id, TIMES_OUT)
    assert await methods_of(runtime, customer_id) == [(TIMES_OUT, "0119", True)]
    assert test_gateway().state.detached == []  # by a job, queued with the change
    await drain(runtime)
    assert test_gateway().state.detached == [SUCCEEDS]
    assert len(test_gateway().state.customers) == 1  # the customer's record at the gateway is kept and reused
    trail = await audited(runtime, "payment_method")
    assert [action for action, _ in trail] == [
        "payment_method.create",
        "payment_method.delete",
        "payment_method.create",
    ]
    assert trail[1][1] == {"gateway": "test", "last4": "4242", "replaced": True}
    assert trail[2][1]["replaces"] == first.id and second.last4 == "0119"


async def test_a_declined_setup_saves_nothing_and_keeps_the_card_there_was(runtime: Runtime) -> None:
    test_gateway().reset()
    customer_id, principal = await a_test_customer(runtime)
    await billing.add_test_card(runtime.db, principal, customer_id, SUCCEEDS)
    with pytest.raises(CardRefused) as refused:
        await billing.add_test_card(runtime.db, principal, customer_id, DECLINED)
    assert refused.value.fields == {"card": ["Your card was declined."]}
    with pytest.raises(ValidationFailed) as unknown:
        await billing.add_test_card(runtime.db, principal, customer_id, "4111111111111111")
    assert unknown.value.fields == {"card": ["Choose one of the test cards."]}
    assert await methods_of(runtime, customer_id) == [(SUCCEEDS, "4242", True)]


async def test_a_setup_is_finished_only_by_its_customer_and_only_once(runtime: Runtime) -> None:
    test_gateway().reset()
    customer_id, principal = await a_test_customer(runtime)
    other_id, other = await a_test_customer(runtime)
    await billing.add_test_card(runtime.db, other, other_id, SUCCEEDS)  # the other customer has a gateway record
    started = await billing.start_card_setup(runtime.db, principal, customer_id)
    await test_gateway().confirm_card_setup(started.setup_id, SUCCEEDS)
    with pytest.raises(CardSetupNotFound):
        await billing.finish_card_setup(runtime.db, other, other_id, started.setup_id)
    with pytest.raises(CardSetupNotFound):
        await billing.finish_card_setup(runtime.db, principal, customer_id, "test_seti_nosuchsetup")
    unconfirmed = await billing.start_card_setup(runtime.db, principal, customer_id)
    with pytest.raises(CardRefused):
        await billing.finish_card_setup(runtime.db, principal, customer_id, unconfirmed.setup_id)
    once = await billing.finish_card_setup(runtime.db, principal, customer_id, started.setup_id)
    again = await billing.finish_card_setup(runtime.db, principal, customer_id, started.setup_id)
    assert once == again
    assert await methods_of(runtime, customer_id) == [(SUCCEEDS, "4242", True)]
    assert await methods_of(runtime, other_id) == [(SUCCEEDS, "4242", True)]


async def test_removing_a_card_and_never_another_customers(runtime: Runtime) -> None:
    test_gateway().reset()
    customer_id, principal = await a_test_customer(runtime)
    other_id, other = await a_test_customer(runtime)
    card = await billing.add_test_card(runtime.db, principal, customer_id, SUCCEEDS)
    with pytest.raises(PaymentMethodNotFound):
        async with runtime.db.transaction() as session:
            await billing.remove_card(session, other, other_id, card.id)
    live = customer_principal(customer_id, True, None)  # the same ids in the other mode are not there either
    with pytest.raises(NotFound):
        async with runtime.db.transaction() as session:
            await billing.remove_card(session, live, customer_id, card.id)
    async with runtime.db.transaction() as session:
        await billing.remove_card(session, principal, customer_id, card.id)
    assert await methods_of(runtime, customer_id) == []
    await drain(runtime)
    assert test_gateway().state.detached == [SUCCEEDS]
    async with runtime.db.reader() as session:
        assert await billing.saved_card(session, principal, customer_id) is None
    assert (await audited(runtime, "payment_method"))[-1] == (
        "payment_method.delete",
        {"gateway": "test", "last4": "4242", "replaced": False},
    )


async def test_the_database_allows_one_default_method_per_customer(runtime: Runtime) -> None:
    customer_id, _ = await a_test_customer(runtime)
    with pytest.raises(IntegrityError):
        async with runtime.db.transaction() as session:
            for token in (SUCCEEDS, TIMES_OUT):
                session.add(
                    PaymentMethod(
                        livemode=False, customer_id=customer_id, gateway="test", token=token, last4=token[-4:]
                    )
                )
                await session.flush()


async def test_live_mode_without_stripe_saves_no_card_and_takes_no_test_card(runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    customer_id = int(customer["id"])  # type: ignore[call-overload]
    principal = customer_principal(customer_id, True, None)
    assert billing.card_gateway(livemode=True) is None
    with pytest.raises(ValidationFailed) as unconfigured:
        await billing.start_card_setup(runtime.db, principal, customer_id)
    assert unconfigured.value.fields == {"card": ["No payment gateway is configured for live mode."]}
    with pytest.raises(ValidationFailed) as test_only:
        await billing.add_test_card(runtime.db, principal, customer_id, SUCCEEDS)
    assert test_only.value.fields == {"card": ["Test cards are for the test environment only."]}


async def test_the_saved_card_is_the_one_an_invoice_is_charged_to(runtime: Runtime) -> None:
    test_gateway().reset()
    customer_id, principal = await a_test_customer(runtime)
    system = Principal.system(livemode=False)

    async def new_invoice() -> int:
        async with runtime.db.transaction() as session:
            invoice = await billing.issue_invoice(
                session, system, customer_id, items=[NewItem("Hosting", 1200)], due_on=dt.date(2030, 1, 1)
            )
            return invoice.id

    await billing.add_test_card(runtime.db, principal, customer_id, DECLINED_WHEN_CHARGED)  # saved, then declined
    declined = await new_invoice()
    with pytest.raises(PaymentDeclined):
        await charging.charge_invoice(runtime.db, principal, declined)
    await billing.add_test_card(runtime.db, principal, customer_id, SUCCEEDS)
    payment = await charging.charge_invoice(runtime.db, principal, declined)
    assert payment.status is PaymentStatus.SUCCEEDED
    async with runtime.db.reader() as session:
        invoice = await billing.get_invoice(session, principal, declined)
    assert invoice["status"] == InvoiceStatus.PAID
