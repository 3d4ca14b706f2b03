"""CLIENTXCMS's ``AuthControllerTest`` over HTTP: log in, register, forgot and reset password, log out, and a
pending-2FA token refused on business routes."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from hostlane.customers import service as customers
from hostlane.customers.schemas import Standing
from hostlane.identity.principal import Principal
from hostlane.models import Customer, TokenFamily
from hostlane.runtime import Runtime
from tests.faces.client.kit import (
    API,
    PASSWORD,
    assert_client_error,
    bearer,
    customer,
    enable_two_factor,
    logged_in,
    login,
    reset_token,
)

REGISTRATION = {
    "email": "newuser@example.com",
    "password": "Password123!",
    "password_confirmation": "Password123!",
    "firstname": "John",
    "lastname": "Doe",
    "country": "FR",
    "address": "123 Main St",
    "city": "Anytown",
    "zipcode": "85000",
    "phone": "0612345678",
    "region": "Test",
}


async def test_customer_can_login_with_valid_credentials(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime, firstname="Joe", lastname="Doe")
    answer = await login(client, row["email"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["requires_2fa"] is False and body["token_type"] == "Bearer" and body["token"]
    assert body["customer"] == {"id": row["id"], "email": row["email"], "firstname": "Joe", "lastname": "Doe"}
    assert answer.headers["cache-control"] == "no-store"
    # The token works on a business route.
    profile = await client.get(f"{API}/profile", headers=bearer(body["token"]))
    assert profile.status_code == 200 and profile.json()["data"]["email"] == row["email"]


async def test_customer_cannot_login_with_invalid_password(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    answer = await login(client, row["email"], "wrong-password")
    assert_client_error(answer, 422)
    assert list(answer.json()["errors"]) == ["email"]


async def test_customer_cannot_login_with_invalid_email(client: httpx.AsyncClient) -> None:
    answer = await login(client, "nonexistent@example.com", "password")
    assert_client_error(answer, 422, "These credentials do not match our records.")
    assert list(answer.json()["errors"]) == ["email"]


async def test_login_refuses_a_malformed_body_naming_the_fields(client: httpx.AsyncClient) -> None:
    answer = await client.post(f"{API}/auth/login", json={"email": "not-an-address"})
    assert_client_error(answer, 422)
    assert set(answer.json()["errors"]) == {"email", "password"}


async def test_banned_customer_cannot_login(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    async with runtime.db.transaction() as session:
        await customers.ban_customer(session, Principal.system(), int(str(row["id"])), Standing(reason="Test ban"))
    answer = await login(client, row["email"])
    assert_client_error(answer, 422)
    assert list(answer.json()["errors"]) == ["email"]


async def test_failed_logins_share_the_login_ban(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """Three wrong passwords from an address ban it (the shared ban of every face, a 403): even the right one."""
    row = await customer(runtime)
    for _ in range(runtime.settings.login_max_failures):
        assert (await login(client, row["email"], "wrong-password")).status_code == 422
    answer = await login(client, row["email"])
    assert_client_error(answer, 403)
    assert answer.json()["message"].startswith("Too many failed login attempts")


async def test_customer_can_register_with_valid_data(runtime: Runtime, client: httpx.AsyncClient) -> None:
    answer = await client.post(f"{API}/auth/register", json=REGISTRATION)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["message"] and body["token"] and body["token_type"] == "Bearer"
    assert {k: body["customer"][k] for k in ("email", "firstname", "lastname")} == {
        "email": "newuser@example.com",
        "firstname": "John",
        "lastname": "Doe",
    }
    async with runtime.db.reader() as session:
        saved = await session.scalar(sa.select(Customer).where(Customer.email == "newuser@example.com"))
    assert saved is not None
    assert (saved.firstname, saved.lastname, saved.address1, saved.postcode, saved.state) == (
        "John",
        "Doe",
        "123 Main St",
        "85000",
        "Test",
    )
    profile = await client.get(f"{API}/profile", headers=bearer(body["token"]))
    assert profile.json()["data"]["id"] == saved.id


async def test_customer_cannot_register_with_existing_email(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await customer(runtime, email="existing@example.com")
    answer = await client.post(f"{API}/auth/register", json={**REGISTRATION, "email": "existing@example.com"})
    assert_client_error(answer, 422)
    assert list(answer.json()["errors"]) == ["email"]


async def test_register_refuses_an_unconfirmed_password_and_a_missing_name(client: httpx.AsyncClient) -> None:
    payload = {**REGISTRATION, "password_confirmation": "Other123!"}
    del payload["firstname"]
    answer = await client.post(f"{API}/auth/register", json=payload)
    assert_client_error(answer, 422)
    errors = answer.json()["errors"]
    assert set(errors) == {"firstname", "password"}
    assert "confirmation does not match" in errors["password"][0]


async def test_customer_can_request_password_reset(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    known = await client.post(f"{API}/auth/forgot-password", json={"email": row["email"]})
    unknown = await client.post(f"{API}/auth/forgot-password", json={"email": "nonexistent@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json() and known.json()["message"]


async def test_forgot_password_refuses_a_bad_address(client: httpx.AsyncClient) -> None:
    assert_client_error(await client.post(f"{API}/auth/forgot-password", json={"email": "nope"}), 422)


async def test_customer_can_reset_password_with_valid_token(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    token = await reset_token(runtime, row["id"])
    answer = await client.post(
        f"{API}/auth/reset-password",
        json={
            "token": token,
            "email": row["email"],
            "password": "NewPassword123!",
            "password_confirmation": "NewPassword123!",
        },
    )
    assert answer.status_code == 200 and answer.json()["message"]
    assert (await login(client, row["email"], "NewPassword123!")).status_code == 200
    # The reset ended every login: the token from before is refused, and the link works once.
    assert_client_error(await client.get(f"{API}/profile", headers=headers), 401)
    again = await client.post(
        f"{API}/auth/reset-password",
        json={
            "token": token,
            "email": row["email"],
            "password": "Other123456!",
            "password_confirmation": "Other123456!",
        },
    )
    assert_client_error(again, 422)


async def test_customer_cannot_reset_password_with_invalid_token(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    answer = await client.post(
        f"{API}/auth/reset-password",
        json={
            "token": "invalid-token",
            "email": row["email"],
            "password": "NewPassword123!",
            "password_confirmation": "NewPassword123!",
        },
    )
    assert_client_error(answer, 422)
    assert list(answer.json()["errors"]) == ["email"]
    assert (await login(client, row["email"])).status_code == 200  # the password is unchanged


async def test_a_token_for_another_address_is_refused(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    other = await customer(runtime)
    answer = await client.post(
        f"{API}/auth/reset-password",
        json={
            "token": await reset_token(runtime, row["id"]),
            "email": other["email"],
            "password": "NewPassword123!",
            "password_confirmation": "NewPassword123!",
        },
    )
    assert_client_error(answer, 422)
    assert (await login(client, row["email"])).status_code == 200


async def test_customer_can_logout(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    answer = await client.post(f"{API}/auth/logout", headers=headers)
    assert answer.status_code == 200 and answer.json()["message"]
    assert_client_error(await client.get(f"{API}/profile", headers=headers), 401)
    async with runtime.db.reader() as session:
        revoked = await session.scalar(
            sa.select(sa.func.count())
            .select_from(TokenFamily)
            .where(TokenFamily.customer_id == row["id"], TokenFamily.revoked_at.is_not(None))
        )
    assert revoked == 1


async def test_logout_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    assert_client_error(await client.post(f"{API}/auth/logout"), 401, "Unauthenticated.")


async def test_pending_2fa_token_cannot_access_protected_client_resources(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    row = await customer(runtime)
    await enable_two_factor(runtime, row["id"])
    pending = (await login(client, row["email"])).json()["token"]
    answer = await client.get(f"{API}/profile", headers=bearer(pending))
    assert_client_error(answer, 403, "Invalid ability provided.")
    assert PASSWORD  # the customer logged in with it
