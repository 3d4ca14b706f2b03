"""The catalogue's bodies as PHP clients send them (form fields, multipart), its images (uploaded, checked,
stored, served, replaced, removed), its metadata, its list filters, and which pricing an order charges."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from hostlane.config import Settings
from hostlane.core import files
from hostlane.models import CatalogMetadata, Product, ProductGroup
from hostlane.runtime import Runtime
from tests.conftest import settings_of
from tests.faces.application.test_catalog import GROUP_FIELDS, PRODUCT_FIELDS, db_row
from tests.fixtures.database import Backend
from tests.fixtures.factories import make_api_key, make_customer, make_group, make_pricing, make_product
from tests.fixtures.http import bearer as auth
from tests.fixtures.images import GIF, JPEG, PNG, SVG, WEBP, png

API = "/api/application"


@pytest.fixture
def settings(backend: Backend, tmp_path: Path) -> Settings:
    """The suite's settings, with a file store of this test's own."""
    return settings_of(backend).model_copy(update={"files_dir": tmp_path / "files"})


def stored(settings: Settings) -> list[str]:
    """The keys of every file in the store."""
    root = settings.files_dir
    assert root is not None
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def key_of(url: str) -> str:
    return url.removeprefix(f"{API}/storage/")


# Bodies


async def test_a_group_from_form_fields(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """PHP clients send ``application/x-www-form-urlencoded``: fields are text, booleans 1/0 or true/false, arrays
    in PHP's bracket syntax."""
    key = await make_api_key(runtime, "groups:create", "groups:update")
    response = await client.post(
        f"{API}/groups",
        headers=auth(key),
        data={
            "name": "Web Hosting",
            "description": "Shared plans",
            "pinned": "1",
            "sort_order": "7",
            "parent_id": "none",
            "metadata[group_url]": "https://example.net/hosting",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == GROUP_FIELDS
    assert (body["slug"], body["pinned"], body["sort_order"], body["parent_id"]) == ("web-hosting", True, 7, None)
    [entry] = body["metadata"]
    assert (entry["key"], entry["value"], entry["model_id"]) == ("group_url", "https://example.net/hosting", body["id"])
    assert entry["model_type"] == r"App\Models\Store\Group" and entry["created_at"].endswith("Z")
    refused = await client.post(f"{API}/groups/{body['id']}", headers=auth(key), data={"status": "archived"})
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["status"]
    updated = await client.put(f"{API}/groups/{body['id']}", headers=auth(key), data={"pinned": "false"})
    assert updated.status_code == 200 and updated.json()["pinned"] is False and updated.json()["sort_order"] == 7


async def test_a_product_from_multipart_fields_and_a_pricing_from_form_fields(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    group = await make_group(runtime)
    key = await make_api_key(runtime, "products:create", "pricings:create")
    product = await client.post(
        f"{API}/products",
        headers=auth(key),
        files={"name": (None, "VPS S"), "group_id": (None, str(group["id"])), "stock": (None, "3")},
    )
    assert product.status_code == 201, product.text
    assert set(product.json()) == PRODUCT_FIELDS
    assert (product.json()["name"], product.json()["stock"], product.json()["image"]) == ("VPS S", 3, None)
    pricing = await client.post(
        f"{API}/pricings",
        headers=auth(key),
        data={"related_id": str(product.json()["id"]), "related_type": "product", "currency": "EUR", "monthly": "4.99"},
    )
    assert pricing.status_code == 201, pricing.text
    assert pricing.json()["monthly"] == 4.99 and pricing.json()["related_id"] == product.json()["id"]
    missing = await client.post(f"{API}/pricings", headers=auth(key), data={"currency": "EUR"})
    assert missing.status_code == 422 and list(missing.json()["errors"]) == ["product_id"]


async def test_a_json_body_sent_as_a_form_is_read_as_json(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """``curl -d '{…}'`` says ``application/x-www-form-urlencoded``; the body is JSON all the same."""
    key = await make_api_key(runtime, "groups:create")
    response = await client.post(
        f"{API}/groups",
        headers=auth(key, **{"Content-Type": "application/x-www-form-urlencoded"}),
        content=b'{"name": "Game Servers", "pinned": true}',
    )
    assert response.status_code == 201, response.text
    assert response.json()["slug"] == "game-servers" and response.json()["pinned"] is True


async def test_multipart_without_a_key_is_401_and_a_text_image_field_is_422(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    group = await make_group(runtime)
    fields = {"name": (None, "P"), "group_id": (None, str(group["id"]))}
    anonymous = await client.post(f"{API}/products", files={**fields, "image": ("a.png", PNG, "image/png")})
    assert anonymous.status_code == 401 and anonymous.json() == {"message": "Unauthenticated."}
    key = await make_api_key(runtime, "products:create")
    as_text = await client.post(
        f"{API}/products", headers=auth(key), json={"name": "P", "group_id": group["id"], "image": "https://x/a.png"}
    )
    assert as_text.status_code == 422
    assert as_text.json()["errors"] == {"image": ["The image field must be an image."]}
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0


# Images


async def test_a_product_image_is_stored_served_replaced_and_removed(
    runtime: Runtime, client: httpx.AsyncClient, settings: Settings
) -> None:
    group = await make_group(runtime)
    key = await make_api_key(runtime, "products:create", "products:update", "products:delete", "products:index")
    created = await client.post(
        f"{API}/products",
        headers=auth(key),
        data={"name": "VPS M", "group_id": str(group["id"])},
        files={"image": ("logo.PNG", PNG, "application/octet-stream")},  # the client's type is not believed
    )
    assert created.status_code == 201, created.text
    product = created.json()
    first = product["image"]
    assert first.startswith(f"{API}/storage/products/{product['id']}-") and first.endswith(".png")
    assert stored(settings) == [key_of(first)]
    assert (await db_row(runtime, Product, product["id"])).image == key_of(first)
    # Served without a key, as a storefront's <img> fetches it.
    served = await client.get(first)
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["x-content-type-options"] == "nosniff"
    # A new image replaces the old: a new URL, the old file gone once the change committed.
    replaced = await client.post(
        f"{API}/products/{product['id']}", headers=auth(key), files={"image": ("photo.jpg", JPEG, "image/jpeg")}
    )
    assert replaced.status_code == 200, replaced.text
    second = replaced.json()["image"]
    assert second != first and second.endswith(".jpg") and stored(settings) == [key_of(second)]
    assert (await client.get(first)).status_code == 404
    assert (await client.get(second)).headers["content-type"] == "image/jpeg"
    # Other fields change without touching the image.
    renamed = await client.patch(f"{API}/products/{product['id']}", headers=auth(key), json={"name": "VPS L"})
    assert renamed.json()["image"] == second
    # Deleting the product deletes its image.
    deleted = await client.delete(f"{API}/products/{product['id']}", headers=auth(key))
    assert deleted.status_code == 200 and deleted.json()["image"] == second
    assert stored(settings) == [] and (await client.get(second)).status_code == 404


async def test_a_group_image_and_its_background_flag(
    runtime: Runtime, client: httpx.AsyncClient, settings: Settings
) -> None:
    key = await make_api_key(runtime, "groups:create", "groups:update", "groups:delete")
    created = await client.post(
        f"{API}/groups",
        headers=auth(key),
        data={"name": "Dedicated", "use_image_as_background": "true"},
        files={"image": ("bg.webp", WEBP, "image/webp")},  # groups take WebP too
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["image"].endswith(".webp") and stored(settings) == [key_of(group["image"])]
    assert [(m["key"], m["value"]) for m in group["metadata"]] == [("use_image_as_background", "true")]
    # Only what is sent changes: another field leaves the flag (CLIENTXCMS's admin form drops it when unsent).
    kept = await client.post(f"{API}/groups/{group['id']}", headers=auth(key), data={"name": "Dedicated servers"})
    assert [m["key"] for m in kept.json()["metadata"]] == ["use_image_as_background"]
    unset = await client.post(
        f"{API}/groups/{group['id']}", headers=auth(key), data={"use_image_as_background": "false"}
    )
    assert unset.json()["metadata"] == [] and unset.json()["image"] == group["image"]
    removed = await client.post(f"{API}/groups/{group['id']}", headers=auth(key), data={"remove_image": "true"})
    assert removed.status_code == 200 and removed.json()["image"] is None and stored(settings) == []
    assert (await db_row(runtime, ProductGroup, group["id"])).image is None
    again = await client.post(
        f"{API}/groups/{group['id']}", headers=auth(key), files={"image": ("g.gif", GIF, "image/gif")}
    )
    assert again.json()["image"].endswith(".gif")
    assert (await client.delete(f"{API}/groups/{group['id']}", headers=auth(key))).status_code == 200
    assert stored(settings) == []


async def test_an_svg_image_is_served_so_that_it_runs_nothing(runtime: Runtime, client: httpx.AsyncClient) -> None:
    group = await make_group(runtime)
    key = await make_api_key(runtime, "products:create")
    hostile = SVG.replace(b"<rect", b"<script>alert(1)</script><rect")
    created = await client.post(
        f"{API}/products",
        headers=auth(key),
        data={"name": "P", "group_id": str(group["id"])},
        files={"image": ("a.svg", hostile, "image/svg+xml")},
    )
    assert created.status_code == 201, created.text
    served = await client.get(created.json()["image"])
    assert served.headers["content-type"] == "image/svg+xml"
    policy = served.headers["content-security-policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "script-src" not in policy


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"plain text, not an image", "The image field must be an image."),
        (b"<svg><!DOCTYPE x [<!ENTITY a 'b'>]></svg>", "The image field must be an image."),
        (b"<html><svg></svg></html>", "The image field must be an image."),
        (WEBP, "The image field must be a file of type: jpg, png, gif, svg."),  # products take no WebP
    ],
)
async def test_an_image_that_is_none_of_the_formats_is_422_and_nothing_is_written(
    runtime: Runtime, client: httpx.AsyncClient, settings: Settings, data: bytes, message: str
) -> None:
    group = await make_group(runtime)
    product = await make_product(runtime, group_id=int(group["id"]))  # type: ignore[call-overload]
    key = await make_api_key(runtime, "products:create", "products:update")
    created = await client.post(
        f"{API}/products",
        headers=auth(key),
        data={"name": "New", "group_id": str(group["id"])},
        files={"image": ("a.png", data, "image/png")},
    )
    assert created.status_code == 422
    assert created.json() == {"message": message, "errors": {"image": [message]}}
    updated = await client.post(
        f"{API}/products/{product['id']}",
        headers=auth(key),
        data={"name": "Renamed"},
        files={"image": ("a.png", data, "image/png")},
    )
    assert updated.status_code == 422 and updated.json()["errors"] == {"image": [message]}
    row = await db_row(runtime, Product, product["id"])
    assert row.name == product["name"] and row.image is None
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Product)) == 1
    assert stored(settings) == []


async def test_an_image_over_the_upload_limit_is_422(
    runtime: Runtime, client: httpx.AsyncClient, settings: Settings
) -> None:
    group = await make_group(runtime)
    key = await make_api_key(runtime, "products:create")
    big = png(200, 200) + b"\x00" * (settings.max_upload_bytes)  # a PNG, padded past the limit
    response = await client.post(
        f"{API}/products",
        headers=auth(key),
        data={"name": "P", "group_id": str(group["id"])},
        files={"image": ("big.png", big, "image/png")},
    )
    assert response.status_code == 422, response.text
    message = f"The image field must not be greater than {settings.max_upload_bytes // 1024} kilobytes."
    assert response.json()["errors"] == {"image": [message]} and stored(settings) == []
    # Past the request limit and the upload limit together, the body is refused before it is read.
    huge = b"\x00" * (settings.max_request_bytes + settings.max_upload_bytes)
    too_large = await client.post(
        f"{API}/products", headers=auth(key), files={"image": ("huge.png", huge, "image/png")}
    )
    assert too_large.status_code == 413


@pytest.mark.parametrize(
    "path",
    [
        "/storage/products/1-0123456789abcdef.png",  # well formed, never stored
        "/storage/customers/1-0123456789abcdef.png",
        "/storage/products/..%2F..%2Fhostlane.db",
        "/storage/products/.1-0123456789abcdef.png.part",
    ],
)
async def test_only_stored_images_are_served(
    runtime: Runtime, client: httpx.AsyncClient, settings: Settings, path: str
) -> None:
    assert settings.files_dir is not None
    (settings.files_dir / "products").mkdir(parents=True)
    (settings.files_dir / "products" / ".1-0123456789abcdef.png.part").write_bytes(PNG)
    response = await client.get(API + path)
    assert response.status_code == 404
    # An encoded slash makes a path no route has: the face's own 404.
    assert response.json() in ({"message": "Image not found."}, {"message": "Not Found"})


async def test_a_stored_file_goes_when_its_transaction_rolls_back(runtime: Runtime, settings: Settings) -> None:
    with pytest.raises(RuntimeError):
        async with runtime.db.transaction() as session:
            key = files.store(session, "products", 1, PNG, "png")
            assert stored(settings) == [key]
            raise RuntimeError("the change fails after the file was written")
    assert stored(settings) == []
    async with runtime.db.transaction() as session:
        key = files.store(session, "products", 1, PNG, "png")
        files.remove_after_commit(session, key)
        assert stored(settings) == [key]  # still there until the commit
    assert stored(settings) == []


def test_the_file_store_defaults_beside_the_sqlite_database(settings: Settings) -> None:
    from hostlane.config import use_settings

    try:
        use_settings(Settings(database_url="sqlite+aiosqlite:////srv/hostlane/hostlane.db", _env_file=None))  # type: ignore[call-arg]
        assert files.root() == Path("/srv/hostlane/files")
        use_settings(Settings(database_url="postgresql+asyncpg://h/db", _env_file=None))  # type: ignore[call-arg]
        assert files.root() == Path("files")
    finally:
        use_settings(settings)


async def test_a_multipart_text_field_may_not_hold_a_nul_though_a_file_may(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    group = await make_group(runtime)
    key = await make_api_key(runtime, "products:create")
    assert b"\x00" in PNG
    refused = await client.post(
        f"{API}/products",
        headers=auth(key),
        data={"name": "P\x00", "group_id": str(group["id"])},
        files={"image": ("a.png", PNG, "image/png")},
    )
    assert refused.status_code == 422 and refused.json() == {"message": "Text may not contain NUL characters."}


def test_an_image_url_is_absolute_with_a_public_url(settings: Settings) -> None:
    from hostlane.config import use_settings
    from hostlane.faces.application import wire

    try:
        use_settings(settings.model_copy(update={"public_url": "https://billing.example.net"}))
        assert wire.image_url("products/1-0123456789abcdef.png") == (
            "https://billing.example.net/api/application/storage/products/1-0123456789abcdef.png"
        )
        assert wire.image_url(None) is None
    finally:
        use_settings(settings)


# Metadata


async def test_metadata_is_set_changed_and_removed_by_key(runtime: Runtime, client: httpx.AsyncClient) -> None:
    group = await make_group(runtime)
    key = await make_api_key(runtime, "products:create", "products:update", "products:index")
    created = await client.post(
        f"{API}/products",
        headers=auth(key),
        json={"name": "P", "group_id": group["id"], "metadata": {"basket_title": "Order", "auto_stock": "1"}},
    )
    assert created.status_code == 201, created.text
    product = created.json()
    assert [(m["key"], m["value"]) for m in product["metadata"]] == [("basket_title", "Order"), ("auto_stock", "1")]
    assert all(m["model_type"] == r"App\Models\Store\Product" for m in product["metadata"])
    changed = await client.patch(
        f"{API}/products/{product['id']}",
        headers=auth(key),
        json={"metadata": {"basket_title": "Buy now", "auto_stock": None, "colour": "blue"}},
    )
    assert changed.status_code == 200
    assert {m["key"]: m["value"] for m in changed.json()["metadata"]} == {"basket_title": "Buy now", "colour": "blue"}
    listed = (await client.get(f"{API}/products?include=metadata", headers=auth(key))).json()
    assert {m["key"] for m in listed["data"][0]["metadata"]} == {"basket_title", "colour"}
    refused = await client.patch(
        f"{API}/products/{product['id']}", headers=auth(key), json={"metadata": {"": "x", "k": "v"}}
    )
    assert refused.status_code == 422 and next(iter(refused.json()["errors"])).startswith("metadata")
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(CatalogMetadata)) == 2


# Filters


async def test_group_and_product_lists_filter_by_time_and_text(runtime: Runtime, client: httpx.AsyncClient) -> None:
    group = await make_group(runtime, description="Shared hosting plans")
    other = await make_group(runtime, description="Servers")
    product = await make_product(runtime, group_id=int(group["id"]), description="One site")  # type: ignore[call-overload]
    key = await make_api_key(runtime, "groups:index", "products:index")
    created = str(group["created_at"])[:10]

    async def ids(path: str) -> list[object]:
        response = await client.get(f"{API}/{path}", headers=auth(key))
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["data"]]

    assert await ids(f"groups?filter[created_at]={created}") == [group["id"], other["id"]]
    assert await ids(f"groups?filter[created_at]={created[:7]}&filter[description]=hosting") == [group["id"]]
    assert await ids("groups?filter[created_at]=1999") == []
    assert await ids(f"products?filter[updated_at]={created[:4]}&filter[description]=site") == [product["id"]]
    assert await ids("groups?sort=-description") == [group["id"], other["id"]]
    bad = await client.get(f"{API}/groups?filter[created_at]=yesterday", headers=auth(key))
    assert bad.status_code == 400 and "created_at" in bad.json()["message"]


async def test_pricing_amount_filters_match_amounts_in_each_currency(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    product = await make_product(runtime)
    eur = await make_pricing(runtime, int(product["id"]), currency="EUR", monthly="3.99", setup_monthly="0")  # type: ignore[call-overload]
    usd = await make_pricing(runtime, int(product["id"]), currency="USD", monthly="13.99")  # type: ignore[call-overload]
    key = await make_api_key(runtime, "pricings:index")

    async def ids(query: str) -> list[object]:
        response = await client.get(f"{API}/pricings?{query}", headers=auth(key))
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["data"]]

    assert await ids("filter[monthly]=3.99") == [eur["id"]]  # an amount, not a part of one (13.99)
    assert await ids("filter[monthly]=3.99,13.99") == [eur["id"], usd["id"]]
    assert await ids("filter[monthly]=3.990") == [eur["id"]]
    assert await ids("filter[monthly]=3.999") == []
    assert await ids("filter[setup_monthly]=0") == [eur["id"]]
    bad = await client.get(f"{API}/pricings?filter[monthly]=cheap", headers=auth(key))
    assert bad.status_code == 400 and "monthly" in bad.json()["message"]


async def test_a_weekly_price_is_refused(runtime: Runtime, client: httpx.AsyncClient) -> None:
    product = await make_product(runtime)
    key = await make_api_key(runtime, "pricings:create")
    response = await client.post(
        f"{API}/pricings", headers=auth(key), json={"related_id": product["id"], "currency": "EUR", "weekly": 1.5}
    )
    assert response.status_code == 422 and list(response.json()["errors"]) == ["weekly"]
    blank = await client.post(
        f"{API}/pricings", headers=auth(key), json={"related_id": product["id"], "currency": "EUR", "weekly": None}
    )
    assert blank.status_code == 201 and blank.json()["weekly"] is None


async def test_a_pricing_moves_to_another_product_by_related_id(runtime: Runtime, client: httpx.AsyncClient) -> None:
    first = await make_product(runtime)
    second = await make_product(runtime)
    in_test = await make_product(runtime, livemode=False)
    pricing = await make_pricing(runtime, int(first["id"]))  # type: ignore[call-overload]
    key = await make_api_key(runtime, "pricings:update")
    moved = await client.post(f"{API}/pricings/{pricing['id']}", headers=auth(key), json={"related_id": second["id"]})
    assert moved.status_code == 200 and moved.json()["related_id"] == second["id"]
    refused = await client.post(
        f"{API}/pricings/{pricing['id']}", headers=auth(key), json={"related_id": in_test["id"]}
    )
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["product_id"]
    wrong_type = await client.post(
        f"{API}/pricings/{pricing['id']}", headers=auth(key), json={"related_type": "coupon"}
    )
    assert wrong_type.status_code == 422 and list(wrong_type.json()["errors"]) == ["related_type"]


# Checkout


async def test_an_order_charges_the_oldest_pricing_that_offers_the_cycle(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    product = await make_product(runtime)
    product_id = int(product["id"])  # type: ignore[call-overload]
    await make_pricing(runtime, product_id, currency="USD", monthly="1.00")  # another currency
    await make_pricing(runtime, product_id, currency="EUR", annually="50.00")  # no monthly price
    await make_pricing(runtime, product_id, currency="EUR", monthly="5.00", setup_monthly="2.00")
    await make_pricing(runtime, product_id, currency="EUR", monthly="7.00")
    customer = await make_customer(runtime)  # bills in EUR
    key = await make_api_key(runtime, "orders:create")

    async def order(cycle: str) -> dict[str, object]:
        response = await client.post(
            f"{API}/orders",
            headers=auth(key),
            json={"customer_id": customer["id"], "items": [{"product_id": product_id, "billing": cycle}]},
        )
        assert response.status_code == 201, response.text
        [item] = response.json()["items"]
        return {"price": item["price"], "setup": item["setup"]}

    assert await order("monthly") == {"price": "5.00", "setup": "2.00"}
    assert await order("annually") == {"price": "50.00", "setup": "0.00"}
    refused = await client.post(
        f"{API}/orders",
        headers=auth(key),
        json={"customer_id": customer["id"], "items": [{"product_id": product_id, "billing": "quarterly"}]},
    )
    assert refused.status_code == 422
