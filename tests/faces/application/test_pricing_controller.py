"""CLIENTXCMS's tests/Feature/Api/Application/Store/PricingControllerTest.php, over HTTP.

Each test is the PHP test of the same name; it asserts what the PHP test asserts, plus the wire fields a client
reads (amounts are JSON numbers). The PHP tests send JSON with the real ``X:store``/``X:show`` permission names.
"""

from __future__ import annotations

import httpx

from hostlane.runtime import Runtime
from tests.faces.application.test_catalog import PRICING_FIELDS
from tests.fixtures.factories import make_api_key, make_group, make_pricing, make_product
from tests.fixtures.http import PAGE_FIELDS
from tests.fixtures.http import bearer as auth

API_URL = "/api/application/pricings"
ABILITY_INDEX = "pricings:index"
ABILITY_STORE = "pricings:store"
ABILITY_SHOW = "pricings:show"
ABILITY_UPDATE = "pricings:update"
ABILITY_DELETE = "pricings:delete"
DEFAULT_PRICES: dict[str, object] = {"onetime": 99.99, "monthly": 4.99, "quarterly": 9.99, "currency": "USD"}


async def perform_action(
    runtime: Runtime, client: httpx.AsyncClient, method: str, url: str, abilities: list[str], data: object = None
) -> httpx.Response:
    """The PHP test's ``performAction``: a fresh key holding ``abilities``, JSON in, JSON asked for."""
    key = await make_api_key(runtime, *abilities)
    return await client.request(method, url, headers=auth(key, Accept="application/json"), json=data)


async def create_product(runtime: Runtime) -> int:
    """The PHP ``createProduct``: a product named Test pricing (here in a group of its own)."""
    group = await make_group(runtime, name="Test Group", description="Test Group")
    product = await make_product(
        runtime,
        group_id=int(group["id"]),  # type: ignore[call-overload]
        name="Test pricing",
        description="Test pricing",
        stock=10,
        type="none",
    )
    return int(product["id"])  # type: ignore[call-overload]


async def create_pricing(
    runtime: Runtime, product_id: int | None = None, data: dict[str, object] | None = None
) -> tuple[int, int]:
    """The PHP ``createPricing`` (a new product unless one is given): the pricing's id and its product's."""
    if product_id is None:
        product_id = await create_product(runtime)
    fields = dict(DEFAULT_PRICES if data is None else data)
    currency = str(fields.pop("currency"))
    pricing = await make_pricing(runtime, product_id, currency=currency, **{k: str(v) for k, v in fields.items()})
    return int(pricing["id"]), product_id  # type: ignore[call-overload]


async def test_api_application_pricing_index(runtime: Runtime, client: httpx.AsyncClient) -> None:
    pricing_id, product_id = await create_pricing(runtime)
    response = await perform_action(runtime, client, "GET", API_URL, [ABILITY_INDEX])
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_FIELDS and body["total"] == 1
    [pricing] = body["data"]
    assert set(pricing) == PRICING_FIELDS
    assert (pricing["id"], pricing["related_id"], pricing["related_type"]) == (pricing_id, product_id, "product")
    assert (pricing["onetime"], pricing["monthly"], pricing["quarterly"]) == (99.99, 4.99, 9.99)


async def test_api_application_pricing_filter(runtime: Runtime, client: httpx.AsyncClient) -> None:
    # The real test filters ``related_id`` by the *pricing's* id, which equals its product's only in its fresh
    # database; the product's id is what ``related_id`` holds.
    pricing_id, product_id = await create_pricing(runtime)
    await create_pricing(runtime)
    response = await perform_action(
        runtime, client, "GET", f"{API_URL}?filter[related_id]={product_id}", [ABILITY_INDEX]
    )
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["data"]] == [pricing_id]


async def test_api_application_pricing_filter_with_related_type(runtime: Runtime, client: httpx.AsyncClient) -> None:
    pricing_id, product_id = await create_pricing(runtime)
    response = await perform_action(
        runtime,
        client,
        "GET",
        f"{API_URL}?filter[related_id]={product_id}&filter[related_type]=product",
        [ABILITY_INDEX],
    )
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["data"]] == [pricing_id]
    # Every pricing of Hostlane prices a product: another of CLIENTXCMS's related types matches none.
    other = await perform_action(runtime, client, "GET", f"{API_URL}?filter[related_type]=coupon", [ABILITY_INDEX])
    assert other.status_code == 200 and other.json()["data"] == []


async def test_api_application_pricing_sort(runtime: Runtime, client: httpx.AsyncClient) -> None:
    for i in range(15):
        await create_pricing(runtime, None, {"monthly": i, "currency": "USD"})
    response = await perform_action(runtime, client, "GET", f"{API_URL}?sort=-monthly", [ABILITY_INDEX])
    assert response.status_code == 200
    data = response.json()["data"]
    assert len(data) == 15
    assert data[0]["monthly"] == 14  # the largest monthly price, a number
    assert [p["monthly"] for p in data] == list(range(14, -1, -1))


async def test_api_application_pricing_search_by_currency_and_pricing(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    product_id = await create_product(runtime)
    for i in range(10):
        if i % 2 == 0:
            await create_pricing(
                runtime, product_id, {"onetime": 99.99, "monthly": 3.99, "quarterly": 9.99, "currency": "USD"}
            )
        else:
            await create_pricing(runtime, product_id, {"currency": "EUR"})
    for _ in range(5):
        await create_pricing(runtime, product_id, {"currency": "USD"})
    # ``currency=EUR`` is no filter (``filter[currency]`` is): only ``filter[monthly]`` narrows the list.
    response = await perform_action(
        runtime, client, "GET", f"{API_URL}?filter[monthly]=3.99&currency=EUR", [ABILITY_INDEX]
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert isinstance(data, list) and len(data) == 5
    assert {(p["monthly"], p["currency"]) for p in data} == {(3.99, "USD")}


async def test_api_application_pricing_search_by_currency(runtime: Runtime, client: httpx.AsyncClient) -> None:
    for _ in range(10):
        await create_pricing(runtime, None, {"currency": "EUR"})
    await create_pricing(runtime)  # one in USD
    response = await perform_action(runtime, client, "GET", f"{API_URL}?filter[currency]=EUR", [ABILITY_INDEX])
    assert response.status_code == 200
    data = response.json()["data"]
    assert isinstance(data, list) and len(data) == 10 and {p["currency"] for p in data} == {"EUR"}


async def test_api_application_pricing_store(runtime: Runtime, client: httpx.AsyncClient) -> None:
    product_id = await create_product(runtime)
    response = await perform_action(
        runtime,
        client,
        "POST",
        API_URL,
        [ABILITY_STORE],
        {
            "related_id": product_id,
            "onetime": 99.99,
            "monthly": 4.99,
            "quarterly": 9.99,
            "currency": "USD",
            "related_type": "product",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["onetime"], body["monthly"], body["quarterly"]) == (99.99, 4.99, 9.99)
    assert set(body) == PRICING_FIELDS and body["related_id"] == product_id and body["annually"] is None


async def test_api_application_pricing_invalid_price(runtime: Runtime, client: httpx.AsyncClient) -> None:
    product_id = await create_product(runtime)
    response = await perform_action(
        runtime,
        client,
        "POST",
        API_URL,
        [ABILITY_STORE],
        {
            "related_id": product_id,
            "related_type": "product",
            "onetime": 99.99,
            "monthly": 4.99,
            "quarterly": -9.99,
            "currency": "USD",
        },
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["quarterly"]


async def test_api_application_pricing_invalid_currency(runtime: Runtime, client: httpx.AsyncClient) -> None:
    product_id = await create_product(runtime)
    response = await perform_action(
        runtime,
        client,
        "POST",
        API_URL,
        [ABILITY_STORE],
        {
            "related_id": product_id,
            "onetime": 99.99,
            "monthly": 4.99,
            "quarterly": -9.99,
            "currency": "FAKE",
            "related_type": "product",
        },
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"quarterly", "currency"}


async def test_api_application_pricing_get(runtime: Runtime, client: httpx.AsyncClient) -> None:
    pricing_id, product_id = await create_pricing(runtime)
    response = await perform_action(runtime, client, "GET", f"{API_URL}/{pricing_id}", [ABILITY_SHOW])
    assert response.status_code == 200
    # The pricing itself, as the real one answers it (unlike its product show, no paginator).
    body = response.json()
    assert set(body) == PRICING_FIELDS and body["id"] == pricing_id and body["related_id"] == product_id


async def test_api_application_pricing_delete(runtime: Runtime, client: httpx.AsyncClient) -> None:
    pricing_id, _ = await create_pricing(runtime)
    response = await perform_action(runtime, client, "DELETE", f"{API_URL}/{pricing_id}", [ABILITY_DELETE])
    assert response.status_code == 200
    assert response.json()["id"] == pricing_id
    gone = await perform_action(runtime, client, "GET", f"{API_URL}/{pricing_id}", [ABILITY_SHOW])
    assert gone.status_code == 404


async def test_api_application_pricing_update(runtime: Runtime, client: httpx.AsyncClient) -> None:
    product_id = await create_product(runtime)
    pricing_id, _ = await create_pricing(runtime, product_id)
    response = await perform_action(
        runtime,
        client,
        "POST",
        f"{API_URL}/{pricing_id}",
        [ABILITY_UPDATE],
        {"currency": "EUR", "monthly": 14.99, "related_id": product_id, "related_type": "product"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["currency"] == "EUR" and body["monthly"] == 14.99
    assert body["onetime"] == 99.99 and body["related_id"] == product_id  # the rest is kept


async def test_api_application_update_pricing_invalid(runtime: Runtime, client: httpx.AsyncClient) -> None:
    product_id = await create_product(runtime)
    pricing_id, _ = await create_pricing(runtime, product_id)
    response = await perform_action(
        runtime,
        client,
        "POST",
        f"{API_URL}/{pricing_id}",
        [ABILITY_UPDATE],
        {"related_id": product_id, "currency": "EUR", "monthly": -14.99, "related_type": "product"},
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["monthly"]
    shown = await perform_action(runtime, client, "GET", f"{API_URL}/{pricing_id}", [ABILITY_SHOW])
    assert (shown.json()["currency"], shown.json()["monthly"]) == ("USD", 4.99)  # nothing written
