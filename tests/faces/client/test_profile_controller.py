"""CLIENTXCMS's ``ProfileControllerTest`` over HTTP (its 2FA cases are in ``test_api_login_second_factor``): view,
update, password change (which ends every token), and account deletion."""

from __future__ import annotations

import httpx

from hostlane.runtime import Runtime
from tests.faces.client.kit import API, PASSWORD, assert_client_error, logged_in, login
from tests.fixtures.factories import make_service


async def test_customer_can_view_profile(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    answer = await client.get(f"{API}/profile", headers=headers)
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert set(data) >= {"id", "email", "firstname", "lastname", "address", "country", "phone", "balance",
                         "two_factor_enabled", "created_at"}  # fmt: skip
    assert (data["id"], data["email"], data["balance"], data["two_factor_enabled"]) == (
        row["id"],
        row["email"],
        0.0,
        False,
    )


async def test_unauthenticated_user_cannot_view_profile(client: httpx.AsyncClient) -> None:
    assert_client_error(await client.get(f"{API}/profile"), 401, "Unauthenticated.")
    assert_client_error(await client.get(f"{API}/profile", headers={"Authorization": "Bearer nonsense"}), 401)


async def test_customer_can_update_profile(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client, city="Lyon")
    answer = await client.put(
        f"{API}/profile",
        json={"firstname": "Updated", "lastname": "Name", "address": "123 New Street"},
        headers=headers,
    )
    assert answer.status_code == 200 and answer.json()["message"]
    assert answer.json()["data"]["firstname"] == "Updated"
    data = (await client.get(f"{API}/profile", headers=headers)).json()["data"]
    assert (data["firstname"], data["lastname"], data["address"], data["city"]) == (
        "Updated",
        "Name",
        "123 New Street",
        "Lyon",
    )


async def test_update_refuses_bad_input_and_changes_nothing(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    answer = await client.put(f"{API}/profile", json={"firstname": "", "country": "ZZZ"}, headers=headers)
    assert_client_error(answer, 422)
    assert set(answer.json()["errors"]) == {"firstname", "country"}
    assert (await client.get(f"{API}/profile", headers=headers)).json()["data"]["firstname"] == "Ada"


async def test_customer_can_change_password(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    answer = await client.put(
        f"{API}/profile/password",
        json={
            "current_password": PASSWORD,
            "password": "NewSecurePass123!",
            "password_confirmation": "NewSecurePass123!",
        },
        headers=headers,
    )
    assert answer.status_code == 200 and answer.json()["message"]
    # Every token of the account ended; the new password logs in, the old one no longer.
    assert_client_error(await client.get(f"{API}/profile", headers=headers), 401)
    assert (await login(client, row["email"], "NewSecurePass123!")).status_code == 200
    assert (await login(client, row["email"], PASSWORD)).status_code == 422


async def test_customer_cannot_change_password_with_wrong_current_password(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    _, headers = await logged_in(runtime, client)
    answer = await client.put(
        f"{API}/profile/password",
        json={
            "current_password": "wrongpassword",
            "password": "NewSecurePass123!",
            "password_confirmation": "NewSecurePass123!",
        },
        headers=headers,
    )
    assert_client_error(answer, 422)
    assert list(answer.json()["errors"]) == ["current_password"]
    assert (await client.get(f"{API}/profile", headers=headers)).status_code == 200


async def test_customer_can_delete_account(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    answer = await client.request("DELETE", f"{API}/profile", json={"password": PASSWORD}, headers=headers)
    assert answer.status_code == 200 and answer.json()["message"]
    assert_client_error(await client.get(f"{API}/profile", headers=headers), 401)
    assert (await login(client, row["email"])).status_code == 422


async def test_delete_account_blocking_reason_keeps_its_message(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    await make_service(runtime, customer_id=int(str(row["id"])))
    answer = await client.request("DELETE", f"{API}/profile", json={"password": PASSWORD}, headers=headers)
    assert_client_error(answer, 400)
    assert "active service" in answer.json()["error"]
    assert (await client.get(f"{API}/profile", headers=headers)).status_code == 200


async def test_delete_account_without_password_stays_a_422(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    answer = await client.request("DELETE", f"{API}/profile", headers=headers)
    assert_client_error(answer, 422)
    assert list(answer.json()["errors"]) == ["password"]
    wrong = await client.request("DELETE", f"{API}/profile", json={"password": "not-it-at-all"}, headers=headers)
    assert_client_error(wrong, 422)
    assert list(wrong.json()["errors"]) == ["password"]


async def test_profile_routes_need_a_token(client: httpx.AsyncClient) -> None:
    for method, path in (("PUT", ""), ("PUT", "/password"), ("DELETE", "")):
        assert_client_error(await client.request(method, f"{API}/profile{path}", json={}), 401)
