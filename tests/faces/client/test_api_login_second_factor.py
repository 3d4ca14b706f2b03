"""CLIENTXCMS's ``ApiLoginSecondFactorTest`` over HTTP, for the TOTP factor Hostlane has (its e-mailed codes have no
counterpart: see ``faces.client``), with recovery codes, and the 2FA setup of ``ProfileControllerTest``."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from hostlane.core import totp
from hostlane.models import Customer
from hostlane.runtime import Runtime
from tests.faces.client.kit import (
    API,
    TOTP_SECRET,
    assert_client_error,
    bearer,
    code,
    customer,
    enable_two_factor,
    logged_in,
    login,
)


async def _verify(client: httpx.AsyncClient, token: str, value: str) -> httpx.Response:
    return await client.post(f"{API}/auth/2fa/verify", json={"code": value}, headers=bearer(token))


async def test_totp_only_login_asks_for_totp(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    await enable_two_factor(runtime, row["id"])
    answer = await login(client, row["email"])
    assert answer.status_code == 200
    body = answer.json()
    assert (body["requires_2fa"], body["second_factor"], body["token_type"]) == (True, "totp", "Bearer")
    assert "customer" not in body
    verified = await _verify(client, body["token"], code())
    assert verified.status_code == 200, verified.text
    assert set(verified.json()) >= {"token", "token_type", "customer"}
    assert verified.json()["customer"]["id"] == row["id"]
    full = verified.json()["token"]
    assert (await client.get(f"{API}/profile", headers=bearer(full))).status_code == 200
    # The pending token was spent: it verifies no second time.
    assert_client_error(await _verify(client, body["token"], code()), 401)


async def test_a_code_of_the_previous_step_still_passes(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    await enable_two_factor(runtime, row["id"])
    pending = (await login(client, row["email"])).json()["token"]
    assert (await _verify(client, pending, code(steps=-1))).status_code == 200


async def test_wrong_code_is_rejected(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    await enable_two_factor(runtime, row["id"])
    pending = (await login(client, row["email"])).json()["token"]
    wrong = "000000" if code() != "000000" else "111111"
    answer = await _verify(client, pending, wrong)
    assert_client_error(answer, 422)
    assert list(answer.json()["errors"]) == ["code"]
    assert_client_error(await client.get(f"{API}/profile", headers=bearer(pending)), 403)


async def test_a_recovery_code_works_once(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    codes = await enable_two_factor(runtime, row["id"])
    assert len(codes) == 8 and len(set(codes)) == 8
    first = (await login(client, row["email"])).json()["token"]
    assert (await _verify(client, first, codes[0])).status_code == 200
    second = (await login(client, row["email"])).json()["token"]
    assert_client_error(await _verify(client, second, codes[0]), 422)
    assert (await _verify(client, second, codes[1])).status_code == 200


async def test_recovery_codes_are_stored_hashed_and_the_secret_encrypted(runtime: Runtime) -> None:
    row = await customer(runtime)
    codes = await enable_two_factor(runtime, row["id"])
    async with runtime.db.reader() as session:
        stored = await session.scalar(sa.select(Customer).where(Customer.id == row["id"]))
    assert stored is not None and stored.two_factor_secret and stored.two_factor_recovery_codes
    assert TOTP_SECRET not in stored.two_factor_secret
    assert not any(item in stored.two_factor_recovery_codes for item in codes)


async def test_login_without_second_factor_delivers_full_access_token(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    row = await customer(runtime)
    answer = await login(client, row["email"])
    assert answer.json()["requires_2fa"] is False
    assert (await client.get(f"{API}/profile", headers=bearer(answer.json()["token"]))).status_code == 200


async def test_full_access_token_cannot_verify(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    answer = await client.post(f"{API}/auth/2fa/verify", json={"code": "123456"}, headers=headers)
    assert_client_error(answer, 403, "Invalid ability provided.")


async def test_verify_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    assert_client_error(await client.post(f"{API}/auth/2fa/verify", json={"code": "123456"}), 401)


# The setup from the profile (ProfileControllerTest's 2FA cases, and the toggle they lead to).


async def test_customer_can_get_2fa_setup_and_enable_it(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    setup = await client.get(f"{API}/profile/2fa/setup", headers=headers)
    assert setup.status_code == 200
    secret = setup.json()["secret"]
    assert totp.is_secret(secret) and setup.json()["qr_code"].startswith("otpauth://totp/")
    assert secret in setup.json()["qr_code"]
    # Nothing is kept until a code proves the app holds the secret.
    assert (await client.get(f"{API}/profile", headers=headers)).json()["data"]["two_factor_enabled"] is False
    refused = await client.post(
        f"{API}/profile/2fa",
        json={"secret": secret, "code": "000000" if code(secret) != "000000" else "111111"},
        headers=headers,
    )
    assert_client_error(refused, 422)
    assert list(refused.json()["errors"]) == ["code"]
    enabled = await client.post(f"{API}/profile/2fa", json={"secret": secret, "code": code(secret)}, headers=headers)
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["enabled"] is True and len(enabled.json()["recovery_codes"]) == 8
    assert (await client.get(f"{API}/profile", headers=headers)).json()["data"]["two_factor_enabled"] is True
    # The next login asks for the code of that secret.
    pending = await login(client, row["email"])
    assert pending.json()["requires_2fa"] is True
    assert (await _verify(client, pending.json()["token"], code(secret))).status_code == 200


async def test_customer_with_2fa_enabled_cannot_get_setup(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    await enable_two_factor(runtime, row["id"])
    assert_client_error(await client.get(f"{API}/profile/2fa/setup", headers=headers), 400)


async def test_enabling_needs_the_secret(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    answer = await client.post(f"{API}/profile/2fa", json={"code": "123456"}, headers=headers)
    assert_client_error(answer, 422)
    assert list(answer.json()["errors"]) == ["secret"]


async def test_customer_can_disable_2fa_with_a_code(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    await enable_two_factor(runtime, row["id"])
    wrong = await client.post(
        f"{API}/profile/2fa", json={"code": "000000" if code() != "000000" else "111111"}, headers=headers
    )
    assert_client_error(wrong, 422)
    answer = await client.post(f"{API}/profile/2fa", json={"code": code()}, headers=headers)
    assert answer.status_code == 200 and answer.json()["enabled"] is False
    assert (await login(client, row["email"])).json()["requires_2fa"] is False


async def test_customer_can_get_recovery_codes(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    old = await enable_two_factor(runtime, row["id"])
    answer = await client.get(f"{API}/profile/2fa/recovery-codes", headers=headers)
    assert answer.status_code == 200
    new = answer.json()["recovery_codes"]
    assert len(new) == 8 and not set(new) & set(old)
    # The old codes stopped working; the new ones work.
    pending = (await login(client, row["email"])).json()["token"]
    assert_client_error(await _verify(client, pending, old[0]), 422)
    assert (await _verify(client, pending, new[0])).status_code == 200


async def test_customer_without_2fa_cannot_get_recovery_codes(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    assert_client_error(await client.get(f"{API}/profile/2fa/recovery-codes", headers=headers), 400)


async def test_2fa_routes_need_a_token(client: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", "/profile/2fa/setup"),
        ("POST", "/profile/2fa"),
        ("GET", "/profile/2fa/recovery-codes"),
    ):
        assert_client_error(await client.request(method, f"{API}{path}", json={}), 401)
