"""The partner face's orders, CMS instances, licences and invoices over HTTP: the issue's walk in the test
environment, Idempotency-Key, bearer auth, another partner's ids, live and test apart, and refused input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hostlane.billing import service as billing
from hostlane.drivers.payments.test import DECLINED_WHEN_CHARGED, SUCCEEDS
from hostlane.drivers.provisioning import CMS_SIMULATOR
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.models import Invoice, Order, Service
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_pricing, make_product
from tests.fixtures.http import assert_platform_error, bearer
from tests.fixtures.mail import Inbox, body
from tests.fixtures.partners import SANDBOX, make_cms_plan, partner_token

ORDERS = "/api/platform/orders"
INSTANCES = "/api/platform/instances"
LICENCES = "/api/platform/licences"
INVOICES = "/api/platform/invoices"


@pytest.fixture(autouse=True)
def cms() -> Iterator[None]:
    CMS_SIMULATOR.reset()
    yield
    CMS_SIMULATOR.reset()


async def _catalogue(runtime: Runtime, *, livemode: bool) -> dict[str, int]:
    """A CMS instance plan (4.50 a display a month) and a one-off item (99.00), on the partner price list."""
    plan = await make_cms_plan(runtime, livemode=livemode)
    item = await make_product(runtime, livemode=livemode, name="Setup help", metadata={"partner_catalogue": "item"})
    await make_pricing(runtime, int(item["id"]), livemode=livemode, onetime="99.00")  # type: ignore[call-overload]
    return {"plan": plan, "item": int(item["id"])}  # type: ignore[call-overload]


async def _count(runtime: Runtime, model: type[Any], customer_id: int) -> int:
    async with runtime.db.reader() as session:
        statement = sa.select(sa.func.count()).select_from(model).where(model.customer_id == customer_id)
        return int(await session.scalar(statement) or 0)


def _instance_order(plan: int, *, auto_pay: bool = True, displays: int = 10) -> dict[str, Any]:
    return {
        "items": [{"productId": plan, "displays": displays, "instanceName": "Acme Signs"}],
        "autoPay": auto_pay,
    }


async def test_the_walk_in_the_test_environment(runtime: Runtime, sandbox: httpx.AsyncClient) -> None:
    products = await _catalogue(runtime, livemode=False)
    partner_id, token = await partner_token(runtime, sandbox, livemode=False)
    auth = bearer(token)

    # A monthly CMS instance without a saved card: 402, and nothing is created.
    refused = await sandbox.post(ORDERS, json=_instance_order(products["plan"]), headers=auth)
    assert_platform_error(refused, 402)
    assert refused.json()["error"] == "payment_required" and "saved card" in refused.json()["error_description"]
    for model in (Order, Invoice, Service):
        assert await _count(runtime, model, partner_id) == 0

    # Save a card (the test gateway's), then order again with autoPay.
    await billing.add_test_card(runtime.db, Principal.system(livemode=False), partner_id, SUCCEEDS)
    placed = await sandbox.post(ORDERS, json=_instance_order(products["plan"]), headers=auth)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["status"] == "active" and order["currency"] == "EUR"
    assert order["items"] == [
        {
            "productId": products["plan"],
            "cycle": "monthly",
            "quantity": 1,
            "displays": 10,
            "instanceName": "Acme Signs",
            "price": "4.50",
            "setupFee": "0.00",
        }
    ]
    invoice = order["invoice"]
    assert invoice["status"] == "paid" and invoice["total"] == "45.00" and invoice["due"] == "0.00"
    assert invoice["orderId"] == order["id"] and invoice["datePaid"] is not None

    # The instance is provisioned once the jobs ran: the CMS simulator made it.
    [pending] = (await sandbox.get(INSTANCES, headers=auth)).json()
    assert pending["status"] == "active" and pending["url"] is None
    await drain(runtime)
    [instance] = (await sandbox.get(INSTANCES, headers=auth)).json()
    assert instance == {
        "id": pending["id"],
        "name": "Acme Signs",
        "url": f"https://acme-signs-{pending['id']}.cms.test",
        "status": "active",
        "plan": "CMS Cloud",
        "displays": 10,
        "cycle": "monthly",
        "nextDueDate": instance["nextDueDate"],
    }
    assert CMS_SIMULATOR.state.instances[instance["id"]].status == "running"
    assert (await sandbox.get(f"{INSTANCES}/{instance['id']}", headers=auth)).json() == instance

    # Licences: ordered 10, in use what the instance reports, expiring on the next due date.
    CMS_SIMULATOR.set_in_use(instance["id"], 7)
    licences = (await sandbox.get(LICENCES, headers=auth)).json()
    assert licences == [
        {
            "instanceId": instance["id"],
            "instanceName": "Acme Signs",
            "status": "active",
            "licensed": 10,
            "inUse": 7,
            "expires": instance["nextDueDate"],
        }
    ]

    # The order and its invoice read back.
    assert (await sandbox.get(f"{ORDERS}/{order['id']}", headers=auth)).json() == order
    assert [row["id"] for row in (await sandbox.get(ORDERS, headers=auth)).json()] == [order["id"]]
    [listed] = (await sandbox.get(INVOICES, headers=auth)).json()
    assert listed == invoice
    whole = (await sandbox.get(f"{INVOICES}/{invoice['id']}", headers=auth)).json()
    assert whole["items"][0]["amount"] == "45.00" and whole["items"][0]["instanceId"] == instance["id"]
    assert whole["items"][0]["description"].startswith("Acme Signs (monthly) x 10")


async def test_without_auto_pay_the_order_waits_for_its_invoice(runtime: Runtime, sandbox: httpx.AsyncClient) -> None:
    products = await _catalogue(runtime, livemode=False)
    partner_id, token = await partner_token(runtime, sandbox, livemode=False)
    await billing.add_test_card(runtime.db, Principal.system(livemode=False), partner_id, SUCCEEDS)
    placed = await sandbox.post(ORDERS, json=_instance_order(products["plan"], auto_pay=False), headers=bearer(token))
    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "pending" and placed.json()["invoice"]["status"] == "unpaid"
    await drain(runtime)
    [instance] = (await sandbox.get(INSTANCES, headers=bearer(token))).json()
    assert instance["status"] == "pending" and instance["url"] is None
    assert CMS_SIMULATOR.state.instances == {}


async def test_a_declined_charge_leaves_the_order_waiting_and_mails_a_pay_link(
    runtime: Runtime, sandbox: httpx.AsyncClient, inbox: Inbox
) -> None:
    runtime.settings.public_url = "https://billing.example.net"
    products = await _catalogue(runtime, livemode=False)
    partner_id, token = await partner_token(runtime, sandbox, livemode=False)
    await billing.add_test_card(runtime.db, Principal.system(livemode=False), partner_id, DECLINED_WHEN_CHARGED)
    placed = await sandbox.post(ORDERS, json=_instance_order(products["plan"]), headers=bearer(token))
    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "pending" and placed.json()["invoice"]["status"] == "unpaid"
    await drain(runtime)
    [mail] = [message for message in inbox.messages if message["Subject"].startswith("Invoice ")]
    invoice_id = placed.json()["invoice"]["id"]
    assert f"Pay it online: https://{SANDBOX}/portal/invoices/{invoice_id}" in body(mail)
    [instance] = (await sandbox.get(INSTANCES, headers=bearer(token))).json()
    assert instance["status"] == "pending"


async def test_a_one_off_item_needs_no_card(runtime: Runtime, sandbox: httpx.AsyncClient) -> None:
    products = await _catalogue(runtime, livemode=False)
    _, token = await partner_token(runtime, sandbox, livemode=False)
    body = {"items": [{"productId": products["item"], "quantity": 2}], "autoPay": True}
    placed = await sandbox.post(ORDERS, json=body, headers=bearer(token))
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["status"] == "pending" and order["invoice"]["total"] == "198.00"
    assert order["items"][0]["cycle"] == "onetime" and order["items"][0]["quantity"] == 2
    assert (await sandbox.get(INSTANCES, headers=bearer(token))).json() == []


async def test_an_idempotency_key_replay_creates_one_order(runtime: Runtime, sandbox: httpx.AsyncClient) -> None:
    products = await _catalogue(runtime, livemode=False)
    partner_id, token = await partner_token(runtime, sandbox, livemode=False)
    await billing.add_test_card(runtime.db, Principal.system(livemode=False), partner_id, SUCCEEDS)
    headers = bearer(token, **{"Idempotency-Key": "order-1"})
    first = await sandbox.post(ORDERS, json=_instance_order(products["plan"]), headers=headers)
    again = await sandbox.post(ORDERS, json=_instance_order(products["plan"]), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert first.json()["invoice"]["status"] == "paid"
    assert await _count(runtime, Order, partner_id) == 1
    other = await sandbox.post(ORDERS, json=_instance_order(products["plan"], displays=3), headers=headers)
    assert_platform_error(other, 422)


async def test_without_or_with_a_bad_token_401(sandbox: httpx.AsyncClient) -> None:
    for method, path in (
        ("POST", ORDERS),
        ("GET", ORDERS),
        ("GET", f"{ORDERS}/1"),
        ("GET", INSTANCES),
        ("GET", f"{INSTANCES}/1"),
        ("GET", LICENCES),
        ("GET", INVOICES),
        ("GET", f"{INVOICES}/1"),
    ):
        for headers in ({}, bearer("not-a-token")):
            response = await sandbox.request(method, path, json={} if method == "POST" else None, headers=headers)
            assert_platform_error(response, 401, "Unauthenticated.")


async def test_another_partners_ids_are_404(runtime: Runtime, sandbox: httpx.AsyncClient) -> None:
    products = await _catalogue(runtime, livemode=False)
    owner_id, owner_token = await partner_token(runtime, sandbox, livemode=False)
    await billing.add_test_card(runtime.db, Principal.system(livemode=False), owner_id, SUCCEEDS)
    order = (await sandbox.post(ORDERS, json=_instance_order(products["plan"]), headers=bearer(owner_token))).json()
    [instance] = (await sandbox.get(INSTANCES, headers=bearer(owner_token))).json()
    _, stranger = await partner_token(runtime, sandbox, livemode=False)
    for path in (f"{ORDERS}/{order['id']}", f"{INSTANCES}/{instance['id']}", f"{INVOICES}/{order['invoice']['id']}"):
        assert_platform_error(await sandbox.get(path, headers=bearer(stranger)), 404)
    for path in (ORDERS, INSTANCES, LICENCES, INVOICES):
        assert (await sandbox.get(path, headers=bearer(stranger))).json() == []


async def test_live_and_test_never_mix(runtime: Runtime, live: httpx.AsyncClient, sandbox: httpx.AsyncClient) -> None:
    live_products = await _catalogue(runtime, livemode=True)
    await _catalogue(runtime, livemode=False)
    live_id, live_token = await partner_token(runtime, live, livemode=True)
    body = {"items": [{"productId": live_products["item"]}]}
    order = (await live.post(ORDERS, json=body, headers=bearer(live_token))).json()
    assert order["status"] == "pending"
    # An annual plan needs no saved card: a live instance waits for its invoice.
    annual = {"items": [{"productId": live_products["plan"], "displays": 2, "instanceName": "HQ", "cycle": "annually"}]}
    placed = await live.post(ORDERS, json=annual, headers=bearer(live_token))
    assert placed.status_code == 201, placed.text
    [instance] = (await live.get(INSTANCES, headers=bearer(live_token))).json()
    assert instance["status"] == "pending" and instance["cycle"] == "annually"
    _, test_token = await partner_token(runtime, sandbox, livemode=False)
    for path in (f"{ORDERS}/{order['id']}", f"{INVOICES}/{order['invoice']['id']}", f"{INSTANCES}/{instance['id']}"):
        assert_platform_error(await sandbox.get(path, headers=bearer(test_token)), 404)
    for path in (ORDERS, INSTANCES, LICENCES, INVOICES):
        assert (await sandbox.get(path, headers=bearer(test_token))).json() == []
    # A live product is not on the test price list either.
    refused = await sandbox.post(ORDERS, json=body, headers=bearer(test_token))
    assert_platform_error(refused, 422)
    assert set(refused.json()["errors"]) == {"items.0.productId"}
    assert await _count(runtime, Order, live_id) == 2


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"displays": 5}, "items.0.instanceName"),
        ({"instanceName": "Acme"}, "items.0.displays"),
        ({"displays": 5, "instanceName": "Acme", "quantity": 2}, "items.0.quantity"),
        ({"displays": 5, "instanceName": "Acme", "cycle": "weekly"}, "items.0.cycle"),
        ({"displays": 5, "instanceName": "Acme", "cycle": "quarterly"}, "items.0.cycle"),
        ({"displays": 0, "instanceName": "Acme"}, "items.0.displays"),
    ],
    ids=["no name", "no displays", "two instances", "unknown cycle", "cycle not offered", "no display"],
)
async def test_bad_input_names_the_field(
    runtime: Runtime, sandbox: httpx.AsyncClient, item: dict[str, Any], field: str
) -> None:
    products = await _catalogue(runtime, livemode=False)
    partner_id, token = await partner_token(runtime, sandbox, livemode=False)
    await billing.add_test_card(runtime.db, Principal.system(livemode=False), partner_id, SUCCEEDS)
    response = await sandbox.post(
        ORDERS, json={"items": [{"productId": products["plan"], **item}]}, headers=bearer(token)
    )
    assert_platform_error(response, 422)
    assert response.json()["error"] == "invalid_request" and field in response.json()["errors"]
    assert await _count(runtime, Order, partner_id) == 0


async def test_an_empty_order_is_refused(runtime: Runtime, sandbox: httpx.AsyncClient) -> None:
    _, token = await partner_token(runtime, sandbox, livemode=False)
    response = await sandbox.post(ORDERS, json={"items": []}, headers=bearer(token))
    assert_platform_error(response, 422)
    assert "items" in response.json()["errors"]


async def test_the_openapi_document_lists_the_new_routes(live: httpx.AsyncClient) -> None:
    paths = (await live.get("/api/openapi.json")).json()["paths"]
    for path, method in (
        (ORDERS, "post"),
        (ORDERS, "get"),
        (f"{ORDERS}/{{order_id}}", "get"),
        (INSTANCES, "get"),
        (f"{INSTANCES}/{{instance_id}}", "get"),
        (LICENCES, "get"),
        (INVOICES, "get"),
        (f"{INVOICES}/{{invoice_id}}", "get"),
    ):
        operation = paths[path][method]
        assert operation["tags"] == ["partner"] and operation["summary"]
    assert "402" in paths[ORDERS]["post"]["responses"]
