"""The admin panel's catalogue: groups, products and prices created and edited through the catalogue service, each
refused form shown again with its problem next to its field and nothing saved, each page behind its permission."""

from __future__ import annotations

from typing import Any

from hostlane.catalog import service as catalog
from hostlane.core.pagination import ListQuery
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.faces.web.admin_access import limited_admin
from tests.faces.web.conftest import Web
from tests.fixtures.factories import make_group, make_pricing, make_product

SYSTEM = Principal.system()


async def _groups(runtime: Runtime) -> list[dict[str, Any]]:
    async with runtime.db.reader() as session:
        return (await catalog.list_groups(session, SYSTEM, ListQuery(per_page=100))).items


async def _pricings(runtime: Runtime, product_id: int) -> list[dict[str, Any]]:
    async with runtime.db.reader() as session:
        query = ListQuery(per_page=100, filters={"product_id": str(product_id)})
        return (await catalog.list_pricings(session, SYSTEM, query)).items


async def test_an_administrator_creates_a_group_a_product_and_its_price(admin: Web, runtime: Runtime) -> None:
    page = await admin.get("/admin/catalog")
    assert page.status_code == 200
    assert "No product groups yet." in page.text
    assert 'href="/admin/catalog/groups/new"' in page.text

    created = await admin.post("/admin/catalog/groups/new", {"name": "Web hosting", "description": "Shared plans"})
    assert created.status_code == 303
    group = (await _groups(runtime))[0]
    assert (group["name"], group["slug"], group["description"]) == ("Web hosting", "web-hosting", "Shared plans")
    assert created.headers["location"] == f"/admin/catalog/groups/{group['id']}?notice=group_created"
    shown = await admin.get(created.headers["location"])
    assert "The product group was created." in shown.text
    assert "<h1>Web hosting</h1>" in shown.text

    made = await admin.post(
        "/admin/catalog/products/new",
        {"name": "Starter", "group_id": group["id"], "type": "none", "status": "hidden", "stock": "10"},
    )
    assert made.status_code == 303
    product_id = int(made.headers["location"].split("/")[-1].split("?")[0])
    async with runtime.db.reader() as session:
        product = await catalog.get_product(session, SYSTEM, product_id)
    assert (product["name"], product["group_id"], str(product["status"]), product["stock"]) == (
        "Starter", group["id"], "hidden", 10,
    )  # fmt: skip

    priced = await admin.post(
        f"/admin/catalog/products/{product_id}/pricing/new",
        {"currency": "EUR", "monthly": "4.99", "setup_monthly": "10", "annually": "49.90"},
    )
    assert priced.status_code == 303
    (pricing,) = await _pricings(runtime, product_id)
    assert (pricing["monthly"], pricing["setup_monthly"], pricing["annually"], pricing["quarterly"]) == (
        499, 1000, 4990, None,
    )  # fmt: skip
    detail = await admin.get(f"/admin/catalog/products/{product_id}")
    assert "€4.99" in detail.text and "€10.00" in detail.text and "€49.90" in detail.text
    assert "Monthly" in detail.text and "Annually" in detail.text


async def test_an_administrator_edits_a_group_a_product_and_a_price(admin: Web, runtime: Runtime) -> None:
    group = await make_group(runtime, name="VPS")
    other = await make_group(runtime, name="Dedicated")
    product = await make_product(runtime, group_id=group["id"], name="Small VPS")
    pricing = await make_pricing(runtime, int(product["id"]))  # type: ignore[call-overload]

    form = await admin.get(f"/admin/catalog/groups/{group['id']}/edit")
    assert 'value="VPS"' in form.text
    saved = await admin.post(
        f"/admin/catalog/groups/{group['id']}/edit", {"name": "Cloud VPS", "slug": "", "status": "hidden"}
    )
    assert saved.status_code == 303
    async with runtime.db.reader() as session:
        changed = await catalog.get_group(session, SYSTEM, int(group["id"]))  # type: ignore[call-overload]
    assert (changed["name"], changed["slug"], str(changed["status"])) == ("Cloud VPS", group["slug"], "hidden")

    saved = await admin.post(
        f"/admin/catalog/products/{product['id']}/edit",
        {"name": "Small VPS 2", "group_id": other["id"], "type": "none", "status": "active", "stock": "-1"},
    )
    assert saved.status_code == 303
    async with runtime.db.reader() as session:
        moved = await catalog.get_product(session, SYSTEM, int(product["id"]))  # type: ignore[call-overload]
    assert (moved["name"], moved["group_id"]) == ("Small VPS 2", other["id"])

    form = await admin.get(f"/admin/catalog/pricing/{pricing['id']}/edit")
    assert 'value="9.99"' in form.text
    saved = await admin.post(
        f"/admin/catalog/pricing/{pricing['id']}/edit", {"currency": "EUR", "monthly": "12.50", "quarterly": "30"}
    )
    assert saved.status_code == 303
    (changed_pricing,) = await _pricings(runtime, int(product["id"]))  # type: ignore[call-overload]
    assert (changed_pricing["monthly"], changed_pricing["quarterly"], changed_pricing["setup_monthly"]) == (
        1250, 3000, None,
    )  # fmt: skip


async def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(admin: Web, runtime: Runtime) -> None:
    group = await make_group(runtime, name="Taken", slug="taken")
    product = await make_product(runtime, group_id=group["id"])

    duplicate = await admin.post("/admin/catalog/groups/new", {"name": "Another", "slug": "taken"})
    assert duplicate.status_code == 422
    assert '<p class="error" id="e-slug">This slug is already used by another group.</p>' in duplicate.text
    assert 'value="Another"' in duplicate.text
    assert len(await _groups(runtime)) == 1

    blank = await admin.post("/admin/catalog/products/new", {"name": "", "group_id": group["id"]})
    assert blank.status_code == 422
    assert '<p class="error" id="e-name">This field is required.</p>' in blank.text

    negative = await admin.post(
        f"/admin/catalog/products/{product['id']}/pricing/new",
        {"currency": "EUR", "monthly": "-5", "setup_monthly": "abc", "annually": "12.345"},
    )
    assert negative.status_code == 422
    assert '<p class="error" id="e-monthly">Must not be negative.</p>' in negative.text
    assert '<p class="error" id="e-setup_monthly">Must be a number.</p>' in negative.text
    assert '<p class="error" id="e-annually">At most two decimals.</p>' in negative.text
    assert 'value="-5"' in negative.text
    no_currency = await admin.post(f"/admin/catalog/products/{product['id']}/pricing/new", {"monthly": "5"})
    assert no_currency.status_code == 422
    assert '<p class="error" id="e-currency">This field is required.</p>' in no_currency.text
    assert await _pricings(runtime, int(product["id"])) == []  # type: ignore[call-overload]


async def test_what_is_typed_is_shown_as_text(admin: Web, runtime: Runtime) -> None:
    hostile = "<script>alert(1)</script>{{7*7}}"
    created = await admin.post("/admin/catalog/groups/new", {"name": hostile, "slug": "hostile"})
    assert created.status_code == 303
    page = await admin.get(created.headers["location"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in page.text
    assert "<script>alert(1)" not in page.text  # ({{7*7}} shown as typed: never evaluated)


async def test_csrf_and_login_are_required(admin: Web, browser_for: Any, runtime: Runtime) -> None:
    refused = await admin.post("/admin/catalog/groups/new", {"name": "No token"}, csrf=False)
    assert refused.status_code == 403
    assert await _groups(runtime) == []
    anonymous = browser_for("/admin", "127.0.0.9")
    page = await anonymous.get("/admin/catalog")
    assert page.status_code == 303
    assert page.headers["location"] == "/admin/login?next=/admin/catalog"


async def test_a_missing_object_is_a_404(admin: Web) -> None:
    assert (await admin.get("/admin/catalog/groups/999999")).status_code == 404
    assert (await admin.get("/admin/catalog/products/999999")).status_code == 404
    assert (await admin.get("/admin/catalog/pricing/999999/edit")).status_code == 404


async def test_permissions_decide_pages_and_buttons(runtime: Runtime, browser_for: Any) -> None:
    group = await make_group(runtime, name="Hosting")
    product = await make_product(runtime, group_id=group["id"], name="Plan")
    await make_pricing(runtime, int(product["id"]))  # type: ignore[call-overload]
    reader = await limited_admin(runtime, browser_for, "products:index")
    page = await reader.get("/admin/catalog")
    assert page.status_code == 200
    assert "New product group" not in page.text and "New product" not in page.text
    detail = await reader.get(f"/admin/catalog/products/{product['id']}")
    assert detail.status_code == 200
    assert "Edit product" not in detail.text and "New price" not in detail.text and "Prices" not in detail.text
    for path in (
        "/admin/catalog/groups/new",
        f"/admin/catalog/groups/{group['id']}/edit",
        "/admin/catalog/products/new",
        f"/admin/catalog/products/{product['id']}/edit",
        f"/admin/catalog/products/{product['id']}/pricing/new",
    ):
        assert (await reader.get(path)).status_code == 403, path
    refused = await reader.post("/admin/catalog/groups/new", {"name": "Sneaky"})
    assert refused.status_code == 403
    assert len(await _groups(runtime)) == 1

    nobody = await limited_admin(runtime, browser_for, "invoices:index", ip="127.0.0.3")
    assert (await nobody.get("/admin/catalog")).status_code == 403
    assert 'href="/admin/catalog"' not in (await nobody.get("/admin/invoices")).text
