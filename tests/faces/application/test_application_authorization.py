"""CLIENTXCMS's ``tests/Feature/Api/ApplicationAuthorizationTest.php``, over HTTP against Hostlane.

A customer's own credential is a real credential, only not one for the application API: it is answered 403,
not 401. Hostlane's customer credentials are the client area's (``/api``): its e-mail and password over HTTP
Basic (what stands for the PHP test's web session: a customer signed in) and the access token of ``POST
/api/login`` (the PHP test's customer Sanctum token). The PHP test reads ``/api/application/servers``, which
issue 17 adds; these read ``/services``, an existing resource, instead.
"""

from __future__ import annotations

import httpx
import pytest

from hostlane.models import Customer
from hostlane.runtime import Runtime
from tests.faces.application.test_customers import auth, stored
from tests.fixtures.factories import make_api_key, make_customer
from tests.fixtures.http import assert_laravel_error, assert_missing_permission, basic, bearer

PASSWORD = "customer passw0rd"
FORBIDDEN = "This action is unauthorized."


async def customer_with_password(runtime: Runtime) -> dict[str, object]:
    return await make_customer(runtime, password=PASSWORD)


async def test_customer_session_cannot_access_application_api(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await customer_with_password(runtime)
    signed_in = basic(str(customer["email"]), PASSWORD, Accept="application/json")

    assert_laravel_error(await client.get("/api/application/customers", headers=signed_in), 403, FORBIDDEN)
    assert_laravel_error(await client.get("/api/application/services", headers=signed_in), 403, FORBIDDEN)
    action = await client.post(f"/api/application/customers/{customer['id']}/action/disable2FA", headers=signed_in)
    assert_laravel_error(action, 403, FORBIDDEN)
    # The same credential works where it belongs.
    assert (await client.get("/api/details", headers=signed_in)).status_code == 200
    # A wrong password is no credential at all: 401, as without one.
    wrong = basic(str(customer["email"]), "not the password", Accept="application/json")
    assert_laravel_error(await client.get("/api/application/customers", headers=wrong), 401)


async def test_customer_wildcard_token_cannot_access_application_api(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    customer = await customer_with_password(runtime)
    login = await client.post("/api/login", json={"username": customer["email"], "password": PASSWORD})
    assert login.status_code == 200, login.text
    token = login.json()["token"]

    response = await client.get("/api/application/services", headers=bearer(token, Accept="application/json"))
    assert_laravel_error(response, 403, FORBIDDEN)
    assert (await client.get("/api/details", headers=bearer(token))).status_code == 200
    # Once the login is revoked the token is no credential: 401.
    assert (await client.post("/api/revoke", json={"refresh_token": login.json()["refresh"]})).status_code == 200
    assert_laravel_error(await client.get("/api/application/services", headers=bearer(token)), 401)


async def test_admin_token_still_requires_its_ability(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:index")
    response = await client.get("/api/application/services", headers=auth(key))
    assert_missing_permission(response, "services:index")


async def test_admin_token_with_matching_ability_can_access_application_api(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = await make_api_key(runtime, "services:index")
    response = await client.get("/api/application/services", headers=auth(key))
    assert response.status_code == 200
    assert set(response.json()) == {"data", "links", "meta"}


@pytest.mark.parametrize("include", ["", "?include=services,invoices,metadata"])
async def test_server_credentials_are_not_serialized(runtime: Runtime, client: httpx.AsyncClient, include: str) -> None:
    """The PHP test checks a provisioning server (issue 17) never serialises its username and password; the same
    holds here of the customer's secrets: its password hash and its second factor never reach the wire."""
    customer = await customer_with_password(runtime)
    secret, codes = "TOTP-SECRET-CIPHERTEXT", "RECOVERY-CODES-CIPHERTEXT"
    async with runtime.db.transaction() as session:
        row = await session.get(Customer, customer["id"])
        assert row is not None
        row.two_factor_secret, row.two_factor_recovery_codes = secret, codes
    password_hash = (await stored(runtime, int(customer["id"]))).password_hash  # type: ignore[call-overload]
    assert password_hash
    key = await make_api_key(runtime, "*")
    for url in (f"/api/application/customers/{customer['id']}{include}", f"/api/application/customers{include}"):
        response = await client.get(url, headers=auth(key))
        assert response.status_code == 200
        for hidden in (password_hash, secret, codes, "password", "two_factor", "totp"):
            assert hidden not in response.text, (url, hidden)
