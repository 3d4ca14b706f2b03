"""Issue 15's "Done means", walked end to end over HTTP in each environment: an integration named through the
application face, a token, a monthly CMS instance refused without a card (402, nothing created), a card saved (the
test gateway's in test, Stripe's, through the local stand-in, in live), the order placed again with autoPay (paid,
the instance provisioned), licences and usage read, the month ended and the renewal invoice carrying the metered
displays; and nothing of one environment shows on the other's host."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

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
from hostlane.models import Invoice, Order, PaymentMethod, Service
from hostlane.runtime import Runtime
from hostlane.tasks.daily import daily_job
from tests.fixtures.factories import make_api_key
from tests.fixtures.http import JSON, assert_platform_error, bearer
from tests.fixtures.live import LiveServer
from tests.fixtures.partners import SANDBOX, TOKEN_PATH, make_cms_plan, make_partner, partner_token
from tests.fixtures.stripe_standin import StripeStandIn

ORDERS = "/api/platform/orders"
INSTANCES = "/api/platform/instances"
LICENCES = "/api/platform/licences"
INVOICES = "/api/platform/invoices"
USAGE = "/api/platform/usage"
ORDERED = datetime(2026, 12, 20, 9, tzinfo=UTC)  # renews on 2027-01-20, invoiced 14 days before
RENEWAL_DAY = date(2027, 1, 6)


@pytest.fixture(autouse=True)
def cms() -> Iterator[None]:
    CMS_SIMULATOR.reset()
    yield
    CMS_SIMULATOR.reset()


async def _count(runtime: Runtime, model: type[Any], customer_id: int) -> int:
    async with runtime.db.reader() as session:
        statement = sa.select(sa.func.count()).select_from(model).where(model.customer_id == customer_id)
        return int(await session.scalar(statement) or 0)


async def _token(client: httpx.AsyncClient, client_id: str, client_secret: str) -> str:
    response = await client.post(
        TOKEN_PATH, data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
    )
    assert response.status_code == 200, response.text
    assert response.json()["token_type"].lower() == "bearer"
    return str(response.json()["access_token"])


async def _save_card(runtime: Runtime, stripe: StripeStandIn, customer_id: int, *, livemode: bool) -> str:
    """The partner's card: the test gateway's test card, or a live card set up at Stripe (the stand-in), confirmed
    where Stripe.js would confirm it. Returns the gateway that holds it."""
    principal = Principal.system(livemode=livemode)
    if not livemode:
        await billing.add_test_card(runtime.db, principal, customer_id, SUCCEEDS)
        return "test"
    started = await billing.start_card_setup(runtime.db, principal, customer_id)
    stripe.confirm_setup(started.setup_id, "pm_card_visa")
    await billing.finish_card_setup(runtime.db, principal, customer_id, started.setup_id)
    return "stripe"


@pytest.mark.parametrize("environment", ["test", "live"])
async def test_the_partner_walk(
    runtime: Runtime,
    standin: tuple[StripeStandIn, LiveServer],
    stripe_runtime: Runtime,
    client: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    live: httpx.AsyncClient,
    environment: str,
) -> None:
    stripe = standin[0]
    stripe_runtime.settings.test_hosts = [SANDBOX]  # the settings in force (the stand-in's)
    livemode = environment == "live"
    host, other = (live, sandbox) if livemode else (sandbox, live)

    with clock.frozen_at(ORDERED):
        plan = await make_cms_plan(runtime, livemode=livemode)
        await make_cms_plan(runtime, livemode=not livemode)  # the other environment has its own price list
        partner = await make_partner(runtime, livemode=livemode)
        partner_id = int(partner["id"])  # type: ignore[call-overload]

        # Name the integration through the application face, with a key of the environment.
        key = await make_api_key(runtime, "partners:create", livemode=livemode)
        named = await client.post(
            f"/api/application/customers/{partner_id}/integrations",
            json={"name": "My CMS shop", "environment": environment},
            headers=bearer(key, Accept=JSON),
        )
        assert named.status_code == 201, named.text
        integration = named.json()
        assert (integration["customer_id"], integration["name"], integration["environment"]) == (
            partner_id,
            "My CMS shop",
            environment,
        )
        token = await _token(host, integration["clientId"], integration["clientSecret"])
        auth = bearer(token)
        # The environment's credentials are no key to the other host.
        refused_token = await other.post(
            TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": integration["clientId"],
                "client_secret": integration["clientSecret"],
            },
        )
        assert_platform_error(refused_token, 401, "Client authentication failed.")
        assert refused_token.json()["error"] == "invalid_client"

        # A monthly CMS instance without a saved card: 402, and nothing is created.
        order_body = {"items": [{"productId": plan, "displays": 10, "instanceName": "Acme Signs"}], "autoPay": True}
        refused = await host.post(ORDERS, json=order_body, headers=auth)
        assert_platform_error(refused, 402)
        assert refused.json()["error"] == "payment_required" and "saved card" in refused.json()["error_description"]
        for path in (ORDERS, INSTANCES, LICENCES, INVOICES):
            assert (await host.get(path, headers=auth)).json() == []
        for model in (Order, Invoice, Service):
            assert await _count(runtime, model, partner_id) == 0

        # Save a card, then order again with autoPay: paid at once.
        gateway = await _save_card(runtime, stripe, partner_id, livemode=livemode)
        async with runtime.db.reader() as session:
            [card] = (
                await session.scalars(sa.select(PaymentMethod).where(PaymentMethod.customer_id == partner_id))
            ).all()
        assert (card.gateway, card.livemode, card.is_default) == (gateway, livemode, True)
        placed = await host.post(ORDERS, json=order_body, headers=auth)
        assert placed.status_code == 201, placed.text
        order = placed.json()
        assert (order["status"], order["currency"]) == ("active", "EUR")
        assert order["items"] == [
            {
                "productId": plan,
                "cycle": "monthly",
                "quantity": 1,
                "displays": 10,
                "instanceName": "Acme Signs",
                "price": "4.50",
                "setupFee": "0.00",
            }
        ]
        invoice = order["invoice"]
        assert (invoice["status"], invoice["total"], invoice["due"]) == ("paid", "45.00", "0.00")
        assert invoice["orderId"] == order["id"] and invoice["datePaid"] is not None
        if livemode:
            [intent] = stripe.intents.values()
            assert (intent["amount"], intent["currency"], intent["status"]) == (4500, "eur", "succeeded")
        else:
            assert stripe.intents == {}  # the test environment never reaches Stripe

        # The instance is provisioned once the jobs ran.
        await drain(runtime)
        [instance] = (await host.get(INSTANCES, headers=auth)).json()
        assert instance == {
            "id": instance["id"],
            "name": "Acme Signs",
            "url": f"https://acme-signs-{instance['id']}.cms.test",
            "status": "active",
            "plan": "CMS Cloud",
            "displays": 10,
            "cycle": "monthly",
            "nextDueDate": "2027-01-20",
        }
        assert CMS_SIMULATOR.state.instances[instance["id"]].status == "running"

        # Licences: 10 ordered, 12 connected (2 beyond the licence), until the next due date.
        CMS_SIMULATOR.set_in_use(instance["id"], 12)
        assert (await host.get(LICENCES, headers=auth)).json() == [
            {
                "instanceId": instance["id"],
                "instanceName": "Acme Signs",
                "status": "active",
                "licensed": 10,
                "inUse": 12,
                "expires": "2027-01-20",
            }
        ]
        # December's usage is recorded once December has ended.
        assert (await host.get(USAGE, params={"month": "2026-12"}, headers=auth)).json() == []

    # The month ends; the daily job records December and issues the renewal with its metered displays.
    with clock.frozen_at(datetime(2027, 1, 6, 3, tzinfo=UTC)):
        await daily_job(runtime.db, day=RENEWAL_DAY)
        await drain(runtime)
        auth = bearer(await _token(host, integration["clientId"], integration["clientSecret"]))
        usage = await host.get(USAGE, params={"month": "2026-12"}, headers=auth)
        assert usage.status_code == 200, usage.text
        [december] = usage.json()
        renewal_id = december["billedInvoiceId"]
        assert december == {
            "instanceId": instance["id"],
            "instanceName": "Acme Signs",
            "month": "2026-12",
            "displays": 12,
            "storage": (1024 + 256 * 12) * MIB,
            "bandwidth": 100 * MIB * 12 * 31,
            "billedInvoiceId": renewal_id,
        }
        assert renewal_id is not None and renewal_id != invoice["id"]
        renewal = (await host.get(f"{INVOICES}/{renewal_id}", headers=auth)).json()
        # The renewal (10 licensed displays) and December's 2 beyond the licence, due on the renewal date.
        assert {name: value for name, value in renewal.items() if name != "items"} == {
            "id": renewal_id,
            "number": "2027/1/1",
            "status": "unpaid",
            "date": "2027-01-06",
            "dueDate": "2027-01-20",
            "datePaid": None,
            "currency": "EUR",
            "subtotal": "54.00",
            "tax": "0.00",
            "total": "54.00",
            "due": "54.00",
            "orderId": None,
        }
        renewed, metered = renewal["items"]
        assert renewed["amount"] == "45.00" and renewed["instanceId"] == instance["id"]
        assert renewed["description"] == "Acme Signs (monthly) 2027-01-20 - 2027-02-19"
        assert metered == {
            "description": "Acme Signs - metered displays 2026-12: 12 used, 10 licensed",
            "quantity": 2,
            "unitPrice": "4.50",
            "amount": "9.00",
            "instanceId": instance["id"],
        }
        listed = (await host.get(INVOICES, headers=auth)).json()
        assert sorted(row["id"] for row in listed) == sorted([invoice["id"], renewal_id])

        # Nothing of this environment shows on the other host: its lists are empty, these ids are not found.
        _, other_token = await partner_token(runtime, other, livemode=not livemode)
        for path in (ORDERS, INSTANCES, LICENCES, INVOICES):
            assert (await other.get(path, headers=bearer(other_token))).json() == []
        shown = await other.get(USAGE, params={"month": "2026-12"}, headers=bearer(other_token))
        assert shown.json() == []
        for path in (
            f"{ORDERS}/{order['id']}",
            f"{INSTANCES}/{instance['id']}",
            f"{INVOICES}/{invoice['id']}",
            f"{INVOICES}/{renewal_id}",
        ):
            assert_platform_error(await other.get(path, headers=bearer(other_token)), 404)
        # Nor is this environment's token any key there.
        assert_platform_error(await other.get(ORDERS, headers=auth), 401)
