"""Groups, products and pricings of the application face: wire fields, rules, modes, permissions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from hostlane.app import create_app
from hostlane.config import use_settings
from hostlane.core.formats import load_xml
from hostlane.drivers import provisioning
from hostlane.identity.permissions import CATALOGUE
from hostlane.models import AuditEntry, Pricing, Product, ProductGroup
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import make_api_key, make_group, make_pricing, make_product, make_service
from tests.fixtures.http import PAGE_FIELDS, UPDATE_METHODS, app_client, assert_missing_permission, page_of_one
from tests.fixtures.http import bearer as auth

API = "/api/application"

# A group as embedded in a product (``include=group``); from the groups routes it also carries its subgroups
# (``groups``), and its products when the key may read them.
EMBEDDED_GROUP_FIELDS = {
    "id",
    "name",
    "slug",
    "description",
    "status",
    "image",
    "sort_order",
    "pinned",
    "parent_id",
    "created_at",
    "updated_at",
    "metadata",
}
GROUP_FIELDS = EMBEDDED_GROUP_FIELDS | {"groups"}
PRODUCT_FIELDS = {
    "id",
    "name",
    "description",
    "status",
    "group_id",
    "stock",
    "pinned",
    "sort_order",
    "type",
    "image",
    "created_at",
    "updated_at",
    "metadata",
}
CYCLES = ("onetime", "monthly", "quarterly", "semiannually", "annually", "biennially", "triennially")
PRICING_FIELDS = {
    "id",
    "related_id",
    "related_type",
    "currency",
    "weekly",
    "setup_weekly",
    *CYCLES,
    *(f"setup_{cycle}" for cycle in CYCLES),
    "created_at",
    "updated_at",
}
# Laravel's plain paginator, which lists groups, products and pricings.
# (method, path, permission) of every catalogue route; {id} is replaced by an object's id.
ROUTES = [
    ("GET", "/groups", "groups:index"),
    ("POST", "/groups", "groups:create"),
    ("GET", "/groups/{id}", "groups:show"),
    ("POST", "/groups/{id}", "groups:update"),
    ("PUT", "/groups/{id}", "groups:update"),
    ("PATCH", "/groups/{id}", "groups:update"),
    ("DELETE", "/groups/{id}", "groups:delete"),
    ("GET", "/products", "products:index"),
    ("POST", "/products", "products:create"),
    ("GET", "/products/{id}", "products:show"),
    ("POST", "/products/{id}", "products:update"),
    ("PUT", "/products/{id}", "products:update"),
    ("PATCH", "/products/{id}", "products:update"),
    ("DELETE", "/products/{id}", "products:delete"),
    ("GET", "/products/{id}/config", "products:index"),
    ("PUT", "/products/{id}/config", "products:update"),
    ("GET", "/pricings", "pricings:index"),
    ("POST", "/pricings", "pricings:create"),
    ("GET", "/pricings/{id}", "pricings:show"),
    ("POST", "/pricings/{id}", "pricings:update"),
    ("PUT", "/pricings/{id}", "pricings:update"),
    ("PATCH", "/pricings/{id}", "pricings:update"),
    ("DELETE", "/pricings/{id}", "pricings:delete"),
]


def id_of(row: Mapping[str, object]) -> int:
    value = row["id"]
    assert isinstance(value, int)
    return value


async def audit_rows(runtime: Runtime, action: str) -> list[AuditEntry]:
    async with runtime.db.reader() as session:
        rows = await session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        return list(rows.all())


async def db_row(runtime: Runtime, model: type[Any], row_id: object) -> Any:
    async with runtime.db.reader() as session:
        return await session.get(model, row_id)


def as_text(value: object) -> object:
    """What a JSON document becomes once it went through XML (scalars are text)."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    return value if value is None or isinstance(value, str) else str(value).lower()


# Groups


async def test_group_create_has_the_exact_fields_and_a_slug_from_its_name(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = await make_api_key(runtime, "groups:create", "groups:index")
    response = await client.post(
        f"{API}/groups", headers=auth(key), json={"name": "Web Hosting", "description": "Shared plans"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == GROUP_FIELDS
    assert body["name"] == "Web Hosting" and body["slug"] == "web-hosting"
    assert body["description"] == "Shared plans" and body["status"] == "active"
    assert body["sort_order"] == 0 and body["pinned"] is False and body["parent_id"] is None
    assert body["image"] is None and body["metadata"] == [] and body["groups"] == []
    assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")
    shown = await client.get(f"{API}/groups/{body['id']}", headers=auth(key))
    assert shown.status_code == 200 and shown.json() == body
    row = await db_row(runtime, ProductGroup, body["id"])
    assert row.livemode is True and row.slug == "web-hosting"
    [entry] = await audit_rows(runtime, "group.create")
    assert entry.object_type == "group" and entry.object_id == body["id"]
    assert entry.actor_kind == "api_key" and entry.actor_id is not None
    assert entry.livemode is True and entry.ip == "127.0.0.1"
    assert entry.changes["name"] == "Web Hosting"


@pytest.mark.parametrize(
    ("payload", "slug"),
    [
        ({"name": "Élan Vital & Co."}, "elan-vital-co"),
        ({"name": "  Game Servers  "}, "game-servers"),
        ({"name": "Anything", "slug": "my-own-slug"}, "my-own-slug"),
        ({"name": "Anything", "slug": "My-Own-Slug"}, "my-own-slug"),
    ],
)
async def test_group_slug_is_made_from_the_name_or_taken_as_given(
    runtime: Runtime, client: httpx.AsyncClient, payload: dict[str, str], slug: str
) -> None:
    key = await make_api_key(runtime, "groups:create")
    response = await client.post(f"{API}/groups", headers=auth(key), json=payload)
    assert response.status_code == 201, response.text
    assert response.json()["slug"] == slug


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "Ok", "slug": "not a slug"}, "slug"),
        ({"name": "Ok", "status": "archived"}, "status"),
        ({"name": "Ok", "sort_order": "first"}, "sort_order"),
    ],
)
async def test_group_create_validation_is_a_laravel_422(
    runtime: Runtime, client: httpx.AsyncClient, payload: dict[str, str], field: str
) -> None:
    key = await make_api_key(runtime, "groups:create")
    response = await client.post(f"{API}/groups", headers=auth(key), json=payload)
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert list(body["errors"]) == [field]
    assert await audit_rows(runtime, "group.create") == []


async def test_a_taken_slug_is_422_on_slug_in_its_mode_only(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await make_group(runtime, name="Web Hosting", slug="web-hosting")
    other = await make_group(runtime, slug="other")
    key = await make_api_key(runtime, "groups:create", "groups:update")
    taken = {"message": "The slug has already been taken.", "errors": {"slug": ["The slug has already been taken."]}}
    made = await client.post(f"{API}/groups", headers=auth(key), json={"name": "Web Hosting"})
    assert made.status_code == 422 and made.json() == taken
    given = await client.post(f"{API}/groups", headers=auth(key), json={"name": "X", "slug": " web-hosting "})
    assert given.status_code == 422 and given.json() == taken
    moved = await client.patch(f"{API}/groups/{other['id']}", headers=auth(key), json={"slug": "web-hosting"})
    assert moved.status_code == 422 and moved.json() == taken
    assert (await db_row(runtime, ProductGroup, other["id"])).slug == "other"
    # Keeping its own slug is no conflict.
    same = await client.patch(f"{API}/groups/{other['id']}", headers=auth(key), json={"slug": "other"})
    assert same.status_code == 200
    # Test mode has its own slugs.
    test_key = await make_api_key(runtime, "groups:create", livemode=False)
    in_test = await client.post(f"{API}/groups", headers=auth(test_key), json={"name": "Web Hosting"})
    assert in_test.status_code == 201 and in_test.json()["slug"] == "web-hosting"
    assert (await db_row(runtime, ProductGroup, in_test.json()["id"])).livemode is False


async def test_group_list_is_a_laravel_page(runtime: Runtime, client: httpx.AsyncClient) -> None:
    ids = [id_of(await make_group(runtime, name=f"Hosting {n}", slug=f"hosting-{n}")) for n in range(3)]
    key = await make_api_key(runtime, "groups:index")
    first = (await client.get(f"{API}/groups?per_page=2", headers=auth(key))).json()
    assert set(first) == PAGE_FIELDS
    assert [g["id"] for g in first["data"]] == ids[:2]
    assert all(set(g) == GROUP_FIELDS for g in first["data"])
    meta = first
    assert (meta["current_page"], meta["from"], meta["to"], meta["total"], meta["last_page"], meta["per_page"]) == (
        1,
        1,
        2,
        3,
        2,
        2,
    )
    assert meta["path"] == f"{API}/groups"  # relative: no HOSTLANE_PUBLIC_URL, and the Host is not believed
    assert [link["label"] for link in meta["links"]] == ["&laquo; Previous", "1", "2", "Next &raquo;"]
    assert first["prev_page_url"] is None and "page=2" in first["next_page_url"]
    assert "per_page=2" in first["last_page_url"] and "page=1" in first["first_page_url"]
    second = (await client.get(f"{API}/groups?per_page=2&page=2", headers=auth(key))).json()
    assert [g["id"] for g in second["data"]] == ids[2:]
    assert second["from"] == 3 and second["to"] == 3 and second["next_page_url"] is None
    newest = (await client.get(f"{API}/groups?sort=-id", headers=auth(key))).json()
    assert [g["id"] for g in newest["data"]] == ids[::-1]
    by_slug = (await client.get(f"{API}/groups?filter[slug]=hosting-1", headers=auth(key))).json()
    assert [g["id"] for g in by_slug["data"]] == [ids[1]]
    by_name = (await client.get(f"{API}/groups?filter[name]=hosting 2", headers=auth(key))).json()
    assert [g["id"] for g in by_name["data"]] == [ids[2]]
    too_many = await client.get(f"{API}/groups?per_page=5000", headers=auth(key))
    assert too_many.status_code == 422  # refused, not capped
    assert too_many.json()["message"] == "The per_page parameter may not be greater than 100."


@pytest.mark.parametrize("method", UPDATE_METHODS)
async def test_group_update_is_partial_with_each_method(
    runtime: Runtime, client: httpx.AsyncClient, method: str
) -> None:
    group = await make_group(runtime, name="Old", slug="old", description="keep me", sort_order=3)
    key = await make_api_key(runtime, "groups:update")
    response = await client.request(
        method, f"{API}/groups/{group['id']}", headers=auth(key), json={"name": "New", "pinned": True}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == GROUP_FIELDS
    assert body["name"] == "New" and body["pinned"] is True
    assert body["slug"] == "old" and body["description"] == "keep me" and body["sort_order"] == 3
    row = await db_row(runtime, ProductGroup, group["id"])
    assert row.name == "New" and row.slug == "old"
    [entry] = await audit_rows(runtime, "group.update")
    assert entry.object_id == group["id"] and entry.changes == {"name": "New", "pinned": True}


@pytest.mark.parametrize("field", ["name", "slug", "status", "pinned"])
async def test_group_update_cannot_empty_a_required_field(
    runtime: Runtime, client: httpx.AsyncClient, field: str
) -> None:
    group = await make_group(runtime)
    key = await make_api_key(runtime, "groups:update")
    response = await client.patch(f"{API}/groups/{group['id']}", headers=auth(key), json={field: None})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


async def test_group_parent_must_exist(runtime: Runtime, client: httpx.AsyncClient) -> None:
    parent = await make_group(runtime)
    test_group = await make_group(runtime, livemode=False)
    key = await make_api_key(runtime, "groups:create", "groups:index")
    missing = await client.post(f"{API}/groups", headers=auth(key), json={"name": "Child", "parent_id": 999999})
    assert missing.status_code == 422
    assert missing.json()["errors"] == {"parent_id": ["The selected parent_id is invalid."]}
    other_mode = await client.post(
        f"{API}/groups", headers=auth(key), json={"name": "Child", "parent_id": test_group["id"]}
    )
    assert other_mode.status_code == 422 and list(other_mode.json()["errors"]) == ["parent_id"]
    child = await client.post(f"{API}/groups", headers=auth(key), json={"name": "Child", "parent_id": parent["id"]})
    assert child.status_code == 201 and child.json()["parent_id"] == parent["id"]
    shown = (await client.get(f"{API}/groups/{parent['id']}?include=groups", headers=auth(key))).json()
    assert [g["id"] for g in shown["groups"]] == [child.json()["id"]]
    children = (await client.get(f"{API}/groups?filter[parent_id]={parent['id']}", headers=auth(key))).json()
    assert [g["id"] for g in children["data"]] == [child.json()["id"]]


async def test_group_parent_cannot_make_a_cycle(runtime: Runtime, client: httpx.AsyncClient) -> None:
    top = await make_group(runtime)
    middle = await make_group(runtime, parent_id=top["id"])
    bottom = await make_group(runtime, parent_id=middle["id"])
    key = await make_api_key(runtime, "groups:update")
    for parent in (top, middle, bottom):
        response = await client.patch(f"{API}/groups/{top['id']}", headers=auth(key), json={"parent_id": parent["id"]})
        assert response.status_code == 422, parent
        assert list(response.json()["errors"]) == ["parent_id"]
    assert (await db_row(runtime, ProductGroup, top["id"])).parent_id is None
    # Moving the bottom group to the top, and detaching it, are fine.
    moved = await client.patch(f"{API}/groups/{bottom['id']}", headers=auth(key), json={"parent_id": top["id"]})
    assert moved.status_code == 200 and moved.json()["parent_id"] == top["id"]
    detached = await client.put(f"{API}/groups/{bottom['id']}", headers=auth(key), json={"parent_id": None})
    assert detached.status_code == 200 and detached.json()["parent_id"] is None


async def test_a_group_with_products_cannot_be_deleted_but_an_empty_one_can(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    full = await make_group(runtime)
    await make_product(runtime, group_id=id_of(full))
    empty = await make_group(runtime)
    key = await make_api_key(runtime, "groups:delete", "groups:index")
    refused = await client.delete(f"{API}/groups/{full['id']}", headers=auth(key))
    # CLIENTXCMS's refusal: 400 with ``error`` (and ``message``, as every refusal of the face).
    message = "The group still has products; move or delete them first."
    assert refused.status_code == 400
    assert refused.json() == {"error": message, "message": message}
    assert (await client.get(f"{API}/groups/{full['id']}", headers=auth(key))).status_code == 200
    before = (await client.get(f"{API}/groups/{empty['id']}", headers=auth(key))).json()
    deleted = await client.delete(f"{API}/groups/{empty['id']}", headers=auth(key))
    assert deleted.status_code == 200 and deleted.json() == before
    gone = await client.get(f"{API}/groups/{empty['id']}", headers=auth(key))
    assert gone.status_code == 404 and gone.json() == {"message": "Product group not found."}
    [entry] = await audit_rows(runtime, "group.delete")
    assert entry.object_id == empty["id"] and entry.changes == {"slug": empty["slug"]}


async def test_deleting_a_parent_group_moves_its_children_to_the_top(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    parent = await make_group(runtime)
    child = await make_group(runtime, parent_id=parent["id"])
    key = await make_api_key(runtime, "groups:delete", "groups:index")
    assert (await client.delete(f"{API}/groups/{parent['id']}", headers=auth(key))).status_code == 200
    shown = await client.get(f"{API}/groups/{child['id']}", headers=auth(key))
    assert shown.status_code == 200 and shown.json()["parent_id"] is None


async def test_groups_carry_their_subgroups_and_products(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """As CLIENTXCMS's groups, which always load ``groups`` and ``products``: the subgroups down the tree, and the
    products when the key may read products."""
    group = await make_group(runtime)
    first = await make_product(runtime, group_id=id_of(group), sort_order=2)
    second = await make_product(runtime, group_id=id_of(group), sort_order=1)
    sub = await make_group(runtime, parent_id=group["id"])
    in_sub = await make_product(runtime, group_id=id_of(sub))
    subsub = await make_group(runtime, parent_id=sub["id"])
    empty = await make_group(runtime)
    key = await make_api_key(runtime, "groups:index", "products:index")
    for query in ("", "?include=products", "?include=products,groups,metadata"):
        shown = (await client.get(f"{API}/groups/{group['id']}{query}", headers=auth(key))).json()
        assert set(shown) == GROUP_FIELDS | {"products"}, query
        assert [p["id"] for p in shown["products"]] == [second["id"], first["id"]]
        assert all(set(p) == PRODUCT_FIELDS for p in shown["products"])
        [child] = shown["groups"]
        assert child["id"] == sub["id"] and [p["id"] for p in child["products"]] == [in_sub["id"]]
        assert [g["id"] for g in child["groups"]] == [subsub["id"]] and child["groups"][0]["groups"] == []
    listed = (await client.get(f"{API}/groups?include=products,groups", headers=auth(key))).json()
    by_id = {g["id"]: g for g in listed["data"]}
    assert by_id[empty["id"]]["products"] == [] and by_id[empty["id"]]["groups"] == []
    assert len(by_id[group["id"]]["products"]) == 2
    # A key that cannot read products sees the groups without them, and cannot ask for them.
    groups_only = await make_api_key(runtime, "groups:index")
    plain = (await client.get(f"{API}/groups/{group['id']}", headers=auth(groups_only))).json()
    assert set(plain) == GROUP_FIELDS and "products" not in plain["groups"][0]
    asked = await client.get(f"{API}/groups/{group['id']}?include=products", headers=auth(groups_only))
    assert asked.status_code == 403


# Products


async def test_product_create_has_the_exact_fields_and_its_module_config(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    group = await make_group(runtime)
    key = await make_api_key(runtime, "products:create", "products:index")
    response = await client.post(
        f"{API}/products",
        headers=auth(key),
        json={"name": "VPS S", "group_id": group["id"], "type": "simulator", "config": {"plan": "small"}},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == PRODUCT_FIELDS
    assert body["name"] == "VPS S" and body["group_id"] == group["id"] and body["type"] == "simulator"
    assert body["status"] == "active" and body["stock"] == -1 and body["pinned"] is False
    assert body["sort_order"] == 0 and body["description"] == ""
    assert body["created_at"].endswith("Z")
    assert page_of_one(await client.get(f"{API}/products/{body['id']}", headers=auth(key))) == body
    past = (await client.get(f"{API}/products/{body['id']}?page=2", headers=auth(key))).json()
    assert past["data"] == [] and past["total"] == 1 and past["current_page"] == 2  # as a page past the list's end
    config = await client.get(f"{API}/products/{body['id']}/config", headers=auth(key))
    assert config.status_code == 200
    assert config.json() == {
        "type": "simulator",
        "module": provisioning.get("simulator").description,  # type: ignore[union-attr]
        "config": {"plan": "small", "region": "sim-1"},
    }
    [entry] = await audit_rows(runtime, "product.create")
    assert entry.object_type == "product" and entry.object_id == body["id"] and entry.actor_kind == "api_key"


async def test_product_without_a_type_uses_the_none_module(runtime: Runtime, client: httpx.AsyncClient) -> None:
    group = await make_group(runtime)
    key = await make_api_key(runtime, "products:create", "products:index")
    body = (
        await client.post(f"{API}/products", headers=auth(key), json={"name": "Licence", "group_id": group["id"]})
    ).json()
    assert body["type"] == "none"
    config = (await client.get(f"{API}/products/{body['id']}/config", headers=auth(key))).json()
    assert config == {"type": "none", "module": "Nothing to provision.", "config": {}}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"group_id": "GROUP"}, "name"),
        ({"name": "P"}, "group_id"),
        ({"name": "P", "group_id": 999999}, "group_id"),
        ({"name": "P", "group_id": "GROUP", "stock": -2}, "stock"),
        ({"name": "P", "group_id": "GROUP", "status": "sold"}, "status"),
        ({"name": "P", "group_id": "GROUP", "type": "none", "config": {"plan": "x"}}, "config.plan"),
        ({"name": "P", "group_id": "GROUP", "type": "simulator", "config": {"region": "r" * 65}}, "config.region"),
    ],
)
async def test_product_create_validation_is_a_laravel_422(
    runtime: Runtime, client: httpx.AsyncClient, payload: dict[str, object], field: str
) -> None:
    group = await make_group(runtime)
    payload = {k: group["id"] if v == "GROUP" else v for k, v in payload.items()}
    key = await make_api_key(runtime, "products:create")
    response = await client.post(f"{API}/products", headers=auth(key), json=payload)
    assert response.status_code == 422, response.text
    assert list(response.json()["errors"]) == [field]
    assert await audit_rows(runtime, "product.create") == []


async def test_product_group_must_be_of_the_keys_mode(runtime: Runtime, client: httpx.AsyncClient) -> None:
    test_group = await make_group(runtime, livemode=False)
    live_group = await make_group(runtime)
    product = await make_product(runtime, group_id=id_of(live_group))
    key = await make_api_key(runtime, "products:create", "products:update")
    created = await client.post(f"{API}/products", headers=auth(key), json={"name": "P", "group_id": test_group["id"]})
    assert created.status_code == 422
    assert created.json()["errors"] == {"group_id": ["The selected group_id is invalid."]}
    moved = await client.patch(f"{API}/products/{product['id']}", headers=auth(key), json={"group_id": 999999})
    assert moved.status_code == 422 and list(moved.json()["errors"]) == ["group_id"]
    assert (await db_row(runtime, Product, product["id"])).group_id == live_group["id"]


async def test_an_unknown_module_is_422_listing_the_modules(runtime: Runtime, client: httpx.AsyncClient) -> None:
    group = await make_group(runtime)
    product = await make_product(runtime, group_id=id_of(group), type="simulator")
    key = await make_api_key(runtime, "products:create", "products:update")
    known = ", ".join(sorted(provisioning.modules()))
    expected = f"Unknown provisioning module 'cpanel'. Known modules: {known}."
    created = await client.post(
        f"{API}/products", headers=auth(key), json={"name": "P", "group_id": group["id"], "type": "cpanel"}
    )
    assert created.status_code == 422
    assert created.json() == {"message": expected, "errors": {"type": [expected]}}
    assert "none" in expected and "simulator" in expected
    updated = await client.patch(f"{API}/products/{product['id']}", headers=auth(key), json={"type": "cpanel"})
    assert updated.status_code == 422 and updated.json()["errors"] == {"type": [expected]}
    assert (await db_row(runtime, Product, product["id"])).type == "simulator"


async def test_product_config_is_replaced_and_validated_by_its_module(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    product = await make_product(runtime, type="simulator")
    url = f"{API}/products/{product['id']}/config"
    key = await make_api_key(runtime, "products:index", "products:update")
    response = await client.put(url, headers=auth(key), json={"config": {"plan": "large", "region": "eu-2"}})
    assert response.status_code == 200, response.text
    assert response.json()["config"] == {"plan": "large", "region": "eu-2"}
    # PUT replaces: an absent setting is back to its default.
    response = await client.put(url, headers=auth(key), json={"config": {"plan": "medium"}})
    assert response.json() == {
        "type": "simulator",
        "module": provisioning.get("simulator").description,  # type: ignore[union-attr]
        "config": {"plan": "medium", "region": "sim-1"},
    }
    unknown = await client.put(url, headers=auth(key), json={"config": {"plan": "x", "colour": "red"}})
    assert unknown.status_code == 422
    assert list(unknown.json()["errors"]) == ["config.colour"]
    assert unknown.json()["message"] == unknown.json()["errors"]["config.colour"][0]
    too_long = await client.put(url, headers=auth(key), json={"config": {"plan": "p" * 65}})
    assert too_long.status_code == 422 and list(too_long.json()["errors"]) == ["config.plan"]
    not_an_object = await client.put(url, headers=auth(key), json={"config": "plan=x"})
    assert not_an_object.status_code == 422 and list(not_an_object.json()["errors"]) == ["config"]
    missing = await client.put(url, headers=auth(key), json={})
    assert missing.status_code == 422 and list(missing.json()["errors"]) == ["config"]
    assert (await client.get(url, headers=auth(key))).json()["config"] == {"plan": "medium", "region": "sim-1"}
    entries = await audit_rows(runtime, "product.config")
    assert [e.changes for e in entries] == [
        {"config": {"plan": "large", "region": "eu-2"}},
        {"config": {"plan": "medium", "region": "sim-1"}},
    ]
    assert all(e.object_id == product["id"] for e in entries)


async def test_changing_the_type_resets_the_config_to_the_new_modules_defaults(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    product = await make_product(runtime, type="simulator", config={"plan": "big", "region": "eu-9"})
    url = f"{API}/products/{product['id']}"
    key = await make_api_key(runtime, "products:index", "products:update")
    same = await client.patch(url, headers=auth(key), json={"type": "simulator", "name": "Renamed"})
    assert same.status_code == 200
    assert (await client.get(f"{url}/config", headers=auth(key))).json()["config"] == {"plan": "big", "region": "eu-9"}
    to_none = await client.patch(url, headers=auth(key), json={"type": "none"})
    assert to_none.status_code == 200 and to_none.json()["type"] == "none"
    assert (await client.get(f"{url}/config", headers=auth(key))).json() == {
        "type": "none",
        "module": "Nothing to provision.",
        "config": {},
    }
    back = await client.post(url, headers=auth(key), json={"type": "simulator"})
    assert back.status_code == 200
    config = (await client.get(f"{url}/config", headers=auth(key))).json()
    assert config["config"] == {"plan": "default", "region": "sim-1"}
    refused = await client.put(f"{url}/config", headers=auth(key), json={"config": {"plan": "x"}})
    assert refused.status_code == 200  # the simulator's settings are valid again


@pytest.mark.parametrize("method", UPDATE_METHODS)
async def test_product_update_is_partial_with_each_method(
    runtime: Runtime, client: httpx.AsyncClient, method: str
) -> None:
    product = await make_product(runtime, description="keep", stock=5, sort_order=4)
    other_group = await make_group(runtime)
    key = await make_api_key(runtime, "products:update")
    response = await client.request(
        method,
        f"{API}/products/{product['id']}",
        headers=auth(key),
        json={"name": "Renamed", "group_id": other_group["id"], "status": "hidden"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == PRODUCT_FIELDS
    assert body["name"] == "Renamed" and body["group_id"] == other_group["id"] and body["status"] == "hidden"
    assert body["description"] == "keep" and body["stock"] == 5 and body["sort_order"] == 4
    [entry] = await audit_rows(runtime, "product.update")
    assert entry.object_id == product["id"]
    assert entry.changes == {"name": "Renamed", "group_id": other_group["id"], "status": "hidden"}


@pytest.mark.parametrize(("field", "value"), [("name", None), ("stock", -2), ("type", None), ("group_id", None)])
async def test_product_update_validation(
    runtime: Runtime, client: httpx.AsyncClient, field: str, value: object
) -> None:
    product = await make_product(runtime)
    key = await make_api_key(runtime, "products:update")
    response = await client.patch(f"{API}/products/{product['id']}", headers=auth(key), json={field: value})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


async def test_a_product_with_services_cannot_be_deleted(runtime: Runtime, client: httpx.AsyncClient) -> None:
    used = await make_product(runtime, type="simulator")
    await make_service(runtime, product_id=id_of(used))
    unused = await make_product(runtime)
    pricing = await make_pricing(runtime, id_of(unused))
    key = await make_api_key(runtime, "products:delete", "products:index", "pricings:index")
    refused = await client.delete(f"{API}/products/{used['id']}", headers=auth(key))
    assert refused.status_code == 409
    assert refused.json() == {"message": "The product has services; hide it instead of deleting it."}
    assert page_of_one(await client.get(f"{API}/products/{used['id']}", headers=auth(key)))["id"] == used["id"]
    before = page_of_one(await client.get(f"{API}/products/{unused['id']}", headers=auth(key)))
    deleted = await client.delete(f"{API}/products/{unused['id']}", headers=auth(key))
    assert deleted.status_code == 200 and deleted.json() == before
    gone = await client.get(f"{API}/products/{unused['id']}", headers=auth(key))
    assert gone.status_code == 404 and gone.json() == {"message": "Product not found."}
    # Its prices went with it.
    assert (await client.get(f"{API}/pricings/{pricing['id']}", headers=auth(key))).status_code == 404
    [entry] = await audit_rows(runtime, "product.delete")
    assert entry.object_id == unused["id"]


async def test_products_embed_their_pricing_and_group(runtime: Runtime, client: httpx.AsyncClient) -> None:
    group = await make_group(runtime)
    priced = await make_product(runtime, group_id=id_of(group))
    eur = await make_pricing(runtime, id_of(priced), currency="EUR", monthly="4.99")
    usd = await make_pricing(runtime, id_of(priced), currency="USD", monthly="5.49")
    unpriced = await make_product(runtime, group_id=id_of(group))
    key = await make_api_key(runtime, "products:index", "pricings:index", "groups:index")
    for query in ("pricing=1", "include=pricing", "pricing=true"):
        listed = (await client.get(f"{API}/products?{query}", headers=auth(key))).json()
        by_id = {p["id"]: p for p in listed["data"]}
        assert [p["id"] for p in by_id[priced["id"]]["pricing"]] == [eur["id"], usd["id"]], query
        assert by_id[priced["id"]]["pricing"][0]["monthly"] == 4.99
        assert all(set(p) == PRICING_FIELDS for p in by_id[priced["id"]]["pricing"])
        assert by_id[unpriced["id"]]["pricing"] == [], query
        shown = page_of_one(await client.get(f"{API}/products/{priced['id']}?{query}", headers=auth(key)))
        assert [p["currency"] for p in shown["pricing"]] == ["EUR", "USD"], query
    plain = (await client.get(f"{API}/products", headers=auth(key))).json()
    assert all(set(p) == PRODUCT_FIELDS for p in plain["data"])
    not_asked = page_of_one(await client.get(f"{API}/products/{priced['id']}?pricing=0", headers=auth(key)))
    assert "pricing" not in not_asked
    with_group = page_of_one(await client.get(f"{API}/products/{priced['id']}?include=group", headers=auth(key)))
    assert set(with_group) == PRODUCT_FIELDS | {"group"}
    assert set(with_group["group"]) == EMBEDDED_GROUP_FIELDS and with_group["group"]["id"] == group["id"]
    both = (await client.get(f"{API}/products?pricing=1&include=group", headers=auth(key))).json()
    assert all(set(p) == PRODUCT_FIELDS | {"pricing", "group"} for p in both["data"])


async def test_product_list_filters_and_sorts(runtime: Runtime, client: httpx.AsyncClient) -> None:
    group = await make_group(runtime)
    other = await make_group(runtime)
    a = await make_product(runtime, group_id=id_of(group), type="simulator", name="Alpha VPS")
    b = await make_product(runtime, group_id=id_of(group), name="Beta licence")
    c = await make_product(runtime, group_id=id_of(other), name="Gamma VPS")
    key = await make_api_key(runtime, "products:index")

    async def ids(query: str) -> list[object]:
        response = await client.get(f"{API}/products?{query}", headers=auth(key))
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["data"]]

    assert await ids(f"filter[group_id]={group['id']}") == [a["id"], b["id"]]
    assert await ids("filter[type]=simulator") == [a["id"]]
    assert await ids("filter[name]=vps") == [a["id"], c["id"]]
    assert await ids("sort=-id") == [c["id"], b["id"], a["id"]]
    assert await ids("sort=-name") == [c["id"], b["id"], a["id"]]


@pytest.mark.parametrize("resource", ["groups", "products", "pricings"])
@pytest.mark.parametrize(
    ("query", "word"), [("filter[colour]=red", "colour"), ("sort=colour", "colour"), ("include=invoices", "invoices")]
)
async def test_unknown_filter_sort_or_include_is_400(
    runtime: Runtime, client: httpx.AsyncClient, resource: str, query: str, word: str
) -> None:
    key = await make_api_key(runtime, f"{resource}:index")
    response = await client.get(f"{API}/{resource}?{query}", headers=auth(key))
    assert response.status_code == 400
    assert word in response.json()["message"]


@pytest.mark.parametrize("resource", ["groups", "products", "pricings"])
async def test_unknown_include_on_show_is_400(runtime: Runtime, client: httpx.AsyncClient, resource: str) -> None:
    product = await make_product(runtime)
    pricing = await make_pricing(runtime, id_of(product))
    row_id = {"groups": product["group_id"], "products": product["id"], "pricings": pricing["id"]}[resource]
    key = await make_api_key(runtime, f"{resource}:index")
    response = await client.get(f"{API}/{resource}/{row_id}?include=invoices", headers=auth(key))
    assert response.status_code == 400 and "invoices" in response.json()["message"]


async def test_products_list_with_its_includes_costs_the_same_statements_per_page_size(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    groups = [id_of(await make_group(runtime)) for _ in range(3)]
    for n in range(21):
        product = await make_product(runtime, group_id=groups[n % 3])
        await make_pricing(runtime, id_of(product), currency="EUR")
        if n % 2:
            await make_pricing(runtime, id_of(product), currency="USD")
    key = await make_api_key(runtime, "products:index", "pricings:index", "groups:index")
    # A first request: the key's first use is written down once, which is not the list's cost.
    assert (await client.get(f"{API}/products?per_page=1", headers=auth(key))).status_code == 200
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    async def cost(per_page: int) -> int:
        statements.clear()
        response = await client.get(f"{API}/products?pricing=1&include=group&per_page={per_page}", headers=auth(key))
        assert response.status_code == 200
        data = response.json()["data"]
        assert len(data) == per_page and response.json()["total"] == 21
        assert all(p["group"]["id"] == p["group_id"] and p["pricing"] for p in data)
        return len(statements)

    engine = runtime.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        small, large = await cost(2), await cost(20)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert small == large
    # The page, its count, the pricings, the groups and their metadata, the products' metadata: one statement
    # each, whatever the page's size.
    catalogue = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "api_keys" not in s]
    assert len(catalogue) == 6, [s[:60] for s in catalogue]


# Pricings


async def test_pricing_create_has_the_exact_fields_and_json_numbers(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    product = await make_product(runtime)
    key = await make_api_key(runtime, "pricings:create", "pricings:index")
    response = await client.post(
        f"{API}/pricings",
        headers=auth(key),
        json={
            "product_id": product["id"],
            "currency": "EUR",
            "monthly": "4.99",
            "annually": 49.9,
            "quarterly": 19.65,
            "onetime": 120,
            "setup_monthly": 0,
            "setup_annually": "",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == PRICING_FIELDS
    assert body["related_id"] == product["id"]
    assert body["related_type"] == "product" and body["currency"] == "EUR"
    assert body["monthly"] == 4.99 and body["annually"] == 49.9 and body["quarterly"] == 19.65
    assert body["onetime"] == 120 and body["setup_monthly"] == 0
    assert '"monthly":4.99' in response.text and '"onetime":120.0' in response.text  # numbers, not strings
    not_offered = {"semiannually", "biennially", "triennially", "setup_onetime", "setup_quarterly", "setup_annually"}
    assert {name for name in PRICING_FIELDS if body[name] is None} == not_offered | {
        "setup_semiannually",
        "setup_biennially",
        "setup_triennially",
        "weekly",
        "setup_weekly",
    }
    assert body["created_at"].endswith("Z")
    assert (await client.get(f"{API}/pricings/{body['id']}", headers=auth(key))).json() == body
    row = await db_row(runtime, Pricing, body["id"])
    assert (row.monthly, row.annually, row.quarterly, row.setup_monthly, row.semiannually) == (499, 4990, 1965, 0, None)
    assert row.livemode is True
    [entry] = await audit_rows(runtime, "pricing.create")
    assert entry.object_type == "pricing" and entry.object_id == body["id"]
    assert entry.changes["monthly"] == 499 and entry.changes["currency"] == "EUR"


async def test_pricing_create_with_clientxcms_related_id(runtime: Runtime, client: httpx.AsyncClient) -> None:
    product = await make_product(runtime)
    key = await make_api_key(runtime, "pricings:create")
    response = await client.post(
        f"{API}/pricings",
        headers=auth(key),
        json={"related_id": product["id"], "related_type": "product", "currency": "usd", "monthly": "1"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["related_id"] == product["id"] and body["related_type"] == "product"
    assert body["currency"] == "USD" and body["monthly"] == 1
    wrong_type = await client.post(
        f"{API}/pricings",
        headers=auth(key),
        json={"related_id": product["id"], "related_type": "service", "currency": "GBP"},
    )
    assert wrong_type.status_code == 422 and list(wrong_type.json()["errors"]) == ["related_type"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("monthly", -1),
        ("monthly", "-0.01"),
        ("setup_annually", -5),
        ("annually", "4.999"),
        ("monthly", 4.999),
        ("onetime", "abc"),
        ("currency", "EURO"),
    ],
)
async def test_pricing_amount_validation(
    runtime: Runtime, client: httpx.AsyncClient, field: str, value: object
) -> None:
    product = await make_product(runtime)
    key = await make_api_key(runtime, "pricings:create")
    payload = {"product_id": product["id"], "currency": "EUR", field: value}
    response = await client.post(f"{API}/pricings", headers=auth(key), json=payload)
    assert response.status_code == 422, response.text
    assert list(response.json()["errors"]) == [field]
    assert await audit_rows(runtime, "pricing.create") == []


async def test_pricing_product_must_exist_in_the_keys_mode(runtime: Runtime, client: httpx.AsyncClient) -> None:
    test_product = await make_product(runtime, livemode=False)
    key = await make_api_key(runtime, "pricings:create")
    cases = [
        ({"currency": "EUR"}, "The product_id field is required."),
        ({"product_id": 999999, "currency": "EUR"}, "The selected product_id is invalid."),
        ({"related_id": test_product["id"], "currency": "EUR"}, "The selected product_id is invalid."),
    ]
    for payload, message in cases:
        response = await client.post(f"{API}/pricings", headers=auth(key), json=payload)
        assert response.status_code == 422, payload
        assert response.json() == {"message": message, "errors": {"product_id": [message]}}


async def test_several_pricings_per_product_and_currency(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """As CLIENTXCMS allows: a product may hold several pricings in one currency (an order charges the oldest
    that offers the cycle: tests/faces/application/test_pricing_controller.py)."""
    product = await make_product(runtime)
    eur = await make_pricing(runtime, id_of(product), currency="EUR")
    usd = await make_pricing(runtime, id_of(product), currency="USD")
    key = await make_api_key(runtime, "pricings:create", "pricings:update", "products:index", "pricings:index")
    second = await client.post(
        f"{API}/pricings", headers=auth(key), json={"product_id": product["id"], "currency": "eur", "monthly": 5}
    )
    assert second.status_code == 201, second.text
    moved = await client.patch(f"{API}/pricings/{usd['id']}", headers=auth(key), json={"currency": "EUR"})
    assert moved.status_code == 200 and moved.json()["currency"] == "EUR"
    shown = page_of_one(await client.get(f"{API}/products/{product['id']}?pricing=1", headers=auth(key)))
    assert [p["id"] for p in shown["pricing"]] == [eur["id"], usd["id"], second.json()["id"]]
    assert {p["currency"] for p in shown["pricing"]} == {"EUR"}


async def test_a_currency_outside_the_configured_list_is_422(runtime: Runtime, client: httpx.AsyncClient) -> None:
    product = await make_product(runtime)
    eur = await make_pricing(runtime, id_of(product), currency="EUR")
    key = await make_api_key(runtime, "pricings:create", "pricings:update")
    allowed = ", ".join(runtime.settings.currencies)
    message = f"The currency must be one of: {allowed}."
    created = await client.post(
        f"{API}/pricings", headers=auth(key), json={"product_id": product["id"], "currency": "JPY", "monthly": "500"}
    )
    assert created.status_code == 422
    assert created.json() == {"message": message, "errors": {"currency": [message]}}
    updated = await client.patch(f"{API}/pricings/{eur['id']}", headers=auth(key), json={"currency": "JPY"})
    assert updated.status_code == 422 and updated.json()["errors"] == {"currency": [message]}
    assert (await db_row(runtime, Pricing, eur["id"])).currency == "EUR"


async def test_the_configured_currencies_are_the_ones_accepted(runtime: Runtime) -> None:
    before = runtime.settings  # the settings in force are the process's: put the suite's back afterwards
    settings = before.model_copy(update={"currencies": ["EUR", "JPY"]})
    configured = Runtime.build(settings, db=runtime.db)
    app = create_app(settings, configured)
    try:
        product = await make_product(configured)
        key = await make_api_key(configured, "pricings:create")
        async with app_client(app) as client:
            yen = await client.post(
                f"{API}/pricings",
                headers=auth(key),
                json={"product_id": product["id"], "currency": "JPY", "monthly": "500", "setup_monthly": 0},
            )
            assert yen.status_code == 201, yen.text
            assert yen.json()["monthly"] == 500 and yen.json()["setup_monthly"] == 0
            dollars = await client.post(
                f"{API}/pricings", headers=auth(key), json={"product_id": product["id"], "currency": "USD"}
            )
            assert dollars.status_code == 422 and list(dollars.json()["errors"]) == ["currency"]
    finally:
        use_settings(before)


async def test_changing_a_pricings_currency_keeps_its_amounts(runtime: Runtime) -> None:
    before = runtime.settings  # the settings in force are the process's: put the suite's back afterwards
    settings = before.model_copy(update={"currencies": ["EUR", "JPY"]})
    configured = Runtime.build(settings, db=runtime.db)
    app = create_app(settings, configured)
    try:
        product = await make_product(configured)
        pricing = await make_pricing(configured, id_of(product), currency="EUR", monthly="9.99")
        key = await make_api_key(configured, "pricings:update")
        async with app_client(app) as client:
            response = await client.patch(
                f"{API}/pricings/{pricing['id']}", headers=auth(key), json={"currency": "JPY"}
            )
        # Either refused, or the amounts keep their value (to the new currency's unit): never 100 times more.
        assert response.status_code == 200 and response.json()["monthly"] == 10, response.text
    finally:
        use_settings(before)


@pytest.mark.parametrize("method", UPDATE_METHODS)
async def test_pricing_update_is_partial_with_each_method(
    runtime: Runtime, client: httpx.AsyncClient, method: str
) -> None:
    product = await make_product(runtime)
    pricing = await make_pricing(runtime, id_of(product), monthly="9.99", setup_monthly="5.00", annually="99")
    key = await make_api_key(runtime, "pricings:update")
    response = await client.request(
        method,
        f"{API}/pricings/{pricing['id']}",
        headers=auth(key),
        json={"monthly": None, "annually": "", "quarterly": "12.5", "currency": "gbp"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == PRICING_FIELDS
    assert body["monthly"] is None and body["annually"] is None and body["quarterly"] == 12.5
    assert body["setup_monthly"] == 5 and body["currency"] == "GBP"
    [entry] = await audit_rows(runtime, "pricing.update")
    assert entry.object_id == pricing["id"]
    assert entry.changes == {"currency": "GBP", "monthly": None, "annually": None, "quarterly": 1250}


@pytest.mark.parametrize(("field", "value"), [("monthly", -1), ("monthly", "1.001"), ("currency", None)])
async def test_pricing_update_validation(
    runtime: Runtime, client: httpx.AsyncClient, field: str, value: object
) -> None:
    product = await make_product(runtime)
    pricing = await make_pricing(runtime, id_of(product))
    key = await make_api_key(runtime, "pricings:update")
    response = await client.patch(f"{API}/pricings/{pricing['id']}", headers=auth(key), json={field: value})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    row = await db_row(runtime, Pricing, pricing["id"])
    assert (row.monthly, row.currency) == (999, "EUR")


async def test_pricing_list_filters_and_includes(runtime: Runtime, client: httpx.AsyncClient) -> None:
    first = await make_product(runtime)
    second = await make_product(runtime)
    a = await make_pricing(runtime, id_of(first), currency="EUR", monthly="3")
    b = await make_pricing(runtime, id_of(first), currency="USD", monthly="1")
    c = await make_pricing(runtime, id_of(second), currency="USD", monthly="2")
    key = await make_api_key(runtime, "pricings:index", "products:index")

    async def page(query: str) -> dict[str, Any]:
        response = await client.get(f"{API}/pricings?{query}", headers=auth(key))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    everything = await page("")
    assert set(everything) == PAGE_FIELDS and everything["total"] == 3
    assert all(set(p) == PRICING_FIELDS for p in everything["data"])
    assert [p["id"] for p in (await page(f"filter[related_id]={first['id']}"))["data"]] == [a["id"], b["id"]]
    assert [p["id"] for p in (await page(f"filter[product_id]={second['id']}"))["data"]] == [c["id"]]
    assert [p["id"] for p in (await page("filter[currency]=USD"))["data"]] == [b["id"], c["id"]]
    assert [p["id"] for p in (await page("sort=monthly"))["data"]] == [b["id"], c["id"], a["id"]]
    included = (await page(f"filter[related_id]={second['id']}&include=product"))["data"]
    assert set(included[0]) == PRICING_FIELDS | {"product"}
    assert set(included[0]["product"]) == PRODUCT_FIELDS and included[0]["product"]["id"] == second["id"]
    shown = (await client.get(f"{API}/pricings/{a['id']}?include=product", headers=auth(key))).json()
    assert shown["product"]["id"] == first["id"]
    bad = await client.get(f"{API}/pricings?filter[related_id]=one", headers=auth(key))
    assert bad.status_code == 400


async def test_pricing_delete(runtime: Runtime, client: httpx.AsyncClient) -> None:
    product = await make_product(runtime)
    pricing = await make_pricing(runtime, id_of(product))
    key = await make_api_key(runtime, "pricings:delete", "pricings:index")
    before = (await client.get(f"{API}/pricings/{pricing['id']}", headers=auth(key))).json()
    deleted = await client.delete(f"{API}/pricings/{pricing['id']}", headers=auth(key))
    assert deleted.status_code == 200 and deleted.json() == before
    gone = await client.get(f"{API}/pricings/{pricing['id']}", headers=auth(key))
    assert gone.status_code == 404 and gone.json() == {"message": "Pricing not found."}
    [entry] = await audit_rows(runtime, "pricing.delete")
    assert entry.object_id == pricing["id"] and entry.changes == {"currency": "EUR"}
    # The product stays, and may be priced in EUR again.
    assert await db_row(runtime, Product, product["id"]) is not None
    await make_pricing(runtime, id_of(product))


# What every catalogue route shares: keys, permissions, modes, unknown ids, XML


async def _objects(runtime: Runtime, *, livemode: bool = True) -> dict[str, int]:
    """A group, a product of it (simulator) and a pricing, in one mode; keyed by URL segment."""
    group = await make_group(runtime, livemode=livemode)
    product = await make_product(runtime, livemode=livemode, group_id=id_of(group), type="simulator")
    pricing = await make_pricing(runtime, id_of(product), livemode=livemode)
    return {"groups": id_of(group), "products": id_of(product), "pricings": id_of(pricing)}


def _url(path: str, ids: Mapping[str, object]) -> str:
    return API + path.replace("{id}", str(ids[path.split("/")[1]]))


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
async def test_no_key_is_401(
    runtime: Runtime, client: httpx.AsyncClient, method: str, path: str, permission: str
) -> None:
    ids = {"groups": 1, "products": 1, "pricings": 1}
    response = await client.request(method, _url(path, ids), json={"name": "x", "config": {}})
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
async def test_a_key_without_the_routes_permission_is_403(
    runtime: Runtime, client: httpx.AsyncClient, method: str, path: str, permission: str
) -> None:
    ids = await _objects(runtime)
    others = [name for name in CATALOGUE if name not in ("*", permission, permission.replace(":show", ":index"))]
    key = await make_api_key(runtime, *others)
    response = await client.request(method, _url(path, ids), headers=auth(key), json={"name": "x", "config": {}})
    assert response.status_code == 403
    assert_missing_permission(response, permission)
    allowed = await make_api_key(runtime, permission)
    response = await client.request(method, _url(path, ids), headers=auth(allowed), json={"config": {}})
    assert response.status_code not in (401, 403), response.text


NOT_FOUND = {
    "groups": "Product group not found.",
    "products": "Product not found.",
    "pricings": "Pricing not found.",
}


@pytest.mark.parametrize(("method", "path", "permission"), [r for r in ROUTES if "{id}" in r[1]])
async def test_an_unknown_id_is_404(
    runtime: Runtime, client: httpx.AsyncClient, method: str, path: str, permission: str
) -> None:
    key = await make_api_key(runtime, permission)
    url = _url(path, {"groups": 999999, "products": 999999, "pricings": 999999})
    response = await client.request(method, url, headers=auth(key), json={"config": {}})
    assert response.status_code == 404
    assert response.json() == {"message": NOT_FOUND[path.split("/")[1]]}


@pytest.mark.parametrize(("method", "path", "permission"), [r for r in ROUTES if "{id}" in r[1]])
async def test_a_test_key_cannot_reach_live_objects(
    runtime: Runtime, client: httpx.AsyncClient, method: str, path: str, permission: str
) -> None:
    live = await _objects(runtime)
    key = await make_api_key(runtime, "*", livemode=False)
    response = await client.request(method, _url(path, live), headers=auth(key), json={"config": {}})
    assert response.status_code == 404
    assert response.json() == {"message": NOT_FOUND[path.split("/")[1]]}
    # Nothing live changed.
    assert await db_row(runtime, ProductGroup, live["groups"]) is not None
    assert (await db_row(runtime, Product, live["products"])).config == {"plan": "default", "region": "sim-1"}
    assert await db_row(runtime, Pricing, live["pricings"]) is not None
    async with runtime.db.reader() as session:
        actions = set((await session.scalars(sa.select(AuditEntry.action))).all())
    assert actions == {"group.create", "product.create", "pricing.create", "api_key.create", "administrator.create"}


@pytest.mark.parametrize("resource", ["groups", "products", "pricings"])
async def test_each_mode_lists_only_its_own_objects(runtime: Runtime, client: httpx.AsyncClient, resource: str) -> None:
    live = await _objects(runtime)
    test = await _objects(runtime, livemode=False)
    test_key = await make_api_key(runtime, "*", livemode=False)
    live_key = await make_api_key(runtime, "*")
    in_test = (await client.get(f"{API}/{resource}", headers=auth(test_key))).json()
    assert [row["id"] for row in in_test["data"]] == [test[resource]] and in_test["total"] == 1
    in_live = (await client.get(f"{API}/{resource}", headers=auth(live_key))).json()
    assert [row["id"] for row in in_live["data"]] == [live[resource]]
    assert (await client.get(f"{API}/{resource}/{test[resource]}", headers=auth(live_key))).status_code == 404
    assert (await client.get(f"{API}/{resource}/{test[resource]}", headers=auth(test_key))).status_code == 200


async def test_a_test_key_builds_a_test_catalogue(runtime: Runtime, client: httpx.AsyncClient) -> None:
    live_group = await make_group(runtime)
    key = await make_api_key(runtime, "*", livemode=False)
    group = (await client.post(f"{API}/groups", headers=auth(key), json={"name": "Test Group"})).json()
    refused = await client.post(f"{API}/products", headers=auth(key), json={"name": "P", "group_id": live_group["id"]})
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["group_id"]
    product = (
        await client.post(f"{API}/products", headers=auth(key), json={"name": "P", "group_id": group["id"]})
    ).json()
    pricing = await client.post(
        f"{API}/pricings", headers=auth(key), json={"product_id": product["id"], "currency": "EUR", "monthly": "1"}
    )
    assert pricing.status_code == 201
    assert (await db_row(runtime, ProductGroup, group["id"])).livemode is False
    assert (await db_row(runtime, Product, product["id"])).livemode is False
    assert (await db_row(runtime, Pricing, pricing.json()["id"])).livemode is False
    assert {e.livemode for e in await audit_rows(runtime, "pricing.create")} == {False}


@pytest.mark.parametrize(
    "path",
    ["/groups/{groups}", "/groups?include=products", "/products?pricing=1&include=group", "/pricings/{pricings}"],
)
async def test_xml_carries_the_same_data_as_json(runtime: Runtime, client: httpx.AsyncClient, path: str) -> None:
    ids = await _objects(runtime)
    await make_pricing(runtime, ids["products"], currency="USD", monthly=None, annually="10")
    key = await make_api_key(runtime, "*")
    url = API + path.format(**ids)
    as_json = (await client.get(url, headers=auth(key, Accept="application/json"))).json()
    response = await client.get(url, headers=auth(key, Accept="application/xml"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert load_xml(response.content) == as_text(as_json)


async def test_xml_errors_and_xml_bodies(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await make_group(runtime, slug="taken")
    key = await make_api_key(runtime, "groups:create")
    xml = {"Accept": "application/xml", "Content-Type": "application/xml"}
    created = await client.post(
        f"{API}/groups",
        headers=auth(key, **xml),
        content=b"<request><name>From XML</name><pinned>true</pinned><sort_order>7</sort_order></request>",
    )
    assert created.status_code == 201, created.text
    body = load_xml(created.content)
    assert body["slug"] == "from-xml" and body["pinned"] == "true" and body["sort_order"] == "7"
    refused = await client.post(
        f"{API}/groups", headers=auth(key, **xml), content=b"<request><name>X</name><slug>taken</slug></request>"
    )
    assert refused.status_code == 422
    assert load_xml(refused.content) == {
        "message": "The slug has already been taken.",
        "errors": {"slug": ["The slug has already been taken."]},
    }


async def test_two_clients_share_the_catalogue(runtime: Runtime, client_for: ClientFactory) -> None:
    """Two clients (two addresses) share the catalogue of their mode."""
    key = await make_api_key(runtime, "*")
    writer, reader = client_for("198.51.100.1"), client_for("198.51.100.2")
    group = (await writer.post(f"{API}/groups", headers=auth(key), json={"name": "Shared"})).json()
    seen = (await reader.get(f"{API}/groups/{group['id']}", headers=auth(key))).json()
    assert seen == group
    [entry] = await audit_rows(runtime, "group.create")
    assert entry.ip == "198.51.100.1"
