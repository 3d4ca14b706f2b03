"""CLIENTXCMS's ``ClientApiAuthorizationTest`` over HTTP: which credentials the client API takes.

Where Hostlane differs on purpose (see ``faces.client``): suspending or banning an account ends every session of
it, on every face, so its token is a 401 (the real one answers 403, and lets a suspended customer read its profile
and tickets); its browser sessions are not credentials here at all (no cookie is read)."""

from __future__ import annotations

import httpx

from hostlane.customers import service as customers
from hostlane.customers.schemas import Standing
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.faces.client.kit import (
    API,
    PASSWORD,
    assert_client_error,
    bearer,
    code,
    customer,
    enable_two_factor,
    logged_in,
    login,
)
from tests.fixtures.factories import make_api_key
from tests.fixtures.invoices import make_invoice


async def test_admin_token_sharing_customer_id_is_refused(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    invoice_id = await make_invoice(runtime, int(str(row["id"])))
    key = await make_api_key(runtime)
    answer = await client.get(f"{API}/invoices", headers=bearer(key))
    assert_client_error(answer, 403, "Invalid ability provided.")
    assert str(invoice_id) not in answer.text


async def test_a_client_area_token_is_not_a_client_api_token(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    pair = await client.post("/api/login", json={"username": row["email"], "password": PASSWORD})
    assert pair.status_code == 200
    assert_client_error(await client.get(f"{API}/profile", headers=bearer(pair.json()["token"])), 401)


async def test_banned_customer_token_is_refused(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    async with runtime.db.transaction() as session:
        await customers.ban_customer(session, Principal.system(), int(str(row["id"])), Standing(reason="reason"))
    assert_client_error(await client.get(f"{API}/profile", headers=headers), 401)
    assert_client_error(await client.get(f"{API}/tickets", headers=headers), 401)


async def test_suspended_customer_token_is_refused(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    async with runtime.db.transaction() as session:
        await customers.suspend_customer(session, Principal.system(), int(str(row["id"])), Standing(reason="reason"))
    assert_client_error(await client.put(f"{API}/profile", json={"firstname": "Jane"}, headers=headers), 401)
    assert_client_error(await client.get(f"{API}/invoices", headers=headers), 401)
    assert_client_error(await client.post(f"{API}/auth/logout", headers=headers), 401)


async def test_suspended_customer_pending_second_factor_token_cannot_verify(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    row = await customer(runtime)
    await enable_two_factor(runtime, row["id"])
    pending = (await login(client, row["email"])).json()["token"]
    async with runtime.db.transaction() as session:
        await customers.suspend_customer(session, Principal.system(), int(str(row["id"])), Standing(reason="reason"))
    answer = await client.post(f"{API}/auth/2fa/verify", json={"code": code()}, headers=bearer(pending))
    assert_client_error(answer, 401)


async def test_customer_token_keeps_access(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    assert (await client.get(f"{API}/profile", headers=headers)).status_code == 200


async def test_pending_second_factor_token_can_still_verify(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    await enable_two_factor(runtime, row["id"])
    pending = (await login(client, row["email"])).json()["token"]
    answer = await client.post(f"{API}/auth/2fa/verify", json={"code": code()}, headers=bearer(pending))
    assert answer.status_code == 200 and set(answer.json()) >= {"token", "token_type"}


async def test_a_live_token_is_refused_on_the_test_host(runtime: Runtime, client_for: ClientFactory) -> None:
    runtime.settings.test_hosts = ["test.localhost"]
    live = client_for()
    _, headers = await logged_in(runtime, live)
    sandbox = client_for(base_url="http://test.localhost")
    assert_client_error(await sandbox.get(f"{API}/profile", headers=headers), 401)


async def test_a_forged_token_is_refused_and_counted(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    token = headers["Authorization"].removeprefix("Bearer ")
    forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    assert_client_error(await client.get(f"{API}/profile", headers=bearer(forged)), 401)
