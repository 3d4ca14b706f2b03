"""CLIENTXCMS's tests/Feature/Api/Application/Store/GroupControllerTest.php, over HTTP.

Each test is the PHP test of the same name; it asserts what the PHP test asserts, plus the wire fields a client
reads. The PHP tests send JSON with the real ``X:store``/``X:show`` permission names.
"""

from __future__ import annotations

import httpx

from hostlane.runtime import Runtime
from tests.faces.application.test_catalog import GROUP_FIELDS
from tests.fixtures.factories import make_api_key, make_group
from tests.fixtures.http import PAGE_FIELDS
from tests.fixtures.http import bearer as auth

API_URL = "/api/application/groups"
ABILITY_INDEX = "groups:index"
ABILITY_STORE = "groups:store"
ABILITY_SHOW = "groups:show"
ABILITY_UPDATE = "groups:update"
ABILITY_DELETE = "groups:delete"


async def perform_action(
    runtime: Runtime, client: httpx.AsyncClient, method: str, url: str, abilities: list[str], data: object = None
) -> httpx.Response:
    """The PHP test's ``performAction``: a fresh key holding ``abilities``, JSON in, JSON asked for."""
    key = await make_api_key(runtime, *abilities)
    return await client.request(method, url, headers=auth(key, Accept="application/json"), json=data)


async def create_group_model(runtime: Runtime) -> int:
    """The PHP ``createGroupModel``: an active group named Test Group."""
    group = await make_group(runtime, name="Test Group", description="Test Group Description", status="active")
    return int(group["id"])  # type: ignore[call-overload]


async def test_api_application_group_index(runtime: Runtime, client: httpx.AsyncClient) -> None:
    group_id = await create_group_model(runtime)
    response = await perform_action(runtime, client, "GET", API_URL, [ABILITY_INDEX])
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_FIELDS and body["total"] == 1
    [group] = body["data"]
    assert group["id"] == group_id and set(group) == GROUP_FIELDS


async def test_api_application_group_store(runtime: Runtime, client: httpx.AsyncClient) -> None:
    response = await perform_action(
        runtime,
        client,
        "POST",
        API_URL,
        [ABILITY_STORE],
        {
            "name": "Test Group",
            "description": "Test Group",
            "slug": "test-group",
            "status": "active",
            "pinned": False,
            "sort_order": 1,
            "parent_id": None,
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == GROUP_FIELDS
    assert (body["slug"], body["sort_order"], body["pinned"], body["parent_id"]) == ("test-group", 1, False, None)


async def test_api_application_group_store_with_invalid_group(runtime: Runtime, client: httpx.AsyncClient) -> None:
    # ``group`` is no field of a group: ignored, as the real one ignores it.
    response = await perform_action(
        runtime,
        client,
        "POST",
        API_URL,
        [ABILITY_STORE],
        {
            "name": "Test Group",
            "description": "Test Group",
            "slug": "test-group",
            "status": "active",
            "pinned": False,
            "sort_order": 1,
            "group": -1,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["parent_id"] is None


async def test_api_application_group_get(runtime: Runtime, client: httpx.AsyncClient) -> None:
    group_id = await create_group_model(runtime)
    response = await perform_action(runtime, client, "GET", f"{API_URL}/{group_id}", [ABILITY_SHOW])
    assert response.status_code == 200
    # The group itself, as the real one answers it (unlike its product show, no paginator).
    body = response.json()
    assert set(body) == GROUP_FIELDS and body["id"] == group_id and body["name"] == "Test Group"


async def test_api_application_group_delete(runtime: Runtime, client: httpx.AsyncClient) -> None:
    group_id = await create_group_model(runtime)
    response = await perform_action(runtime, client, "DELETE", f"{API_URL}/{group_id}", [ABILITY_DELETE])
    assert response.status_code == 200
    assert response.json()["id"] == group_id
    gone = await perform_action(runtime, client, "GET", f"{API_URL}/{group_id}", [ABILITY_SHOW])
    assert gone.status_code == 404


async def test_api_application_group_update(runtime: Runtime, client: httpx.AsyncClient) -> None:
    group_id = await create_group_model(runtime)
    response = await perform_action(
        runtime,
        client,
        "POST",
        f"{API_URL}/{group_id}",
        [ABILITY_UPDATE],
        {"name": "New Product name", "pinned": True, "parent_id": None},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "New Product name" and body["pinned"] is True
    assert body["description"] == "Test Group Description"  # the rest is kept


async def test_api_application_change_status_group_invalid(runtime: Runtime, client: httpx.AsyncClient) -> None:
    group_id = await create_group_model(runtime)
    response = await perform_action(
        runtime, client, "POST", f"{API_URL}/{group_id}", [ABILITY_UPDATE], {"status": "bad", "pinned": True}
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["status"]
    shown = await perform_action(runtime, client, "GET", f"{API_URL}/{group_id}", [ABILITY_SHOW])
    assert shown.json()["status"] == "active" and shown.json()["pinned"] is False  # nothing written


async def test_api_application_change_status_group_valid(runtime: Runtime, client: httpx.AsyncClient) -> None:
    group_id = await create_group_model(runtime)
    response = await perform_action(
        runtime,
        client,
        "POST",
        f"{API_URL}/{group_id}",
        [ABILITY_UPDATE],
        {"status": "hidden", "pinned": True, "parent_id": None},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "hidden" and response.json()["pinned"] is True
