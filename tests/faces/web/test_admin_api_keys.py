"""The admin panel's API keys pages: the list, creating a key with the permission picker (its text shown
once and working on the API, only its hash stored), revoking it; all of it for administrators holding ``*``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from hostlane.models import ApiKey
from hostlane.runtime import Runtime
from tests.faces.web.conftest import Web, csrf_of, limited_admin


async def _keys(runtime: Runtime) -> list[ApiKey]:
    async with runtime.db.reader() as session:
        return list((await session.scalars(sa.select(ApiKey).order_by(ApiKey.id))).all())


async def _create(admin: Web, name: str, *permissions: str, csrf: bool = True) -> Any:
    page = await admin.get("/admin/api-keys")
    data: list[tuple[str, str]] = [("name", name), *(("permissions[]", p) for p in permissions)]
    if csrf:
        data.append(("csrf_token", csrf_of(page.text)))
    return await admin.client.post(
        "/admin/api-keys",
        content=urlencode(data).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


async def test_creating_a_key_shows_it_once_and_it_opens_the_api(admin: Web, runtime: Runtime, client: Any) -> None:
    picker = await admin.get("/admin/api-keys")
    assert picker.status_code == 200 and "No API keys yet." in picker.text
    assert 'value="customers:index"' in picker.text and "<strong>Customers</strong>" in picker.text
    response = await _create(admin, "Billing sync", "customers:index", "invoices:show")
    assert response.status_code == 200 and "Copy this key now: it is shown only once." in response.text
    assert response.headers["cache-control"] == "no-store"
    plaintext = response.text.split('<p class="secret" id="api-key">', 1)[1].split("</p>", 1)[0]
    assert plaintext.startswith("hl_live_") and len(plaintext) == 56
    [key] = await _keys(runtime)
    assert key.name == "Billing sync" and key.permissions == ["customers:index", "invoices:show"]
    assert plaintext not in key.secret_hash and plaintext.startswith(key.prefix)
    listed = await admin.get("/admin/api-keys")
    assert key.prefix in listed.text and "Billing sync" in listed.text and plaintext not in listed.text
    assert "customers:index, invoices:show" in listed.text and "Never" in listed.text
    api = await client.get("/api/application/customers", headers={"Authorization": f"Bearer {plaintext}"})
    assert api.status_code == 200


async def test_revoking_a_key_ends_it(admin: Web, runtime: Runtime, client: Any) -> None:
    created = await _create(admin, "Old script", "*")
    plaintext = created.text.split('id="api-key">', 1)[1].split("</p>", 1)[0]
    [key] = await _keys(runtime)
    response = await admin.post(f"/admin/api-keys/{key.prefix}/revoke")
    assert (
        response.status_code == 303 and response.headers["location"] == "/admin/api-keys?notice=admin_api_key_revoked"
    )
    listed = await admin.get(response.headers["location"])
    assert "The API key is revoked: it no longer opens the API." in listed.text
    assert f"/admin/api-keys/{key.prefix}/revoke" not in listed.text
    [after] = await _keys(runtime)
    assert after.revoked_at is not None
    api = await client.get("/api/application/customers", headers={"Authorization": f"Bearer {plaintext}"})
    assert api.status_code == 401


async def test_a_key_needs_a_name_and_a_permission(admin: Web, runtime: Runtime) -> None:
    response = await _create(admin, "", "customers:index")
    assert response.status_code == 422
    assert '<p class="error" id="e-name">This field is required.</p>' in response.text
    assert 'value="customers:index" checked' in response.text  # what was ticked stays ticked
    none = await _create(admin, "Typed name")
    assert none.status_code == 422 and "Choose at least one permission." in none.text
    assert 'value="Typed name"' in none.text
    unknown = await _create(admin, "x", "nonsense:perm")
    assert unknown.status_code == 422 and 'id="e-permissions"' in unknown.text
    assert await _keys(runtime) == []


async def test_forms_without_their_csrf_token_are_refused(admin: Web, runtime: Runtime) -> None:
    assert (await _create(admin, "x", "*", csrf=False)).status_code == 403
    assert await _keys(runtime) == []
    await _create(admin, "kept", "*")
    [key] = await _keys(runtime)
    assert (await admin.post(f"/admin/api-keys/{key.prefix}/revoke", csrf=False)).status_code == 403
    assert (await _keys(runtime))[0].revoked_at is None


async def test_an_unknown_key_is_a_404_page(admin: Web) -> None:
    assert (await admin.post("/admin/api-keys/hl_live_nothere1/revoke")).status_code == 404


async def test_names_are_shown_as_text(admin: Web) -> None:
    created = await _create(admin, "<script>alert(1)</script>", "*")
    assert "<script>alert(1)</script>" not in created.text
    listed = await admin.get("/admin/api-keys")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listed.text and "<script>alert(1)</script>" not in listed.text


async def test_only_administrators_holding_every_permission(browser_for: Any, runtime: Runtime) -> None:
    anonymous: Web = browser_for("/admin")
    assert (await anonymous.get("/admin/api-keys")).status_code == 303
    limited = await limited_admin(runtime, browser_for, "customers:index", "customers:create")
    assert (await limited.get("/admin/api-keys")).status_code == 403
    assert 'href="/admin/api-keys"' not in (await limited.get("/admin/")).text
    assert (await limited.post("/admin/api-keys", {"name": "x", "permissions[]": "*"})).status_code == 403
    assert await _keys(runtime) == []
