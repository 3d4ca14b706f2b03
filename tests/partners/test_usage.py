"""The partner programme's usage: each CMS instance's month recorded once from what its module reports, and its
metered displays billed once on the instance's next renewal invoice, at the plan's price per display."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from datetime import UTC, datetime, time

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hostlane.billing import service as billing
from hostlane.core import clock
from hostlane.core.errors import ValidationFailed
from hostlane.drivers.payments.test import SUCCEEDS
from hostlane.drivers.provisioning import CMS_SIMULATOR
from hostlane.drivers.provisioning.cms_instance import MIB
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.models import InvoiceItem, ItemType, PartnerUsage
from hostlane.partners import service as partners
from hostlane.partners import usage
from hostlane.partners.schemas import PartnerOrder, PartnerOrderItem
from hostlane.runtime import Runtime
from hostlane.tasks.daily import daily_job
from tests.fixtures.factories import make_pricing, make_product
from tests.fixtures.partners import make_partner

DECEMBER = dt.date(2026, 12, 1)
ORDERED = datetime(2026, 12, 20, 9, tzinfo=UTC)  # a monthly instance: its first renewal is due on 2027-01-20


@pytest.fixture(autouse=True)
def cms() -> Iterator[None]:
    CMS_SIMULATOR.reset()
    yield
    CMS_SIMULATOR.reset()


async def _instance(runtime: Runtime, *, displays: int = 4, in_use: int = 7) -> tuple[Principal, int]:
    """A test partner's monthly CMS instance (4.50 a display), ordered and provisioned on ``ORDERED``, with
    ``in_use`` displays connected."""
    plan = await make_product(
        runtime, livemode=False, name="CMS Cloud", type="cms_instance", metadata={"partner_catalogue": "plan"}
    )
    await make_pricing(runtime, int(plan["id"]), livemode=False, monthly="4.50")  # type: ignore[call-overload]
    partner_id = int((await make_partner(runtime, livemode=False))["id"])  # type: ignore[call-overload]
    await billing.add_test_card(runtime.db, Principal.system(livemode=False), partner_id, SUCCEEDS)
    principal = partners.partner_principal(1, partner_id, False, None)
    order = PartnerOrder(
        items=[PartnerOrderItem(product_id=int(plan["id"]), displays=displays, instance_name="Lobby")],  # type: ignore[call-overload]
        auto_pay=True,
    )
    with clock.frozen_at(ORDERED):
        await partners.place_order(runtime.db, principal, order)
        await drain(runtime)
    async with runtime.db.reader() as session:
        [instance] = await partners.instances(session, principal)
    CMS_SIMULATOR.set_in_use(instance["id"], in_use)
    return principal, int(instance["id"])


async def _usage_rows(runtime: Runtime, service_id: int) -> list[PartnerUsage]:
    async with runtime.db.reader() as session:
        return list((await session.scalars(sa.select(PartnerUsage).where(PartnerUsage.service_id == service_id))).all())


async def _metered_items(runtime: Runtime, service_id: int) -> list[InvoiceItem]:
    async with runtime.db.reader() as session:
        statement = sa.select(InvoiceItem).where(
            InvoiceItem.service_id == service_id, InvoiceItem.type == ItemType.METERED
        )
        return list((await session.scalars(statement)).all())


async def test_a_month_is_recorded_once_from_what_the_module_reports(runtime: Runtime) -> None:
    principal, service_id = await _instance(runtime, in_use=7)
    assert await usage.record_month(runtime.db, DECEMBER) == 1
    CMS_SIMULATOR.set_in_use(service_id, 9)  # asked again, it would say otherwise: it is not asked again
    assert await usage.record_month(runtime.db, DECEMBER) == 0
    assert CMS_SIMULATOR.state.calls["usage"] == 1
    [row] = await _usage_rows(runtime, service_id)
    assert (row.month, row.displays, row.livemode, row.customer_id) == (DECEMBER, 7, False, principal.scope)
    assert row.storage_bytes == (1024 + 256 * 7) * MIB and row.bandwidth_bytes == 100 * MIB * 7 * 31
    assert row.billed_invoice_id is None


async def test_a_transient_failure_is_asked_again_by_the_next_run(runtime: Runtime) -> None:
    _, service_id = await _instance(runtime)
    CMS_SIMULATOR.fail_next(1)
    assert await usage.record_month(runtime.db, DECEMBER) == 0
    assert await usage.record_month(runtime.db, DECEMBER) == 1
    assert [row.displays for row in await _usage_rows(runtime, service_id)] == [7]


async def test_a_month_before_the_instance_existed_is_not_recorded(runtime: Runtime) -> None:
    _, service_id = await _instance(runtime)
    assert await usage.record_month(runtime.db, dt.date(2026, 11, 1)) == 0
    assert await _usage_rows(runtime, service_id) == []


async def test_the_daily_job_run_twice_bills_the_metered_displays_once_on_the_renewal(runtime: Runtime) -> None:
    _, service_id = await _instance(runtime, displays=4, in_use=7)
    day = dt.date(2027, 1, 6)  # the renewal of 2027-01-20 is invoiced 14 days before; December has ended
    for _ in range(2):
        with clock.frozen_at(datetime.combine(day, time(3), tzinfo=UTC)):
            await daily_job(runtime.db, day=day)
    [item] = await _metered_items(runtime, service_id)
    # 7 displays used on a licence of 4: the 3 beyond it, at the plan's price per display.
    assert (item.qty, item.amount_minor, item.linetotal_minor) == (3, 450, 3 * 450)
    assert (item.period_start, item.period_end) == (DECEMBER, dt.date(2026, 12, 31))
    assert item.description == "Lobby - metered displays 2026-12: 7 used, 4 licensed"
    [row] = await _usage_rows(runtime, service_id)
    assert row.billed_invoice_id == item.invoice_id
    async with runtime.db.reader() as session:
        invoice = await billing.get_invoice(session, Principal.system(livemode=False), item.invoice_id)
    lines = sorted((str(line["type"]), line["linetotal_minor"]) for line in invoice["items"])
    assert lines == [("metered", 3 * 450), ("service", 4 * 450)]  # the renewal carries the month's displays
    assert invoice["subtotal_minor"] == 7 * 450
    assert invoice["total_minor"] == invoice["subtotal_minor"] + invoice["tax_minor"] + invoice["tax2_minor"]
    # The next month's renewal does not bill December again.
    later = dt.date(2027, 2, 6)
    with clock.frozen_at(datetime.combine(later, time(3), tzinfo=UTC)):
        await daily_job(runtime.db, day=later)
    assert [item.period_start for item in await _metered_items(runtime, service_id)] == [DECEMBER, dt.date(2027, 1, 1)]


async def test_two_daily_jobs_at_once_bill_the_month_once(runtime: Runtime) -> None:
    _, service_id = await _instance(runtime, in_use=3)
    day = dt.date(2027, 1, 6)
    with clock.frozen_at(datetime.combine(day, time(3), tzinfo=UTC)):
        await asyncio.gather(daily_job(runtime.db, day=day), daily_job(runtime.db, day=day))
    # 3 displays used on a licence of 4: the month shows, and costs nothing beyond the renewal.
    assert [
        (item.qty, item.linetotal_minor, item.period_start) for item in await _metered_items(runtime, service_id)
    ] == [(0, 0, DECEMBER)]
    assert len(await _usage_rows(runtime, service_id)) == 1


async def test_the_database_refuses_a_second_metered_line_for_a_month(runtime: Runtime) -> None:
    _, service_id = await _instance(runtime)
    day = dt.date(2027, 1, 6)
    with clock.frozen_at(datetime.combine(day, time(3), tzinfo=UTC)):
        await daily_job(runtime.db, day=day)
    [item] = await _metered_items(runtime, service_id)
    with pytest.raises(IntegrityError):
        async with runtime.db.transaction() as session:
            session.add(
                InvoiceItem(
                    invoice_id=item.invoice_id,
                    type=ItemType.METERED,
                    service_id=service_id,
                    description="again",
                    amount_minor=450,
                    qty=7,
                    linetotal_minor=7 * 450,
                    period_start=DECEMBER,
                    period_end=dt.date(2026, 12, 31),
                )
            )
            await session.flush()


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "december", "", None, "0000-01"])
def test_a_month_is_yyyy_mm(month: str | None) -> None:
    with pytest.raises(ValidationFailed) as refused:
        usage.parse_month(month)
    assert set(refused.value.fields) == {"month"}


def test_the_month_just_ended() -> None:
    assert usage.month_before(dt.date(2027, 1, 6)) == DECEMBER
    assert usage.parse_month("2026-12") == DECEMBER
