"""Every POST and PUT route of the client area takes its parameters however a HostBill client sends them: in the
query string (HostBill's client libraries send every parameter of a POST there, login included), as form fields
with PHP's bracketed names (``ipaddress[192.0.2.2]=host``), as multipart form data, or as JSON; a body field
wins over a query field of the same name.

The routes are the face's own (``face_routes``): a new POST or PUT route without a case in ``CASES`` fails
``test_every_post_and_put_route_has_a_case`` until one is written, and every case runs in every variant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from hostlane.app import FACES
from hostlane.drivers.payments.test import SUCCEEDS
from hostlane.faces import clientarea
from hostlane.faces.face import face_for
from hostlane.models import OrderItem, SupportTicket
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import (
    make_api_key,
    make_customer,
    make_department,
    make_pricing,
    make_product,
    make_service,
)
from tests.fixtures.http import app_routes, assert_hostbill_error, basic, bearer, face_routes

FACE = clientarea.FACE
PASSWORD = "s3cret-passw0rd"
STAFF_API = "/api/application"
SANDBOX = "sandbox.test"
FORM = "application/x-www-form-urlencoded"
ROUTES = sorted((method, path) for method, path, _ in face_routes(FACE) if method in ("POST", "PUT"))
VARIANTS = ["query", "form", "multipart", "json"]

Params = dict[str, Any]


def php_pairs(params: Params, prefix: str = "") -> list[tuple[str, str]]:
    """``{"ipaddress": {"192.0.2.1": "host"}}`` as PHP's ``http_build_query`` names it:
    ``[("ipaddress[192.0.2.1]", "host")]``."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            pairs.extend(php_pairs(value, name))
        else:
            pairs.append((name, str(value)))
    return pairs


@dataclass
class Sender:
    """Sends a route's parameters as the variant says: all in the query string (no body), as an urlencoded form
    body, as multipart form data, or as a JSON body."""

    variant: str

    async def __call__(
        self,
        client: httpx.AsyncClient,
        method: str,
        path: str,
        params: Params,
        *,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = dict(headers or {})
        pairs = php_pairs(params)
        if self.variant == "query":
            return await client.request(method, path, params=pairs, headers=headers)
        if self.variant == "form":
            return await client.request(
                method, path, content=urlencode(pairs), headers={**headers, "Content-Type": FORM}
            )
        if self.variant == "multipart":
            if not pairs:  # nothing to send: a multipart body needs one part at least
                return await client.request(method, path, headers=headers)
            fields = [(name, (None, value)) for name, value in pairs]
            return await client.request(method, path, files=fields, headers=headers)
        return await client.request(method, path, json=params, headers=headers)


@dataclass
class Context:
    runtime: Runtime
    client: httpx.AsyncClient  # of the live environment
    client_for: ClientFactory
    send: Sender


Case = Callable[[Context], Awaitable[None]]
CASES: dict[tuple[str, str], Case] = {}


def case(method: str, path: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[(method, path)] = function
        return function

    return register


# Helpers that set a case up through JSON (the variant under test is only the call the case is about).


async def _customer(runtime: Runtime, *, livemode: bool = True) -> tuple[dict[str, object], dict[str, str]]:
    customer = await make_customer(runtime, password=PASSWORD, currency="EUR", livemode=livemode)
    return customer, basic(str(customer["email"]), PASSWORD)


async def _login(client: httpx.AsyncClient, customer: dict[str, object]) -> dict[str, str]:
    response = await client.post("/api/login", json={"username": customer["email"], "password": PASSWORD})
    assert response.status_code == 200, response.text
    pair: dict[str, str] = response.json()
    return pair


async def _ticket(client: httpx.AsyncClient, runtime: Runtime, auth: dict[str, str]) -> int:
    department = await make_department(runtime)
    opened = await client.post(
        "/api/tickets", json={"dept_id": department["id"], "subject": "Set up", "body": "First"}, headers=auth
    )
    assert opened.status_code == 200, opened.text
    number: int = opened.json()["ticket"]
    return number


async def _product(runtime: Runtime, *, livemode: bool = True) -> int:
    product = await make_product(runtime, name="Starter", livemode=livemode)
    product_id = int(product["id"])  # type: ignore[call-overload]
    await make_pricing(runtime, product_id, monthly="9.99", annually="99.00", livemode=livemode)
    return product_id


async def _service_with_an_address_and_an_outlet(
    runtime: Runtime, client: httpx.AsyncClient, customer: dict[str, object]
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    staff = bearer(await make_api_key(runtime))
    service_id = await make_service(runtime, customer_id=int(customer["id"]))  # type: ignore[call-overload]
    pool = await client.post(f"{STAFF_API}/ip-pools", json={"name": "v4", "network": "192.0.2.0/24"}, headers=staff)
    address = await client.post(
        f"{STAFF_API}/services/{service_id}/ips", json={"pool_id": pool.json()["id"]}, headers=staff
    )
    pdu = await client.post(
        f"{STAFF_API}/pdus", json={"name": "pdu-a1", "address": "10.0.0.5", "outlets": 24}, headers=staff
    )
    port = await client.post(
        f"{STAFF_API}/services/{service_id}/pdu-ports",
        json={"pdu_id": pdu.json()["id"], "outlet": 7, "label": "PSU A"},
        headers=staff,
    )
    assert address.status_code == port.status_code == 201, (address.text, port.text)
    return service_id, address.json(), port.json()


# One case per route: the route's parameters sent in the variant under test, and what shows they were read.


@case("POST", "/api/login")
async def _log_in(ctx: Context) -> None:
    customer, _ = await _customer(ctx.runtime)
    response = await ctx.send(ctx.client, "POST", "/api/login", {"username": customer["email"], "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"token", "refresh"}
    details = await ctx.client.get("/api/details", headers=bearer(response.json()["token"]))
    assert details.json()["client"]["email"] == customer["email"]


@case("POST", "/api/token")
async def _refresh(ctx: Context) -> None:
    customer, _ = await _customer(ctx.runtime)
    first = await _login(ctx.client, customer)
    response = await ctx.send(ctx.client, "POST", "/api/token", {"refresh_token": first["refresh"]})
    assert response.status_code == 200, response.text
    assert response.json()["refresh"] != first["refresh"]
    assert (await ctx.client.get("/api/details", headers=bearer(response.json()["token"]))).status_code == 200


@case("POST", "/api/revoke")
async def _revoke(ctx: Context) -> None:
    customer, _ = await _customer(ctx.runtime)
    pair = await _login(ctx.client, customer)
    response = await ctx.send(ctx.client, "POST", "/api/revoke", {"refresh_token": pair["refresh"]})
    assert response.status_code == 200 and response.json() == {"status": True}, response.text
    assert (await ctx.client.get("/api/details", headers=bearer(pair["token"]))).status_code == 401


@case("POST", "/api/logout")
async def _log_out(ctx: Context) -> None:
    """No parameter: the access token ends; the (empty) query or body of each variant is read without fault."""
    customer, _ = await _customer(ctx.runtime)
    pair = await _login(ctx.client, customer)
    response = await ctx.send(ctx.client, "POST", "/api/logout", {}, headers=bearer(pair["token"]))
    assert response.status_code == 200 and response.json() == {"status": True}, response.text
    assert (await ctx.client.get("/api/details", headers=bearer(pair["token"]))).status_code == 401


@case("POST", "/api/tickets")
async def _open_ticket(ctx: Context) -> None:
    _, auth = await _customer(ctx.runtime)
    department = await make_department(ctx.runtime)
    subject = f"Sent as {ctx.send.variant}"
    params = {"dept_id": department["id"], "subject": subject, "body": "Hello"}
    response = await ctx.send(ctx.client, "POST", "/api/tickets", params, headers=auth)
    assert response.status_code == 200 and isinstance(response.json()["ticket"], int), response.text
    async with ctx.runtime.db.reader() as session:
        assert list(await session.scalars(sa.select(SupportTicket.subject))) == [subject]


@case("POST", "/api/tickets/{number}")
async def _reply(ctx: Context) -> None:
    _, auth = await _customer(ctx.runtime)
    number = await _ticket(ctx.client, ctx.runtime, auth)
    text = f"A reply sent as {ctx.send.variant}"
    response = await ctx.send(ctx.client, "POST", f"/api/tickets/{number}", {"body": text}, headers=auth)
    assert response.status_code == 200 and response.json() == {"info": ["reply_added"]}, response.text
    replies = (await ctx.client.get(f"/api/tickets/{number}", headers=auth)).json()["replies"]
    assert [reply["body"] for reply in replies] == [text]


@case("PUT", "/api/tickets/{number}/close")
async def _close(ctx: Context) -> None:
    """No parameter: the ticket closes whatever the (empty) query or body."""
    _, auth = await _customer(ctx.runtime)
    number = await _ticket(ctx.client, ctx.runtime, auth)
    response = await ctx.send(ctx.client, "PUT", f"/api/tickets/{number}/close", {}, headers=auth)
    assert response.status_code == 200 and response.json() == {"status": True}, response.text
    assert (await ctx.client.get(f"/api/tickets/{number}", headers=auth)).json()["ticket"]["status"] == "Closed"


@case("PUT", "/api/tickets/{number}/open")
async def _reopen(ctx: Context) -> None:
    """No parameter: the closed ticket opens again whatever the (empty) query or body."""
    _, auth = await _customer(ctx.runtime)
    number = await _ticket(ctx.client, ctx.runtime, auth)
    assert (await ctx.client.put(f"/api/tickets/{number}/close", headers=auth)).status_code == 200
    response = await ctx.send(ctx.client, "PUT", f"/api/tickets/{number}/open", {}, headers=auth)
    assert response.status_code == 200 and response.json() == {"status": True}, response.text
    assert (await ctx.client.get(f"/api/tickets/{number}", headers=auth)).json()["ticket"]["status"] == "Open"


@case("POST", "/api/order/{product_id}")
async def _order(ctx: Context) -> None:
    """The cycle (annually: 99.00, not the monthly default's 9.99), the domain and a PHP array of options."""
    _, auth = await _customer(ctx.runtime)
    product_id = await _product(ctx.runtime)
    params = {"cycle": "a", "domain": "example.org", "custom": {"os": "debian", "disk": "50"}}
    response = await ctx.send(ctx.client, "POST", f"/api/order/{product_id}", params, headers=auth)
    assert response.status_code == 200, response.text
    placed = response.json()
    assert placed["total"] == "99.00" and placed["items"]["name"] == "example.org"
    async with ctx.runtime.db.reader() as session:
        options = list(await session.scalars(sa.select(OrderItem.options)))
    assert options == [{"os": "debian", "disk": "50", "domain": "example.org"}]


@case("POST", "/api/invoice/{invoice_id}/pay")
async def _pay(ctx: Context) -> None:
    """In the test environment (the test gateway's cards serve test mode only), with a saved card: ``credit``
    is read (without it the card would be charged), then ``card`` pays."""
    ctx.runtime.settings.test_hosts = [SANDBOX]
    sandbox = ctx.client_for(base_url=f"http://{SANDBOX}")
    customer, auth = await _customer(ctx.runtime, livemode=False)
    product_id = await _product(ctx.runtime, livemode=False)
    placed = (await sandbox.post(f"/api/order/{product_id}", json={}, headers=auth)).json()
    staff = bearer(await make_api_key(ctx.runtime, livemode=False))
    saved = await sandbox.post(
        f"{STAFF_API}/customers/{customer['id']}/payment-methods", json={"token": SUCCEEDS}, headers=staff
    )
    assert saved.status_code == 201, saved.text
    url = f"/api/invoice/{placed['invoice_id']}/pay"
    by_credit = await ctx.send(sandbox, "POST", url, {"method": "credit"}, headers=auth)
    assert_hostbill_error(by_credit, 402, "The account credit (0.00 EUR) does not cover the 9.99 EUR due.")
    by_card = await ctx.send(sandbox, "POST", url, {"method": "card"}, headers=auth)
    assert by_card.status_code == 200, by_card.text
    assert by_card.json()["info"] == ["payment_received"] and by_card.json()["invoice"]["status"] == "Paid"


@case("POST", "/api/service/{service_id}/rdns")
async def _reverse_dns(ctx: Context) -> None:
    """``ipaddress[192.0.2.1]=mail.example.com``: a PHP array keyed by the address."""
    customer, auth = await _customer(ctx.runtime)
    service_id, address, _ = await _service_with_an_address_and_an_outlet(ctx.runtime, ctx.client, customer)
    ip = address["address"]
    params = {"ipaddress": {ip: "mail.example.com"}}
    response = await ctx.send(ctx.client, "POST", f"/api/service/{service_id}/rdns", params, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "ipaddress": {ip: "mail.example.com"}}
    assert (await ctx.client.get(f"/api/service/{service_id}/rdns", headers=auth)).json()["ipaddress"] == {
        ip: "mail.example.com"
    }


@case("POST", "/api/service/{service_id}/pdu/{port_id}")
async def _power(ctx: Context) -> None:
    customer, auth = await _customer(ctx.runtime)
    service_id, _, port = await _service_with_an_address_and_an_outlet(ctx.runtime, ctx.client, customer)
    url = f"/api/service/{service_id}/pdu/{port['id']}"
    response = await ctx.send(ctx.client, "POST", url, {"power": "off"}, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["port"]["status"] == "off"
    assert (await ctx.client.get(url, headers=auth)).json()["port"]["power"] is False


# The matrix


def test_every_post_and_put_route_has_a_case(shared_app: FastAPI) -> None:
    served = sorted(
        (method, path)
        for method, path, _ in app_routes(shared_app)
        if face_for(path, FACES) is FACE and method in ("POST", "PUT")
    )
    assert served == ROUTES
    assert sorted(CASES) == ROUTES, f"routes without a case: {sorted(set(ROUTES) - set(CASES))}"


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_every_route_reads_its_parameters_however_they_are_sent(
    runtime: Runtime, client: httpx.AsyncClient, client_for: ClientFactory, method: str, path: str, variant: str
) -> None:
    run = CASES.get((method, path))
    assert run is not None, f"{method} {path} has no case in CASES: write one"
    await run(Context(runtime, client, client_for, Sender(variant)))


# Query and body together


async def test_login_with_the_password_in_the_query_string_as_hostbill_libraries_send_it(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    customer, _ = await _customer(runtime)
    url = f"/api/login?{urlencode({'username': customer['email'], 'password': PASSWORD})}"
    response = await client.post(url, headers={"Content-Type": FORM})  # an empty form body
    assert response.status_code == 200 and set(response.json()) == {"token", "refresh"}
    assert response.headers["cache-control"] == "no-store"
    wrong = await client.post(f"/api/login?{urlencode({'username': customer['email'], 'password': 'nope'})}")
    assert_hostbill_error(wrong, 401)


@pytest.mark.parametrize("body", ["json", "form"])
async def test_the_body_wins_over_the_query_string(runtime: Runtime, client: httpx.AsyncClient, body: str) -> None:
    customer, _ = await _customer(runtime)
    email = str(customer["email"])

    async def login(query_password: str, body_password: str) -> httpx.Response:
        url = f"/api/login?{urlencode({'username': email, 'password': query_password})}"
        if body == "json":
            return await client.post(url, json={"password": body_password})
        return await client.post(url, data={"password": body_password})

    assert (await login("wrong", PASSWORD)).status_code == 200
    assert_hostbill_error(await login(PASSWORD, "wrong"), 401)


async def test_query_and_body_parameters_are_merged(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """The department in the query, the subject in both (the body's is kept), the text in the body."""
    _, auth = await _customer(runtime)
    department = await make_department(runtime)
    query = urlencode({"dept_id": department["id"], "subject": "From the query"})
    response = await client.post(
        f"/api/tickets?{query}", data={"subject": "From the body", "body": "Hello"}, headers=auth
    )
    assert response.status_code == 200, response.text
    async with runtime.db.reader() as session:
        assert list(await session.scalars(sa.select(SupportTicket.subject))) == ["From the body"]


async def test_a_body_array_replaces_the_query_array_of_the_same_name(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    """``ipaddress[…]`` in both: the body's whole, not a merge of the two (as with any other field)."""
    customer, auth = await _customer(runtime)
    service_id, address, _ = await _service_with_an_address_and_an_outlet(runtime, client, customer)
    ip = address["address"]
    response = await client.post(
        f"/api/service/{service_id}/rdns?ipaddress%5B{ip}%5D=from-the-query.example.com",
        content=f"ipaddress%5B{ip}%5D=from-the-body.example.com",
        headers={**auth, "Content-Type": FORM},
    )
    assert response.json() == {"success": True, "ipaddress": {ip: "from-the-body.example.com"}}


async def test_a_missing_parameter_is_refused_naming_it_whatever_the_variant(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    customer, auth = await _customer(runtime)
    response = await client.post(f"/api/login?{urlencode({'username': customer['email']})}")
    assert_hostbill_error(response, 422, "The password field is required.")
    query_only = await client.post("/api/tickets?subject=No+department&body=Hello", headers=auth)
    assert_hostbill_error(query_only, 422)
    assert "The dept_id field is required." in query_only.json()["error"]
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(SupportTicket)) == 0
