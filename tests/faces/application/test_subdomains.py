"""Subdomain hosts on the application face (``subdomains:*``), and the free subdomain a customer takes under one
when ordering: a valid label, offered with the product, never taken twice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hostlane.models import Order, Service, Subdomain
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer, make_pricing, make_product
from tests.fixtures.http import bearer

API = "/api/application"
URL = f"{API}/subdomains"
HOST_FIELDS = {"id", "domain", "products", "groups", "created_at", "updated_at"}


@pytest.fixture
async def staff(runtime: Runtime) -> dict[str, str]:
    return bearer(await make_api_key(runtime))


async def _host(client: httpx.AsyncClient, staff: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = await client.post(URL, json={"domain": ".example.net", **fields}, headers=staff)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_host_is_created_listed_shown_updated_and_deleted(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    product = int((await make_product(runtime))["id"])  # type: ignore[call-overload]
    host = await _host(client, staff, domain="Example.NET.", products=[product])
    assert set(host) == HOST_FIELDS
    assert (host["domain"], host["products"], host["groups"]) == (".example.net", [product], [])
    listed = (await client.get(URL, headers=staff)).json()
    assert listed["total"] == 1 and listed["data"] == [host]
    shown = (await client.get(f"{URL}/{host['id']}", headers=staff)).json()
    assert shown["data"] == [host]
    updated = await client.post(
        f"{URL}/{host['id']}", json={"domain": "free.example.org", "products": []}, headers=staff
    )
    assert updated.status_code == 200 and (updated.json()["domain"], updated.json()["products"]) == (
        ".free.example.org",
        [],
    )
    filtered = (await client.get(URL, params={"filter[domain]": "example.org"}, headers=staff)).json()
    assert [row["id"] for row in filtered["data"]] == [host["id"]]
    deleted = await client.delete(f"{URL}/{host['id']}", headers=staff)
    assert deleted.status_code == 200 and deleted.json() == {"message": "The subdomain host was deleted."}
    assert (await client.get(f"{URL}/{host['id']}", headers=staff)).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/subdomains"),
        ("POST", "/subdomains"),
        ("GET", "/subdomains/1"),
        ("POST", "/subdomains/1"),
        ("DELETE", "/subdomains/1"),
    ],
)
async def test_routes_need_a_key_and_its_ability(
    runtime: Runtime, client: httpx.AsyncClient, method: str, path: str
) -> None:
    body: dict[str, object] | None = {} if method == "POST" else None
    assert (await client.request(method, f"{API}{path}", json=body)).status_code == 401
    other = bearer(await make_api_key(runtime, "servers:index"))
    assert (await client.request(method, f"{API}{path}", json=body, headers=other)).status_code == 403


async def test_an_unknown_or_other_mode_host_is_not_found(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    host = await _host(client, staff)
    sandbox = bearer(await make_api_key(runtime, livemode=False))
    for headers, target in ((staff, 999_999), (sandbox, host["id"])):
        assert (await client.get(f"{URL}/{target}", headers=headers)).status_code == 404
        assert (await client.post(f"{URL}/{target}", json={"domain": "a.example"}, headers=headers)).status_code == 404
        assert (await client.delete(f"{URL}/{target}", headers=headers)).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"domain": "localhost"}, "domain"),
        ({"domain": "bad_name.example"}, "domain"),
        ({"domain": "-x.example"}, "domain"),
        ({"domain": ""}, "domain"),
        ({"domain": "a.example", "products": ["one"]}, "products.0"),
        ({"domain": "example.net"}, "domain"),  # taken (the one made first)
    ],
)
async def test_bad_hosts_name_the_field_and_write_nothing(
    client: httpx.AsyncClient, staff: dict[str, str], payload: dict[str, Any], field: str
) -> None:
    await _host(client, staff)
    response = await client.post(URL, json=payload, headers=staff)
    assert response.status_code == 422 and field in response.json()["errors"], response.text
    assert (await client.get(URL, headers=staff)).json()["total"] == 1


# At order time


async def _order(
    client: httpx.AsyncClient, staff: dict[str, str], customer_id: int, product_id: int, **item: Any
) -> httpx.Response:
    payload = {"customer_id": customer_id, "items": [{"product_id": product_id, "billing": "monthly", **item}]}
    return await client.post(f"{API}/orders", json=payload, headers=staff)


async def test_a_customer_takes_a_free_subdomain_once(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    product = int((await make_product(runtime))["id"])  # type: ignore[call-overload]
    await make_pricing(runtime, product)
    customer = int((await make_customer(runtime))["id"])  # type: ignore[call-overload]
    host = await _host(client, staff, products=[product])
    ordered = await _order(client, staff, customer, product, subdomain="Shop", subdomain_host_id=host["id"])
    assert ordered.status_code == 201, ordered.text
    async with runtime.db.reader() as session:
        data = await session.scalar(sa.select(Service.data).order_by(Service.id.desc()).limit(1))
    assert data is not None and data["domain"] == "shop.example.net"
    # Taken: a second order for it is refused, naming the field, and makes nothing.
    again = await _order(client, staff, customer, product, subdomain="shop", subdomain_host_id=host["id"])
    assert again.status_code == 422 and "items.0.subdomain" in again.json()["errors"]
    # A host with subdomains taken cannot be deleted.
    assert (await client.delete(f"{URL}/{host['id']}", headers=staff)).status_code == 409
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1
        assert await session.scalar(sa.select(sa.func.count()).select_from(Subdomain)) == 1


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"subdomain": "bad_label"}, "items.0.subdomain"),
        ({"subdomain": "-shop"}, "items.0.subdomain"),
        ({"subdomain": "shop", "qty": 2}, "items.0.qty"),
        ({"subdomain": "shop", "subdomain_host_id": None}, "items.0.subdomain_host_id"),
        ({"subdomain": "shop", "other_product": True}, "items.0.subdomain_host_id"),
    ],
)
async def test_a_bad_subdomain_order_names_the_field_and_makes_nothing(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str], item: dict[str, Any], field: str
) -> None:
    product = int((await make_product(runtime))["id"])  # type: ignore[call-overload]
    other = int((await make_product(runtime))["id"])  # type: ignore[call-overload]
    await make_pricing(runtime, product)
    customer = int((await make_customer(runtime))["id"])  # type: ignore[call-overload]
    item = dict(item)  # the parameter is shared by every database the suite runs on
    host = await _host(client, staff, products=[other if item.pop("other_product", False) else product])
    response = await _order(client, staff, customer, product, **{"subdomain_host_id": host["id"], **item})
    assert response.status_code == 422 and field in response.json()["errors"], response.text
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
