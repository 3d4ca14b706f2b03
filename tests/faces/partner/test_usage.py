"""``GET /api/platform/usage?month=YYYY-MM``: each of the partner's CMS instances' usage of the month, exact fields,
the partner's own only, live and test apart, a bad month refused naming ``month``; and in OpenAPI."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from datetime import UTC, datetime, time

import httpx
import pytest
import sqlalchemy as sa

from hostlane.billing import service as billing
from hostlane.core import clock
from hostlane.drivers.payments.test import SUCCEEDS
from hostlane.drivers.provisioning import CMS_SIMULATOR
from hostlane.drivers.provisioning.cms_instance import MIB
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.models import PartnerIntegration, PartnerUsage, Service
from hostlane.partners import usage
from hostlane.runtime import Runtime
from hostlane.tasks.daily import daily_job
from tests.fixtures.http import assert_platform_error, bearer
from tests.fixtures.partners import (
    TOKEN_PATH,
    credentials,
    make_cms_plan,
    partner_token,
    refresh,
)

USAGE = "/api/platform/usage"
ORDERS = "/api/platform/orders"
INSTANCES = "/api/platform/instances"
INVOICES = "/api/platform/invoices"


@pytest.fixture(autouse=True)
def cms() -> Iterator[None]:
    CMS_SIMULATOR.reset()
    yield
    CMS_SIMULATOR.reset()


async def _token_of(runtime: Runtime, client: httpx.AsyncClient, instance_id: int) -> str:
    """A fresh access token of the instance's partner (the clock moved on: the first one expired)."""
    async with runtime.db.reader() as session:
        customer_id = await session.scalar(sa.select(Service.customer_id).where(Service.id == instance_id))
        integration = await session.scalar(
            sa.select(PartnerIntegration).where(PartnerIntegration.customer_id == customer_id)
        )
    assert integration is not None
    issued = await refresh(runtime.db, int(customer_id or 0), livemode=integration.livemode)
    response = await client.post(TOKEN_PATH, data=credentials(issued))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def _test_instance(runtime: Runtime, sandbox: httpx.AsyncClient, plan: int, *, in_use: int) -> tuple[str, int]:
    """A test partner with a provisioned monthly instance "Acme Signs" with ``in_use`` displays connected."""
    partner_id, token = await partner_token(runtime, sandbox, livemode=False)
    await billing.add_test_card(runtime.db, Principal.system(livemode=False), partner_id, SUCCEEDS)
    order = {"items": [{"productId": plan, "displays": 10, "instanceName": "Acme Signs"}], "autoPay": True}
    placed = await sandbox.post(ORDERS, json=order, headers=bearer(token))
    assert placed.status_code == 201, placed.text
    await drain(runtime)
    [instance] = (await sandbox.get(INSTANCES, headers=bearer(token))).json()
    CMS_SIMULATOR.set_in_use(instance["id"], in_use)
    return token, int(instance["id"])


def _this_month() -> tuple[dt.date, str, int]:
    month = clock.today().replace(day=1)
    return month, f"{month:%Y-%m}", calendar.monthrange(month.year, month.month)[1]


async def test_the_months_usage_per_instance(runtime: Runtime, sandbox: httpx.AsyncClient) -> None:
    plan = await make_cms_plan(runtime, livemode=False)
    token, instance_id = await _test_instance(runtime, sandbox, plan, in_use=6)
    month, word, days = _this_month()
    assert (await sandbox.get(USAGE, params={"month": word}, headers=bearer(token))).json() == []  # not recorded yet
    await usage.record_month(runtime.db, month)
    response = await sandbox.get(USAGE, params={"month": word}, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json() == [
        {
            "instanceId": instance_id,
            "instanceName": "Acme Signs",
            "month": word,
            "displays": 6,
            "storage": (1024 + 256 * 6) * MIB,
            "bandwidth": 100 * MIB * 6 * days,
            "billedInvoiceId": None,
        }
    ]
    other = f"{usage.month_before(month):%Y-%m}"
    assert (await sandbox.get(USAGE, params={"month": other}, headers=bearer(token))).json() == []


async def test_the_renewal_invoice_carries_the_months_metered_displays_once(
    runtime: Runtime, sandbox: httpx.AsyncClient
) -> None:
    plan = await make_cms_plan(runtime, livemode=False)
    with clock.frozen_at(datetime(2026, 12, 20, 9, tzinfo=UTC)):  # renews on 2027-01-20, invoiced 14 days before
        _, instance_id = await _test_instance(runtime, sandbox, plan, in_use=12)
    day = dt.date(2027, 1, 6)
    with clock.frozen_at(datetime.combine(day, time(3), tzinfo=UTC)):
        for _ in range(2):
            await daily_job(runtime.db, day=day)
        token = await _token_of(runtime, sandbox, instance_id)
        [december] = (await sandbox.get(USAGE, params={"month": "2026-12"}, headers=bearer(token))).json()
        invoice_id = december["billedInvoiceId"]
        assert december["displays"] == 12 and invoice_id is not None
        invoice = (await sandbox.get(f"{INVOICES}/{invoice_id}", headers=bearer(token))).json()
    metered = [line for line in invoice["items"] if "metered" in line["description"]]
    assert metered == [
        {
            "description": "Acme Signs - metered displays 2026-12: 12 used, 10 licensed",
            "quantity": 2,
            "unitPrice": "4.50",
            "amount": "9.00",
            "instanceId": instance_id,
        }
    ]
    assert invoice["subtotal"] == "54.00"  # the renewal (10 licensed displays) and December's 2 beyond the licence


async def test_another_partners_usage_is_not_shown(runtime: Runtime, sandbox: httpx.AsyncClient) -> None:
    plan = await make_cms_plan(runtime, livemode=False)
    token, first = await _test_instance(runtime, sandbox, plan, in_use=3)
    other_token, second = await _test_instance(runtime, sandbox, plan, in_use=5)
    month, word, _ = _this_month()
    await usage.record_month(runtime.db, month)
    mine = (await sandbox.get(USAGE, params={"month": word}, headers=bearer(token))).json()
    theirs = (await sandbox.get(USAGE, params={"month": word}, headers=bearer(other_token))).json()
    assert [(row["instanceId"], row["displays"]) for row in mine] == [(first, 3)]
    assert [(row["instanceId"], row["displays"]) for row in theirs] == [(second, 5)]


async def test_live_and_test_usage_never_mix(
    runtime: Runtime, live: httpx.AsyncClient, sandbox: httpx.AsyncClient
) -> None:
    await make_cms_plan(runtime, livemode=False)
    live_plan = await make_cms_plan(runtime, livemode=True)
    live_id, live_token = await partner_token(runtime, live, livemode=True)
    annual = {"items": [{"productId": live_plan, "displays": 2, "instanceName": "HQ", "cycle": "annually"}]}
    assert (await live.post(ORDERS, json=annual, headers=bearer(live_token))).status_code == 201
    [instance] = (await live.get(INSTANCES, headers=bearer(live_token))).json()
    month, word, _ = _this_month()
    async with runtime.db.transaction() as session:  # what the live system reported for the month
        session.add(
            PartnerUsage(
                livemode=True,
                customer_id=live_id,
                service_id=instance["id"],
                month=month,
                displays=2,
                storage_bytes=MIB,
                bandwidth_bytes=2 * MIB,
            )
        )
    shown = (await live.get(USAGE, params={"month": word}, headers=bearer(live_token))).json()
    assert [(row["instanceId"], row["instanceName"], row["displays"]) for row in shown] == [(instance["id"], "HQ", 2)]
    _, test_token = await partner_token(runtime, sandbox, livemode=False)
    assert (await sandbox.get(USAGE, params={"month": word}, headers=bearer(test_token))).json() == []
    # A test token is no key to the live host, nor a live one to the test host.
    assert_platform_error(await live.get(USAGE, params={"month": word}, headers=bearer(test_token)), 401)
    assert_platform_error(await sandbox.get(USAGE, params={"month": word}, headers=bearer(live_token)), 401)


@pytest.mark.parametrize("month", ["2026-13", "12-2026", "2026-12-01", "soon", ""])
async def test_a_bad_month_is_refused_naming_the_field(
    runtime: Runtime, sandbox: httpx.AsyncClient, month: str
) -> None:
    _, token = await partner_token(runtime, sandbox, livemode=False)
    response = await sandbox.get(USAGE, params={"month": month}, headers=bearer(token))
    assert_platform_error(response, 422)
    assert response.json()["error"] == "invalid_request" and set(response.json()["errors"]) == {"month"}


async def test_without_a_month_422_and_without_a_token_401(runtime: Runtime, sandbox: httpx.AsyncClient) -> None:
    _, token = await partner_token(runtime, sandbox, livemode=False)
    missing = await sandbox.get(USAGE, headers=bearer(token))
    assert_platform_error(missing, 422)
    assert set(missing.json()["errors"]) == {"month"}
    assert_platform_error(await sandbox.get(USAGE, params={"month": "2026-12"}), 401)


async def test_the_openapi_document_lists_usage(live: httpx.AsyncClient) -> None:
    operation = (await live.get("/api/openapi.json")).json()["paths"][USAGE]["get"]
    assert operation["tags"] == ["partner"] and operation["summary"]
    assert [parameter["name"] for parameter in operation["parameters"]] == ["month"]
    assert {"200", "401", "422"} <= set(operation["responses"])
