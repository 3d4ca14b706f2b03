"""CLIENTXCMS's ``PaymentMethodControllerTest`` over HTTP, in the test environment (its test gateway): list, the
gateways, add (a setup, then the card; or a test card), default, delete; another customer's card is a 404."""

from __future__ import annotations

import httpx

from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.faces.client.kit import API, assert_client_error, bearer, customer, login

TEST_HOST = "test.localhost"
GOOD_CARD = "4242424242424242"


def _sandbox(runtime: Runtime, client_for: ClientFactory) -> httpx.AsyncClient:
    """A client of the test environment's host (its test gateway saves test cards)."""
    runtime.settings.test_hosts = [TEST_HOST]
    return client_for(base_url=f"http://{TEST_HOST}")


async def _test_login(runtime: Runtime, client: httpx.AsyncClient) -> dict[str, str]:
    made = await customer(runtime, livemode=False)
    answer = await login(client, made["email"])
    assert answer.status_code == 200, answer.text
    return bearer(answer.json()["token"])


async def test_customer_can_list_payment_methods_and_gateways(runtime: Runtime, client_for: ClientFactory) -> None:
    client = _sandbox(runtime, client_for)
    headers = await _test_login(runtime, client)
    empty = await client.get(f"{API}/payment-methods", headers=headers)
    assert empty.status_code == 200 and empty.json() == {"data": [], "default_payment_method": None}
    gateways = await client.get(f"{API}/payment-methods/gateways", headers=headers)
    assert gateways.status_code == 200
    [gateway] = gateways.json()["data"]
    added = await client.post(f"{API}/payment-methods/{gateway['uuid']}", json={"card": GOOD_CARD}, headers=headers)
    assert added.status_code == 201, added.text
    card = added.json()["data"]
    assert (card["last4"], card["is_default"]) == ("4242", True)
    listed = (await client.get(f"{API}/payment-methods", headers=headers)).json()
    assert listed == {"data": [card], "default_payment_method": card["id"]}
    made_default = await client.put(f"{API}/payment-methods/{card['id']}/default", headers=headers)
    assert made_default.status_code == 200
    # Another customer sees none of it.
    other = await _test_login(runtime, client)
    assert_client_error(await client.put(f"{API}/payment-methods/{card['id']}/default", headers=other), 404)
    assert_client_error(await client.delete(f"{API}/payment-methods/{card['id']}", headers=other), 404)
    removed = await client.delete(f"{API}/payment-methods/{card['id']}", headers=headers)
    assert removed.status_code == 200
    assert (await client.get(f"{API}/payment-methods", headers=headers)).json()["data"] == []


async def test_add_without_a_card_opens_a_setup(runtime: Runtime, client_for: ClientFactory) -> None:
    client = _sandbox(runtime, client_for)
    headers = await _test_login(runtime, client)
    gateway = (await client.get(f"{API}/payment-methods/gateways", headers=headers)).json()["data"][0]["uuid"]
    answer = await client.post(f"{API}/payment-methods/{gateway}", headers=headers)
    assert answer.status_code == 200
    assert set(answer.json()["data"]) == {"gateway", "setup_id", "client_secret"}
    assert (await client.get(f"{API}/payment-methods", headers=headers)).json()["data"] == []


async def test_add_validation_error_stays_a_422(runtime: Runtime, client_for: ClientFactory) -> None:
    client = _sandbox(runtime, client_for)
    headers = await _test_login(runtime, client)
    gateway = (await client.get(f"{API}/payment-methods/gateways", headers=headers)).json()["data"][0]["uuid"]
    answer = await client.post(f"{API}/payment-methods/{gateway}", json={"card": "4000000000000002"}, headers=headers)
    assert_client_error(answer, 422)
    assert list(answer.json()["errors"]) == ["card"]
    assert_client_error(await client.post(f"{API}/payment-methods/paypal", headers=headers), 404)


async def test_unauthenticated_user_cannot_access_payment_methods(client: httpx.AsyncClient) -> None:
    assert_client_error(await client.get(f"{API}/payment-methods"), 401)
    assert_client_error(await client.get(f"{API}/payment-methods/gateways"), 401)
    assert_client_error(await client.post(f"{API}/payment-methods/test"), 401)
    assert_client_error(await client.put(f"{API}/payment-methods/1/default"), 401)
    assert_client_error(await client.delete(f"{API}/payment-methods/1"), 401)
