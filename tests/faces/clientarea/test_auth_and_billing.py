"""The client-area face: the document's auth flows, account details, balance and invoices."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from hostlane.billing import service as billing
from hostlane.billing.service import NewItem
from hostlane.core import clock
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import make_customer
from tests.fixtures.http import bearer

PASSWORD = "s3cret-passw0rd"


async def _customer(runtime: Runtime, **fields: object) -> dict[str, object]:
    return await make_customer(
        runtime,
        password=PASSWORD,
        firstname="Joe",
        lastname="Doe",
        country="US",
        currency="USD",
        address1="Pretty View Lane",
        city="Santa Rosa",
        state="California",
        postcode="95401",
        phone="+1.24123123",
        **fields,
    )


async def test_basic_auth_details_exactly_as_the_document(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await _customer(runtime)
    response = await client.get("/api/details", auth=(str(customer["email"]), PASSWORD))
    assert response.status_code == 200
    assert response.json() == {
        "client": {
            "id": str(customer["id"]),
            "email": customer["email"],
            "lastlogin": None,
            "ip": None,
            "host": None,
            "firstname": "Joe",
            "lastname": "Doe",
            "companyname": "",
            "address1": "Pretty View Lane",
            "address2": "",
            "city": "Santa Rosa",
            "state": "California",
            "postcode": "95401",
            "country": "US",
            "phonenumber": "+1.24123123",
        }
    }


@pytest.mark.parametrize("path", ["/api/details", "/api/balance", "/api/invoice", "/api/invoice/1"])
async def test_every_route_needs_credentials(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 401
    assert response.json() == {"success": False, "error": ["Unauthenticated."]}
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_login_refresh_rotation_reuse_detection_revoke_and_logout(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    customer = await _customer(runtime)
    login = await client.post(
        "/api/login", json={"username": customer["email"], "password": PASSWORD}, headers={"User-Agent": "hostname"}
    )
    assert login.status_code == 200 and set(login.json()) == {"token", "refresh"}
    first = login.json()
    details = (await client.get("/api/details", headers=bearer(first["token"]))).json()
    assert details["client"]["ip"] == "127.0.0.1" and details["client"]["host"] == "hostname"
    assert details["client"]["lastlogin"] is not None

    rotated = await client.post("/api/token", json={"refresh_token": first["refresh"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh"] != first["refresh"]
    reused = await client.post("/api/token", json={"refresh_token": first["refresh"]})
    assert reused.status_code == 401  # the old refresh token is spent …
    # … and presenting it revoked the whole family: the new tokens stop working too.
    assert (await client.post("/api/token", json={"refresh_token": second["refresh"]})).status_code == 401
    assert (await client.get("/api/details", headers=bearer(second["token"]))).status_code == 401

    form = await client.post("/api/login", data={"username": customer["email"], "password": PASSWORD})
    assert form.status_code == 200  # form fields work as well as JSON
    third = form.json()
    assert (await client.post("/api/revoke", json={"refresh_token": third["refresh"]})).json() == {"status": True}
    assert (await client.get("/api/details", headers=bearer(third["token"]))).status_code == 401

    fourth = (await client.post("/api/login", json={"username": customer["email"], "password": PASSWORD})).json()
    out = await client.post("/api/logout", headers=bearer(fourth["token"]))
    assert out.json() == {"status": True}
    assert (await client.get("/api/balance", headers=bearer(fourth["token"]))).status_code == 401


async def test_access_tokens_expire(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await _customer(runtime)
    pair = (await client.post("/api/login", json={"username": customer["email"], "password": PASSWORD})).json()
    with clock.frozen_at(clock.now() + dt.timedelta(minutes=16)):
        late = await client.get("/api/details", headers=bearer(pair["token"]))
    assert late.status_code == 401


async def test_failed_logins_ban_the_address_on_every_route(runtime: Runtime, client_for: ClientFactory) -> None:
    customer = await _customer(runtime)
    client = client_for("203.0.113.40")
    for _ in range(3):
        wrong = await client.post("/api/login", json={"username": customer["email"], "password": "wrong"})
        assert wrong.status_code == 401
    banned = await client.post("/api/login", json={"username": customer["email"], "password": PASSWORD})
    assert banned.status_code == 403 and "Too many failed login attempts" in banned.json()["error"][0]
    basic = await client.get("/api/details", auth=(str(customer["email"]), PASSWORD))
    assert basic.status_code == 403  # Basic auth goes through the same ban
    missing = await client_for().post("/api/login", json={"username": customer["email"]})
    assert missing.status_code == 422 and missing.json()["error"] == ["The password field is required."]


async def test_balance_and_invoices_as_the_document_prints_them(runtime: Runtime, client: httpx.AsyncClient) -> None:
    from hostlane.models import TaxRule

    async with runtime.db.transaction() as session:
        session.add(TaxRule(livemode=True, name="CA", level=1, country="US", state="", rate_milli=21000))
    customer = await _customer(runtime, balance="0.00")
    other = await make_customer(runtime)
    async with runtime.db.transaction() as session:
        invoice = await billing.issue_invoice(
            session,
            Principal.system(),
            int(customer["id"]),  # type: ignore[call-overload]
            items=[NewItem("Example Service", 1500), NewItem("PayPal Payment Fee", 124)],
            due_on=dt.date(2017, 1, 6),
            invoice_date=dt.date(2016, 12, 30),
        )
        foreign = await billing.issue_invoice(
            session,
            Principal.system(),
            int(other["id"]),  # type: ignore[call-overload]
            items=[NewItem("Other", 100)],
            due_on=dt.date(2017, 1, 6),
        )
    auth = (str(customer["email"]), PASSWORD)
    balance = (await client.get("/api/balance", auth=auth)).json()
    assert balance == {"success": True, "details": {"currency": "USD", "acc_balance": "19.65", "acc_credit": "0.00"}}
    listed = (await client.get("/api/invoice", auth=auth)).json()
    assert listed == {
        "invoices": [
            {
                "id": str(invoice.id),
                "date": "2016-12-30",
                "dateorig": "2016-12-30",
                "duedate": "2017-01-06",
                "paybefore": "2017-01-06",
                "total": "19.65",
                "datepaid": None,
                "status": "Unpaid",
                "merge_id": None,
                "number": "2016/12/1",
                "currency": "USD",
            }
        ]
    }
    detail = (await client.get(f"/api/invoice/{invoice.id}", auth=auth)).json()["invoice"]
    assert (detail["subtotal"], detail["tax"], detail["taxrate"], detail["total"], detail["credit"]) == (
        16.24,
        3.41,
        21,
        19.65,
        0,
    )
    assert detail["taxexempt"] == "0" and detail["number"] == "2016/12/1"
    assert detail["items"][1] == {
        "id": detail["items"][1]["id"],
        "invoice_id": str(invoice.id),
        "type": "Other",
        "item_id": "0",
        "description": "PayPal Payment Fee",
        "amount": "1.24",
        "taxed": "1",
        "qty": "1.00",
        "linetotal": "1.24",
    }
    assert detail["client"]["email"] == customer["email"]
    theirs = await client.get(f"/api/invoice/{foreign.id}", auth=auth)
    assert theirs.status_code == 404 and theirs.json() == {"success": False, "error": ["Invoice not found."]}
