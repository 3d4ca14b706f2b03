"""``include=`` reads nothing past the key's permissions: an include needs the permission that reading the
included rows directly needs, on the list and the show routes alike (403 naming it, worded as a route's refusal).

The cases are generated from the face: every ``Resource`` whose list offers includes, times each include, times
its list and show routes, with the permission the face's table (``faces/application/includes.py``) names. A new
include is covered as soon as it exists (``Resource`` refuses to be built with an include the table lacks).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hostlane.faces.application.includes import INCLUDE_PERMISSIONS
from hostlane.faces.application.routes import catalog, coupons, customers, invoices, orders, services, support
from hostlane.faces.application.routes.kit import Resource
from hostlane.runtime import Runtime
from tests.fixtures.factories import (
    make_admin,
    make_api_key,
    make_customer,
    make_department,
    make_group,
    make_pricing,
    make_product,
)
from tests.fixtures.http import assert_missing_permission, bearer

API = "/api/application"
# The wire's key for an include spelt otherwise (a ticket's ``replies`` are its ``messages``; its ``assignedTo``
# shows under ``assigned_to``, as Laravel names the relation).
WIRE_KEY = {"replies": "messages", "assignedTo": "assigned_to"}
# Resources whose show answers a page of one row (Laravel's paginator), as the real CLIENTXCMS's do; its groups
# and pricings are shown as the row itself.
PAGED_SHOW = {"/services", "/tickets", "/departments", "/invoices", "/products"}

RESOURCES = [
    value
    for module in (catalog, coupons, customers, invoices, orders, services, support)
    for value in vars(module).values()
    if isinstance(value, Resource) and value.spec.includes
]
CASES = [
    pytest.param(resource, include, route, id=f"{resource.path.lstrip('/')}-{include}-{route}")
    for resource in RESOURCES
    for include in sorted(resource.spec.includes)
    for route in ("list", "show")
]


def test_every_include_of_the_face_is_covered() -> None:
    """Every resource with includes is here, and the table names nothing the lists do not offer."""
    assert {resource.path for resource in RESOURCES} == set(INCLUDE_PERMISSIONS)
    for resource in RESOURCES:
        assert set(INCLUDE_PERMISSIONS[resource.path]) == set(resource.spec.includes)


@pytest.fixture
async def world(runtime: Runtime, client: httpx.AsyncClient) -> dict[str, int]:
    """One row of each resource with includes, each include of it non-empty; resource path -> row id."""
    staff = bearer(await make_api_key(runtime))
    customer = await make_customer(runtime)
    parent = await make_group(runtime, metadata={"group_url": "https://example.net/"})
    group = await make_group(runtime, parent_id=parent["id"])
    product = await make_product(runtime, group_id=int(str(group["id"])), metadata={"basket_title": "Buy"})
    pricing = await make_pricing(runtime, int(str(product["id"])))
    await make_product(runtime, group_id=int(str(parent["id"])))  # the parent group holds a product and a sub-group
    order = await client.post(
        f"{API}/orders",
        headers=staff,
        json={"customer_id": customer["id"], "items": [{"product_id": product["id"]}]},
    )
    assert order.status_code == 201, order.text
    invoice_id = order.json()["invoice_id"]
    paid = await client.post(f"{API}/invoices/{invoice_id}/pay", headers=staff, json={"transaction_id": "bank-1"})
    assert paid.status_code == 200, paid.text
    listed = (await client.get(f"{API}/services?filter[customer_id]={customer['id']}", headers=staff)).json()
    department = await make_department(runtime)
    ticket = await client.post(
        f"{API}/tickets",
        headers=staff,
        json={"customer_id": customer["id"], "department_id": department["id"], "subject": "S", "content": "Hello"},
    )
    assert ticket.status_code == 201, ticket.text
    await client.post(f"{API}/tickets/{ticket.json()['id']}/reply", json={"content": "On it."}, headers=staff)
    admin = await make_admin(runtime)
    assigned = await client.post(f"{API}/tickets/{ticket.json()['id']}", json={"assigned_to": admin.id}, headers=staff)
    assert assigned.status_code == 200, assigned.text
    coupon = await client.post(
        f"{API}/coupons",
        headers=staff,
        json={
            "code": "INCLUDED",
            "type": "percent",
            "customer_id": customer["id"],
            "products": [product["id"]],
            "pricing": {"monthly": 10},
        },
    )
    assert coupon.status_code == 201, coupon.text
    used = await client.post(
        f"{API}/orders",
        headers=staff,
        json={"customer_id": customer["id"], "items": [{"product_id": product["id"]}], "coupon": "INCLUDED"},
    )
    assert used.status_code == 201, used.text
    return {
        "/customers": int(str(customer["id"])),
        "/services": int(listed["data"][0]["id"]),
        "/groups": int(str(parent["id"])),
        "/products": int(str(product["id"])),
        "/pricings": int(str(pricing["id"])),
        "/orders": int(order.json()["id"]),
        "/invoices": int(invoice_id),
        "/tickets": int(ticket.json()["id"]),
        "/departments": int(str(department["id"])),
        "/coupons": int(coupon.json()["id"]),
    }


def _included(body: dict[str, Any], row_id: int, include: str, route: str, path: str) -> object:
    rows = body["data"] if route == "list" or path in PAGED_SHOW else [body]
    row = next(row for row in rows if row["id"] == row_id)
    return row.get(WIRE_KEY.get(include, include))


@pytest.mark.parametrize(("resource", "include", "route"), CASES)
async def test_an_include_needs_the_permission_of_what_it_reads(
    runtime: Runtime, client: httpx.AsyncClient, world: dict[str, int], resource: Resource, include: str, route: str
) -> None:
    needed = INCLUDE_PERMISSIONS[resource.path][include]
    # The list needs ``X:index``; one row is read with ``X:show`` (which the include's own permission never is).
    route_permission = f"{resource.permissions or resource.path.lstrip('/')}:{'index' if route == 'list' else 'show'}"
    row_id = world[resource.path]
    url = f"{API}{resource.path}" if route == "list" else f"{API}{resource.path}/{row_id}"
    url += f"?include={include}"
    admin = await make_admin(runtime)
    if needed is None:  # the row's own part (a customer's metadata): the route's permission reads it
        own = await client.get(url, headers=bearer(await make_api_key(runtime, route_permission, admin=admin)))
        assert own.status_code == 200, own.text
        # Present (where Hostlane keeps none: []).
        assert _included(own.json(), row_id, include, route, resource.path) is not None
        return
    # The route's own permission, and every permission but the include's: only the include can refuse.
    others = {"customers:index", "services:index", "products:index", "groups:index", "pricings:index"}
    others |= {"orders:index", "orders:show", "invoices:index", "invoices:show", "tickets:index", "tickets:show"}
    others |= {"departments:index", "departments:show", "coupons:index", "coupons:show"}
    without = await make_api_key(runtime, *sorted((others | {route_permission}) - {needed}), admin=admin)
    refused = await client.get(url, headers=bearer(without))
    assert_missing_permission(refused, needed)

    holding = await make_api_key(runtime, route_permission, needed, admin=admin)
    allowed = await client.get(url, headers=bearer(holding))
    assert allowed.status_code == 200, allowed.text
    assert _included(allowed.json(), row_id, include, route, resource.path)  # present, and not empty


async def test_products_pricing_flag_needs_the_pricings_permission(
    runtime: Runtime, client: httpx.AsyncClient, world: dict[str, int]
) -> None:
    """``?pricing=1`` is ``include=pricing``: it needs ``pricings:index`` too."""
    admin = await make_admin(runtime)
    without = bearer(await make_api_key(runtime, "products:index", admin=admin))
    for url in (f"{API}/products?pricing=1", f"{API}/products/{world['/products']}?pricing=true"):
        assert_missing_permission(await client.get(url, headers=without), "pricings:index")
    holding = bearer(await make_api_key(runtime, "products:index", "pricings:index", admin=admin))
    shown = await client.get(f"{API}/products/{world['/products']}?pricing=1", headers=holding)
    assert shown.status_code == 200 and shown.json()["total"] == 1 and shown.json()["current_page"] == 1
    [product] = shown.json()["data"]  # a page of one, as CLIENTXCMS shows a product
    assert product["id"] == world["/products"] and product["pricing"]


async def test_a_list_without_includes_needs_only_its_own_permission(
    runtime: Runtime, client: httpx.AsyncClient, world: dict[str, int]
) -> None:
    for resource in RESOURCES:
        key = bearer(await make_api_key(runtime, f"{resource.path.lstrip('/')}:index"))
        listed = await client.get(f"{API}{resource.path}", headers=key)
        assert listed.status_code == 200, (resource.path, listed.text)


async def test_an_unknown_include_is_still_a_400_before_any_permission(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = bearer(await make_api_key(runtime, "customers:index"))
    response = await client.get(f"{API}/customers?include=services,tickets", headers=key)
    assert response.status_code == 400, response.text
