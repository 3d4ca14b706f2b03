"""Coupons on the application face: CLIENTXCMS's CouponController (list, create, show, update, delete), a coupon's
uses, and a coupon applied to an order (a discount line, tax after the discount)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hostlane.billing import service as billing
from hostlane.identity.principal import Principal
from hostlane.models import Coupon, CouponUsage, CouponValue, Order
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer, make_pricing, make_product
from tests.fixtures.http import assert_laravel_error, assert_missing_permission
from tests.fixtures.http import bearer as auth

API = "/api/application"


async def _count(runtime: Runtime, model: type[Any]) -> int:
    async with runtime.db.reader() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def _id(row: dict[str, object]) -> int:
    value = row["id"]
    assert isinstance(value, int)
    return value


async def _product(runtime: Runtime, *, livemode: bool = True) -> int:
    product = await make_product(runtime, livemode=livemode)
    await make_pricing(
        runtime,
        _id(product),
        livemode=livemode,
        monthly="20.00",
        setup_monthly="10.00",
        annually="200.00",
    )
    return _id(product)


async def _tax(runtime: Runtime, rate: str = "20") -> None:
    async with runtime.db.transaction() as session:
        await billing.set_tax_rule(session, Principal.system(), country="FR", state="", level=1, rate=rate)


def _coupon_body(code: str, **fields: Any) -> dict[str, Any]:
    return {
        "code": code,
        "type": "percent",
        "applied_month": 0,
        "pricing": {"currency": "EUR", "monthly": 10, "setup_monthly": 0, "annually": 15},
        **fields,
    }


async def _create(client: httpx.AsyncClient, key: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{API}/coupons", headers=auth(key), json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_a_coupon_is_created_shown_listed_updated_and_deleted(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = await make_api_key(runtime, "coupons:index", "coupons:store", "coupons:update", "coupons:delete")
    product_id = await _product(runtime)
    created = await _create(
        client,
        key,
        _coupon_body(
            "SUMMER25",
            max_uses=10,
            max_uses_per_customer=1,
            first_order_only=True,
            products=[product_id],
            required_products=[product_id],
            minimum_order_amount=15.5,
            start_at="2026-01-01T00:00:00Z",
        ),
    )
    coupon_id = created["id"]
    pricing = created.pop("pricing")
    assert created == {
        "id": coupon_id,
        "code": "SUMMER25",
        "type": "percent",
        "applied_month": 0,
        "free_setup": False,
        "start_at": "2026-01-01T00:00:00.000000Z",
        "end_at": None,
        "first_order_only": True,
        "max_uses": 10,
        "max_uses_per_customer": 1,
        "usages": 0,
        "unique_use": False,
        "customer_id": None,
        "products_required": [product_id],
        "minimum_order_amount": 15.5,
        "is_global": False,
        "created_at": created["created_at"],
        "updated_at": created["updated_at"],
        "deleted_at": None,
        "products": created["products"],
    }
    assert [p["id"] for p in created["products"]] == [product_id]
    assert len(pricing) == 1
    assert pricing[0]["related_type"] == "coupon" and pricing[0]["related_id"] == coupon_id
    assert (pricing[0]["currency"], pricing[0]["monthly"], pricing[0]["annually"]) == ("EUR", 10, 15)
    assert (pricing[0]["setup_monthly"], pricing[0]["quarterly"], pricing[0]["minimum_order_amount"]) == (0, None, 15.5)

    shown = await client.get(f"{API}/coupons/{coupon_id}", headers=auth(key))
    assert shown.status_code == 200 and shown.json()["code"] == "SUMMER25"
    assert "products" not in shown.json() and shown.json()["pricing"] == pricing

    await _create(client, key, _coupon_body("WINTER", type="fixed", pricing={"monthly": 5}))
    listed = await client.get(f"{API}/coupons", headers=auth(key), params={"filter[code]": "SUMM", "sort": "-id"})
    assert listed.status_code == 200
    assert [row["code"] for row in listed.json()["data"]] == ["SUMMER25"]
    assert listed.json()["meta"]["total"] == 1
    both = await client.get(f"{API}/coupons", headers=auth(key), params={"sort": "-code"})
    assert [row["code"] for row in both.json()["data"]] == ["WINTER", "SUMMER25"]
    fixed = both.json()["data"][0]
    assert fixed["type"] == "fixed" and fixed["pricing"][0]["monthly"] == 5.0

    updated = await client.put(
        f"{API}/coupons/{coupon_id}",
        headers=auth(key),
        json={"max_uses": 20, "pricing": {"currency": "EUR", "monthly": 12.5}, "products": []},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["max_uses"] == 20 and updated.json()["products"] == []
    assert updated.json()["pricing"][0]["monthly"] == 12.5 and updated.json()["pricing"][0]["annually"] == 15
    assert updated.json()["code"] == "SUMMER25" and updated.json()["first_order_only"] is True
    assert updated.json()["minimum_order_amount"] == 15.5  # not sent: kept

    usages = await client.get(f"{API}/coupons/{coupon_id}/usages", headers=auth(key))
    assert usages.status_code == 200 and usages.json() == {"data": []}

    deleted = await client.delete(f"{API}/coupons/{coupon_id}", headers=auth(key))
    assert deleted.status_code == 200 and deleted.json()["code"] == "SUMMER25"
    gone = await client.get(f"{API}/coupons/{coupon_id}", headers=auth(key))
    assert_laravel_error(gone, 404)
    assert await _count(runtime, CouponValue) == 1  # the other coupon's


async def test_coupon_routes_need_a_key_the_ability_and_a_coupon_of_the_mode(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = await make_api_key(runtime)
    coupon_id = (await _create(client, key, _coupon_body("ONLY")))["id"]
    routes = [
        ("GET", "/coupons", "coupons:index", None),
        ("POST", "/coupons", "coupons:create", _coupon_body("OTHER")),
        ("GET", f"/coupons/{coupon_id}", "coupons:show", None),
        ("POST", f"/coupons/{coupon_id}", "coupons:update", {"max_uses": 3}),
        ("PATCH", f"/coupons/{coupon_id}", "coupons:update", {"max_uses": 3}),
        ("DELETE", f"/coupons/{coupon_id}", "coupons:delete", None),
        ("GET", f"/coupons/{coupon_id}/usages", "coupons:index", None),
    ]
    unrelated = await make_api_key(runtime, "customers:index")
    for method, path, permission, body in routes:
        anonymous = await client.request(method, f"{API}{path}", json=body)
        assert_laravel_error(anonymous, 401)
        refused = await client.request(method, f"{API}{path}", headers=auth(unrelated), json=body)
        assert_missing_permission(refused, permission)
    test_key = await make_api_key(runtime, livemode=False)
    for method, path, _, body in routes[2:]:
        missing = await client.request(method, f"{API}{path}", headers=auth(test_key), json=body)
        assert_laravel_error(missing, 404)
    assert await _count(runtime, Coupon) == 1
    assert (await client.get(f"{API}/coupons/{coupon_id}", headers=auth(key))).json()["max_uses"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "percent"}, "code"),
        ({"code": "X"}, "type"),
        ({"code": "X", "type": "half"}, "type"),
        ({"code": "has space", "type": "fixed"}, "code"),
        ({"code": "X", "type": "percent", "pricing": {"monthly": 120}}, "pricing.monthly"),
        ({"code": "X", "type": "percent", "pricing": {"monthly": "ten"}}, "pricing.monthly"),
        ({"code": "X", "type": "fixed", "pricing": {"monthly": -1}}, "pricing.monthly"),
        ({"code": "X", "type": "fixed", "pricing": {"fortnightly": 1}}, "pricing.fortnightly"),
        ({"code": "X", "type": "fixed", "pricing": {"currency": "XXX", "monthly": 1}}, "currency"),
        ({"code": "X", "type": "fixed", "products": [999999]}, "products"),
        ({"code": "X", "type": "fixed", "customer_id": 999999}, "customer_id"),
        ({"code": "X", "type": "fixed", "max_uses": -1}, "max_uses"),
        ({"code": "X", "type": "fixed", "applied_month": -2}, "applied_month"),
        (
            {"code": "X", "type": "fixed", "start_at": "2026-02-01T00:00:00Z", "end_at": "2026-01-01T00:00:00Z"},
            "end_at",
        ),
        ({"code": "TAKEN", "type": "fixed"}, "code"),
    ],
)
async def test_a_bad_coupon_is_refused_naming_the_field_and_nothing_is_written(
    runtime: Runtime, client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    key = await make_api_key(runtime)
    taken = await _create(client, key, _coupon_body("taken"))
    response = await client.post(f"{API}/coupons", headers=auth(key), json=body)
    assert_laravel_error(response, 422)
    assert field in response.json()["errors"], response.json()
    assert await _count(runtime, Coupon) == 1
    if field not in ("code", "type"):  # the fields an update may leave out
        update = await client.post(f"{API}/coupons/{taken['id']}", headers=auth(key), json={**body, "code": "OTHER"})
        assert_laravel_error(update, 422)
        assert field in update.json()["errors"], update.json()
    shown = (await client.get(f"{API}/coupons/{taken['id']}", headers=auth(key))).json()
    assert shown["code"] == "taken" and shown["pricing"] == taken["pricing"] and shown["max_uses"] == 0


async def _order(
    client: httpx.AsyncClient, key: str, customer_id: int, product_id: int, coupon: str | None, **item: Any
) -> httpx.Response:
    body: dict[str, Any] = {"customer_id": customer_id, "items": [{"product_id": product_id, **item}]}
    if coupon is not None:
        body["coupon"] = coupon
    return await client.post(f"{API}/orders", headers=auth(key), json=body)


async def _invoice(client: httpx.AsyncClient, key: str, invoice_id: int) -> dict[str, Any]:
    shown = await client.get(f"{API}/invoices/{invoice_id}", headers=auth(key))
    assert shown.status_code == 200, shown.text
    invoice: dict[str, Any] = shown.json()["data"][0]
    return invoice


async def test_an_order_with_a_coupon_has_a_discount_line_and_is_taxed_after_it(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await _tax(runtime, "20")
    key = await make_api_key(runtime)
    product_id = await _product(runtime)
    customer_id = _id(await make_customer(runtime))
    coupon = await _create(client, key, _coupon_body("WELCOME10", pricing={"monthly": 10, "setup_monthly": 50}))
    placed = await _order(client, key, customer_id, product_id, "welcome10", billing="monthly")
    assert placed.status_code == 201, placed.text
    invoice = await _invoice(client, key, placed.json()["invoice_id"])
    # 20.00 + 10.00 setup, less 10 % of 20.00 (2.00) and 50 % of 10.00 (5.00): 23.00; 20 % tax on 23.00: 4.60.
    assert [(i["type"], i["unit_price_ht"], i["unit_setup_ht"]) for i in invoice["items"]] == [
        ("service", 20.0, 0.0),
        ("setup", 0.0, 10.0),
        ("discount", -7.0, 0.0),
    ]
    assert invoice["items"][2]["name"].startswith("Coupon WELCOME10 (-10%)")
    assert (invoice["subtotal"], invoice["tax"], invoice["total"]) == (23.0, 4.6, 27.6)
    usages = (await client.get(f"{API}/coupons/{coupon['id']}/usages", headers=auth(key))).json()["data"]
    assert [(u["customer_id"], u["order_id"], u["invoice_id"], u["amount"], u["currency"]) for u in usages] == [
        (customer_id, placed.json()["id"], invoice["id"], 7.0, "EUR")
    ]
    assert (await client.get(f"{API}/coupons/{coupon['id']}", headers=auth(key))).json()["usages"] == 1


async def test_a_fixed_coupon_never_takes_a_line_below_zero(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime)
    product_id = await _product(runtime)
    customer_id = _id(await make_customer(runtime))
    await _create(client, key, _coupon_body("BIG", type="fixed", pricing={"monthly": 500}, free_setup=True))
    placed = await _order(client, key, customer_id, product_id, "BIG")
    assert placed.status_code == 201, placed.text
    invoice = await _invoice(client, key, placed.json()["invoice_id"])
    assert invoice["items"][-1]["unit_price_ht"] == -30.0
    assert invoice["total"] == 0.0 and invoice["status"] == "paid"


async def test_a_refused_coupon_refuses_the_order_naming_the_field(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime)
    product_id = await _product(runtime)
    customer_id = _id(await make_customer(runtime))
    refused = await _order(client, key, customer_id, product_id, "NOSUCH")
    assert_laravel_error(refused, 422)
    assert refused.json()["errors"] == {"coupon": ["The coupon does not exist."]}
    assert await _count(runtime, Order) == 0 and await _count(runtime, CouponUsage) == 0
