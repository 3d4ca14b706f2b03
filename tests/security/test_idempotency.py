"""Idempotency-Key belongs to the caller (the principal and its mode) and the route, never to the exact
credential it presents; an answer that carries a secret is never stored, and is never cached."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import sqlalchemy as sa

from hostlane.core import clock
from hostlane.models import IdempotencyRecord, Invoice, Order, SupportTicket
from hostlane.runtime import Runtime
from tests.fixtures.factories import (
    make_admin,
    make_api_key,
    make_customer,
    make_department,
    make_pricing,
    make_product,
)
from tests.fixtures.http import basic, bearer

PASSWORD = "s3cret-passw0rd"
API = "/api/application"


async def _count(
    runtime: Runtime, model: type[Order] | type[Invoice] | type[SupportTicket] | type[IdempotencyRecord]
) -> int:
    async with runtime.db.reader() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


async def _product(runtime: Runtime) -> int:
    product = await make_product(runtime)
    await make_pricing(runtime, int(product["id"]), monthly="9.99")  # type: ignore[call-overload]
    return int(product["id"])  # type: ignore[call-overload]


async def _customer(runtime: Runtime) -> str:
    customer = await make_customer(runtime, password=PASSWORD, currency="EUR")
    return str(customer["email"])


async def _login(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await client.post("/api/login", json={"username": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    pair: dict[str, str] = response.json()
    return pair


async def test_a_customer_retrying_over_a_token_or_a_refreshed_token_gets_the_first_answer(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    email = await _customer(runtime)
    product_id = await _product(runtime)
    path, key = f"/api/order/{product_id}", {"Idempotency-Key": "order-K"}
    first = await client.post(path, json={}, headers=basic(email, PASSWORD, **key))
    assert first.status_code == 200, first.text
    assert "idempotent-replayed" not in first.headers

    with clock.frozen_at(clock.now() - dt.timedelta(minutes=1)):  # so that the refreshed token differs
        pair = await _login(client, email)
    over_token = await client.post(path, json={}, headers=bearer(pair["token"], **key))
    assert over_token.status_code == 200 and over_token.headers["idempotent-replayed"] == "true"
    assert over_token.content == first.content

    refreshed = (await client.post("/api/token", json={"refresh_token": pair["refresh"]})).json()
    assert refreshed["token"] != pair["token"]
    over_refreshed = await client.post(path, json={}, headers=bearer(refreshed["token"], **key))
    assert over_refreshed.headers["idempotent-replayed"] == "true" and over_refreshed.content == first.content

    assert await _count(runtime, Order) == 1 and await _count(runtime, Invoice) == 1


async def test_two_customers_with_the_same_key_place_two_orders(runtime: Runtime, client: httpx.AsyncClient) -> None:
    product_id = await _product(runtime)
    answers = []
    for email in (await _customer(runtime), await _customer(runtime)):
        response = await client.post(
            f"/api/order/{product_id}", json={}, headers=basic(email, PASSWORD, **{"Idempotency-Key": "same"})
        )
        assert response.status_code == 200 and "idempotent-replayed" not in response.headers
        answers.append(response.json()["invoice_id"])
    assert answers[0] != answers[1]
    assert await _count(runtime, Order) == 2 and await _count(runtime, Invoice) == 2


async def test_an_api_call_retried_with_the_same_key_is_made_once_however_the_key_is_written(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    api_key = await make_api_key(runtime, "*")
    product_id = await _product(runtime)
    customer_id = (await make_customer(runtime))["id"]
    body = {"customer_id": customer_id, "items": [{"product_id": product_id}]}
    first = await client.post(f"{API}/orders", json=body, headers=bearer(api_key, **{"Idempotency-Key": "k"}))
    assert first.status_code == 201, first.text
    # The scheme's case and spacing, the host's case: the same caller, so the same key.
    retried = await client.post(
        f"{API}/orders",
        json=body,
        headers={"Authorization": f"bearer   {api_key}", "Idempotency-Key": "k", "Host": "TestServer"},
    )
    assert retried.status_code == 201 and retried.headers["idempotent-replayed"] == "true"
    assert retried.content == first.content
    assert await _count(runtime, Order) == 1


async def test_two_api_keys_of_one_administrator_are_two_callers(runtime: Runtime, client: httpx.AsyncClient) -> None:
    admin = await make_admin(runtime)
    keys = [await make_api_key(runtime, "*", admin=admin) for _ in range(2)]
    product_id = await _product(runtime)
    customer_id = (await make_customer(runtime))["id"]
    body = {"customer_id": customer_id, "items": [{"product_id": product_id}]}
    for api_key in keys:
        response = await client.post(f"{API}/orders", json=body, headers=bearer(api_key, **{"Idempotency-Key": "k"}))
        assert response.status_code == 201 and "idempotent-replayed" not in response.headers
    assert await _count(runtime, Order) == 2


async def test_one_key_on_two_routes_makes_both(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """The key is the caller's for one route: a ticket and an order under one key are two things, not a 422."""
    email = await _customer(runtime)
    department = await make_department(runtime)
    product_id = await _product(runtime)
    headers = basic(email, PASSWORD, **{"Idempotency-Key": "one-key"})
    ticket = await client.post(
        "/api/tickets", json={"dept_id": department["id"], "subject": "S", "body": "B"}, headers=headers
    )
    assert ticket.status_code == 200, ticket.text
    order = await client.post(f"/api/order/{product_id}", json={}, headers=headers)
    assert order.status_code == 200 and "idempotent-replayed" not in order.headers, order.text
    assert await _count(runtime, SupportTicket) == 1 and await _count(runtime, Order) == 1


async def test_a_refused_credential_keeps_nothing(runtime: Runtime, client: httpx.AsyncClient) -> None:
    email = await _customer(runtime)
    product_id = await _product(runtime)
    refused = await client.post(
        f"/api/order/{product_id}", json={}, headers=basic(email, "wrong", **{"Idempotency-Key": "k"})
    )
    assert refused.status_code == 401
    assert await _count(runtime, IdempotencyRecord) == 0


async def test_login_and_token_answers_are_never_stored_nor_cached(runtime: Runtime, client: httpx.AsyncClient) -> None:
    email = await _customer(runtime)
    key = {"Idempotency-Key": "login-1"}
    credentials = {"username": email, "password": PASSWORD}
    first = await client.post("/api/login", json=credentials, headers=key)
    again = await client.post("/api/login", json=credentials, headers=key)
    assert first.status_code == again.status_code == 200
    assert "idempotent-replayed" not in again.headers and again.json()["token"] != first.json()["token"]
    refreshed = await client.post("/api/token", json={"refresh_token": again.json()["refresh"]}, headers=key)
    assert refreshed.status_code == 200 and "idempotent-replayed" not in refreshed.headers
    pair = refreshed.json()
    revoked = await client.post("/api/revoke", json={"refresh_token": first.json()["refresh"]}, headers=key)
    logout = await client.post("/api/logout", headers=bearer(pair["token"], **key))
    assert revoked.status_code == logout.status_code == 200
    for answer in (first, again, refreshed, revoked, logout):
        assert answer.headers["cache-control"] == "no-store", answer.request.url
        assert answer.headers["pragma"] == "no-cache"
    async with runtime.db.reader() as session:
        bodies = (await session.scalars(sa.select(IdempotencyRecord.body))).all()
    assert bodies == []  # no answer kept, so no token in clear


async def test_concurrent_retries_over_basic_and_a_token_make_one_order(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    email = await _customer(runtime)
    product_id = await _product(runtime)
    token = (await _login(client, email))["token"]
    key = {"Idempotency-Key": "together"}
    credentials = [basic(email, PASSWORD, **key), bearer(token, **key)] * 5
    responses = await asyncio.gather(
        *(client.post(f"/api/order/{product_id}", json={}, headers=headers) for headers in credentials)
    )
    assert {r.status_code for r in responses} <= {200, 409}
    assert len({r.content for r in responses if r.status_code == 200}) == 1  # the first answer, or its replays
    assert await _count(runtime, Order) == 1 and await _count(runtime, Invoice) == 1


async def test_a_refused_permission_keeps_nothing(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """The key is claimed once the caller may call the route: a 403 is not kept, so the retry after the key
    gains the permission runs."""
    api_key = await make_api_key(runtime, "customers:index")
    response = await client.post(
        f"{API}/customers", json={"email": "x@example.com"}, headers=bearer(api_key, **{"Idempotency-Key": "k"})
    )
    assert response.status_code == 403
    assert await _count(runtime, IdempotencyRecord) == 0


async def test_a_retry_that_asks_for_another_format_is_not_answered_in_the_first_ones(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    """Found by the fuzz run: the stored JSON answer was replayed to a retry asking for XML (``Accept``)."""
    key = await make_api_key(runtime, "*")
    headers = {**bearer(key), "Idempotency-Key": "create-d"}
    first = await client.post(f"{API}/departments", json={"name": "Sales"}, headers=headers)
    assert first.status_code == 201 and first.headers["content-type"] == "application/json"
    as_xml = await client.post(
        f"{API}/departments", json={"name": "Sales"}, headers={**headers, "Accept": "application/xml"}
    )
    assert as_xml.status_code == 422 and as_xml.headers["content-type"] == "application/xml", as_xml.text
    assert b"<message>This Idempotency-Key was used with a different request.</message>" in as_xml.content
    again = await client.post(f"{API}/departments", json={"name": "Sales"}, headers={**headers, "Accept": "*/*"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"  # JSON both times
    assert again.content == first.content
