"""The partner programme's order rules: the price list decides what may be ordered, a monthly CMS instance plan needs
a saved card (nothing is created without one), a plan is priced per display and names its instance; the instance
lives through the service lifecycle on the cms_instance module (provisioned when paid, suspended, terminated)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hostlane.billing import run as billing_run
from hostlane.billing import service as billing
from hostlane.core import clock
from hostlane.core.errors import ValidationFailed
from hostlane.drivers.payments.test import DECLINED_WHEN_CHARGED, SUCCEEDS
from hostlane.drivers.provisioning import CMS_SIMULATOR
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain, run_due
from hostlane.models import BillingCycle, Job, Order, Service, ServiceStatus
from hostlane.partners import service as partners
from hostlane.partners.errors import CardRequired
from hostlane.partners.schemas import PartnerOrder, PartnerOrderItem
from hostlane.runtime import Runtime
from hostlane.services import service as services
from tests.fixtures.factories import make_pricing, make_product
from tests.fixtures.partners import make_partner


@pytest.fixture(autouse=True)
def cms() -> Iterator[None]:
    CMS_SIMULATOR.reset()
    yield
    CMS_SIMULATOR.reset()


async def _plan(runtime: Runtime, *, livemode: bool = False, **prices: str) -> int:
    plan = await make_product(
        runtime, livemode=livemode, name="CMS Cloud", type="cms_instance", metadata={"partner_catalogue": "plan"}
    )
    await make_pricing(runtime, int(plan["id"]), livemode=livemode, **(prices or {"monthly": "4.50"}))  # type: ignore[call-overload]
    return int(plan["id"])  # type: ignore[call-overload]


async def _partner(runtime: Runtime, *, card: bool, livemode: bool = False) -> Principal:
    partner_id = int((await make_partner(runtime, livemode=livemode))["id"])  # type: ignore[call-overload]
    if card:
        await billing.add_test_card(runtime.db, Principal.system(livemode=False), partner_id, SUCCEEDS)
    return partners.partner_principal(1, partner_id, livemode, None)


def _instance(plan: int, *, displays: int = 4, cycle: BillingCycle | None = None) -> PartnerOrder:
    item = PartnerOrderItem(product_id=plan, displays=displays, instance_name="Lobby", cycle=cycle)
    return PartnerOrder(items=[item], auto_pay=True)


async def _count(runtime: Runtime, model: type[Any], **where: Any) -> int:
    async with runtime.db.reader() as session:
        statement = sa.select(sa.func.count()).select_from(model).filter_by(**where)
        return int(await session.scalar(statement) or 0)


async def test_a_monthly_plan_without_a_saved_card_creates_nothing(runtime: Runtime) -> None:
    plan = await _plan(runtime)
    principal = await _partner(runtime, card=False)
    jobs = await _count(runtime, Job)
    with pytest.raises(CardRequired) as refused:
        await partners.place_order(runtime.db, principal, _instance(plan))
    assert refused.value.status == 402
    assert await _count(runtime, Order, customer_id=principal.scope) == 0
    assert await _count(runtime, Service, customer_id=principal.scope) == 0
    assert await _count(runtime, Job) == jobs  # no mail either


async def test_an_annual_plan_without_a_card_is_invoiced_and_mailed_and_waits(runtime: Runtime) -> None:
    plan = await _plan(runtime, monthly="4.50", annually="45.00")
    principal = await _partner(runtime, card=False)
    placed = await partners.place_order(runtime.db, principal, _instance(plan, cycle=BillingCycle.ANNUALLY))
    assert str(placed["status"]) == "pending" and str(placed["invoice"]["status"]) == "unpaid"
    assert placed["invoice"]["total_minor"] == 4 * 4500
    async with runtime.db.reader() as session:
        mails = (await session.scalars(sa.select(Job.payload).where(Job.name == "notifications.send"))).all()
    assert {"template": "invoice_created", "livemode": False, "invoice_id": placed["invoice"]["id"]} in mails


async def test_a_plan_is_priced_per_display_and_renews_at_that_price(runtime: Runtime) -> None:
    plan = await _plan(runtime)
    principal = await _partner(runtime, card=True)
    placed = await partners.place_order(runtime.db, principal, _instance(plan, displays=12))
    assert placed["invoice"]["total_minor"] == 12 * 450 and str(placed["invoice"]["status"]) == "paid"
    assert placed["items"][0]["options"] == {"units": 12, "name": "Lobby"}
    async with runtime.db.reader() as session:
        [instance] = await partners.instances(session, principal)
    assert instance["price_minor"] == 12 * 450 and instance["name"] == "Lobby" and instance["displays"] == 12


async def test_the_price_list_decides(runtime: Runtime) -> None:
    await _plan(runtime)
    unlisted = await make_product(runtime, livemode=False, name="Web hosting")
    await make_pricing(runtime, int(unlisted["id"]), livemode=False, monthly="3.00")  # type: ignore[call-overload]
    principal = await _partner(runtime, card=True)
    order = PartnerOrder(items=[PartnerOrderItem(product_id=int(unlisted["id"]))])  # type: ignore[call-overload]
    with pytest.raises(ValidationFailed) as refused:
        await partners.place_order(runtime.db, principal, order)
    assert set(refused.value.fields) == {"items.0.product_id"}


async def test_the_instance_follows_the_service_lifecycle_on_the_cms_module(runtime: Runtime) -> None:
    plan = await _plan(runtime)
    principal = await _partner(runtime, card=True)
    CMS_SIMULATOR.fail_next(1)  # the first create times out: the job retries it
    await partners.place_order(runtime.db, principal, _instance(plan))
    start = clock.now()
    with clock.frozen_at(start):
        await drain(runtime)
    async with runtime.db.reader() as session:
        [instance] = await partners.instances(session, principal)
    assert instance["id"] not in CMS_SIMULATOR.state.instances and str(instance["delivery_status"]) == "pending"
    with clock.frozen_at(start + timedelta(minutes=5)):
        await drain(runtime)
    assert CMS_SIMULATOR.state.instances[instance["id"]].status == "running"
    system = Principal.system(livemode=False)
    async with runtime.db.transaction() as session:
        await services.transition(session, system, instance["id"], ServiceStatus.SUSPENDED, reason="Overdue")
    await run_due(runtime)
    assert CMS_SIMULATOR.state.instances[instance["id"]].status == "suspended"
    async with runtime.db.transaction() as session:
        await services.transition(session, system, instance["id"], ServiceStatus.TERMINATED, reason="Cancelled")
    await run_due(runtime)
    assert instance["id"] not in CMS_SIMULATOR.state.instances
    async with runtime.db.reader() as session:
        [licence] = await partners.licences(session, principal)
    assert licence["in_use"] == 0 and str(licence["status"]) == "terminated"


async def test_an_unpaid_renewal_suspends_the_instance_on_the_cms(runtime: Runtime) -> None:
    plan = await _plan(runtime)
    principal = await _partner(runtime, card=True)
    await partners.place_order(runtime.db, principal, _instance(plan))
    await drain(runtime)
    # The card is replaced by one the bank declines: the renewal's automatic charge fails.
    await billing.add_test_card(
        runtime.db, Principal.system(livemode=False), int(principal.scope or 0), DECLINED_WHEN_CHARGED
    )
    async with runtime.db.reader() as session:
        [instance] = await partners.instances(session, principal)
    due = instance["next_due_date"]
    for offset in range(-14, 8):
        day = due + timedelta(days=offset)
        with clock.frozen_at(datetime.combine(day, time(3), tzinfo=UTC)):
            await billing_run.daily_run(runtime.db, day=day)
            await drain(runtime)
    async with runtime.db.reader() as session:
        [licence] = await partners.licences(session, principal)
    assert str(licence["status"]) == "suspended"
    assert CMS_SIMULATOR.state.instances[instance["id"]].status == "suspended"
