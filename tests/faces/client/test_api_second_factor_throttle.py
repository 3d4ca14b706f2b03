"""CLIENTXCMS's ``ApiSecondFactorThrottleTest`` over HTTP: six wrong codes a minute are plain refusals, the seventh
is a 429, even with the right code; the count is the customer's, and a minute later codes are checked again."""

from __future__ import annotations

import datetime as dt

import httpx

from hostlane.core import clock
from hostlane.runtime import Runtime
from tests.faces.client.kit import API, assert_client_error, bearer, code, customer, enable_two_factor, login


async def test_api_second_factor_verification_is_throttled(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    await enable_two_factor(runtime, row["id"])
    pending = (await login(client, row["email"])).json()["token"]
    wrong = "000000" if code() != "000000" else "111111"
    statuses = [
        (await client.post(f"{API}/auth/2fa/verify", json={"code": wrong}, headers=bearer(pending))).status_code
        for _ in range(7)
    ]
    assert statuses == [422] * 6 + [429]
    refused = await client.post(f"{API}/auth/2fa/verify", json={"code": code()}, headers=bearer(pending))
    assert_client_error(refused, 429)
    assert int(refused.headers["retry-after"]) > 0


async def test_the_throttle_lifts_after_its_minute(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row = await customer(runtime)
    await enable_two_factor(runtime, row["id"])
    wrong = "000000" if code() != "000000" else "111111"
    pending = (await login(client, row["email"])).json()["token"]
    for _ in range(7):
        await client.post(f"{API}/auth/2fa/verify", json={"code": wrong}, headers=bearer(pending))
    later = clock.now() + dt.timedelta(seconds=61)
    with clock.frozen_at(later):
        pending = (await login(client, row["email"])).json()["token"]
        answer = await client.post(f"{API}/auth/2fa/verify", json={"code": code()}, headers=bearer(pending))
    assert answer.status_code == 200, answer.text
