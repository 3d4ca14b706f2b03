"""The XCI face over HTTP: every route's happy path with the document's exact fields, 401 without a session,
404 for what lies outside a non-super administrator's entities, and bad input as a 422 naming the field."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hostlane.drivers.pbx import SimulatorPbx
from hostlane.jobs.runner import drain
from hostlane.models import AdminSession, Job
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.faces.xci.conftest import PASSWORD, create_admin, logged_in
from tests.fixtures.http import assert_xci_error

API = "/api/1.0"
XIVO_FIELDS = {"id", "uuid", "name", "host", "remainingSlots"}
ENTITY_FIELDS = {"id", "combinedId", "name", "displayName", "xivo", "intervals", "presentedNumber"}
USER_FIELDS = {
    "id",
    "entity",
    "firstName",
    "lastName",
    "internalNumber",
    "externalNumber",
    "mail",
    "ctiLogin",
    "ctiPassword",
    "provisioningNumber",
}
TEMPLATE_FIELDS = {
    "id",
    "name",
    "peerSipName",
    "routedInbound",
    "callerIdMode",
    "ringingTime",
    "voiceMailEnabled",
    "voiceMailNumberMode",
    "xivos",
    "entities",
}


def no_secret_anywhere(body: Any) -> None:
    text = str(body).lower()
    assert "hash" not in text and "argon" not in text and PASSWORD not in text


async def make_user(client: httpx.AsyncClient, world: dict[str, Any], number: str = "3990000", **extra: Any) -> Any:
    response = await client.post(
        f"{API}/users",
        json={
            "entityCId": world["analog"]["combinedId"],
            "templateId": world["template"]["id"],
            "firstName": "Sous sol Logistique",
            "lastName": "CLF 88:40 P3",
            "internalNumber": number,
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def scoped(
    runtime: Runtime, client_for: ClientFactory, world: dict[str, Any], admin: httpx.AsyncClient
) -> httpx.AsyncClient:
    """A client of an administrator that manages only the entity ``default``."""
    created = await admin.post(
        f"{API}/administrators",
        json={
            "login": "operator",
            "name": "Operator",
            "ldap": False,
            "password": PASSWORD,
            "superAdmin": False,
            "entityIds": [world["default"]["id"]],
        },
    )
    assert created.status_code == 201, created.text
    return await logged_in(client_for(), "operator")


# Login and sessions


async def test_login_sets_one_session_cookie_that_every_route_needs(
    runtime: Runtime, client_for: ClientFactory
) -> None:
    await create_admin(runtime, "admin", super_admin=True)
    client = client_for()
    assert_xci_error(await client.get(f"{API}/xivo"), 401, "Unauthenticated.")
    response = await client.post(f"{API}/login", json={"login": "admin", "password": PASSWORD})
    assert response.status_code == 204
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 1
    cookie = cookies[0]
    assert cookie.startswith("XCI_SESSION=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/api/1.0" in cookie and "Secure" not in cookie
    assert (await client.get(f"{API}/xivo")).json() == {"items": []}
    async with runtime.db.reader() as session:
        stored = (await session.scalars(sa.select(AdminSession.id))).all()
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    assert len(stored) == 1 and token not in stored  # only the value's hash is kept
    # The whole Set-Cookie value sent back as Cookie (as the document's Python example does) works too.
    echoed = client_for()
    assert (await echoed.get(f"{API}/xivo", headers={"Cookie": cookie})).status_code == 200


async def test_login_over_https_sets_a_secure_cookie(runtime: Runtime, client_for: ClientFactory) -> None:
    await create_admin(runtime, "admin", super_admin=True)
    client = client_for(base_url="https://testserver")
    response = await client.post(f"{API}/login", json={"login": "admin", "password": PASSWORD})
    assert "Secure" in response.headers["set-cookie"]


async def test_logout_ends_the_session(admin: httpx.AsyncClient) -> None:
    cookie = admin.cookies.get("XCI_SESSION")
    response = await admin.post(f"{API}/logout")
    assert response.status_code == 204
    assert_xci_error(await admin.get(f"{API}/xivo", headers={"Cookie": f"XCI_SESSION={cookie}"}), 401)
    assert_xci_error(await admin.post(f"{API}/logout"), 401)


async def test_wrong_logins_are_401_and_count_toward_the_shared_ban(
    runtime: Runtime, client_for: ClientFactory
) -> None:
    await create_admin(runtime, "admin", super_admin=True)
    client = client_for(ip="203.0.113.9")
    for _ in range(runtime.settings.login_max_failures):
        assert_xci_error(await client.post(f"{API}/login", json={"login": "admin", "password": "wrong"}), 401)
    banned = await client.post(f"{API}/login", json={"login": "admin", "password": PASSWORD})
    assert_xci_error(banned, 403)
    assert int(banned.headers["retry-after"]) > 0
    # The ban is shared: the client area's login from the same address is refused too.
    assert (await client.post("/api/login", json={"username": "x@example.com", "password": "y"})).status_code == 403


async def test_login_needs_its_fields(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/login", json={"login": "admin"})
    assert_xci_error(response, 422)
    assert list(response.json()["fields"]) == ["password"]


async def test_an_unknown_or_expired_cookie_is_401(client: httpx.AsyncClient) -> None:
    assert_xci_error(await client.get(f"{API}/entities", headers={"Cookie": "XCI_SESSION=forged"}), 401)


# XiVOs


async def test_xivos_list_get_and_create(admin: httpx.AsyncClient, runtime: Runtime) -> None:
    created = await admin.post(f"{API}/xivo", json={"name": "xivo-220", "host": "192.0.2.10", "configure": True})
    assert created.status_code == 201, created.text
    xivo = created.json()
    assert set(xivo) == XIVO_FIELDS and xivo["remainingSlots"] == runtime.settings.pbx_default_capacity
    assert isinstance(xivo["id"], int) and isinstance(xivo["uuid"], str) and xivo["host"] == "192.0.2.10"
    assert (await admin.get(f"{API}/xivo")).json() == {"items": [xivo]}
    assert (await admin.get(f"{API}/xivo/{xivo['id']}")).json() == xivo
    assert_xci_error(await admin.get(f"{API}/xivo/999"), 404)
    await drain(runtime)
    assert isinstance(runtime.pbx, SimulatorPbx) and runtime.pbx.server(xivo["uuid"]).configured


async def test_xivo_bad_input_names_the_field(admin: httpx.AsyncClient) -> None:
    response = await admin.post(f"{API}/xivo", json={"host": "x"})
    assert_xci_error(response, 422)
    assert list(response.json()["fields"]) == ["name"]
    assert (await admin.get(f"{API}/xivo")).json() == {"items": []}


async def test_synchronize_config_files_queues_a_job_and_answers_at_once(
    admin: httpx.AsyncClient, world: dict[str, Any], runtime: Runtime
) -> None:
    await make_user(admin, world)
    await drain(runtime)
    assert isinstance(runtime.pbx, SimulatorPbx)
    runtime.pbx.reset()
    response = await admin.get(f"{API}/xivo/synchronize_config_files")
    assert response.status_code == 202
    assert runtime.pbx.state.calls["put_line"] == 0
    await drain(runtime)
    assert len(runtime.pbx.server(world["xivo"]["uuid"]).lines) == 1


# Entities


async def test_entities_list_and_get_as_the_document_prints_them(
    admin: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    listed = (await admin.get(f"{API}/entities")).json()
    assert [e["name"] for e in listed["items"]] == ["default", "default_analogique"]
    analog = listed["items"][1]
    assert set(analog) == ENTITY_FIELDS
    assert analog["combinedId"] == f"default_analogique@{world['xivo']['uuid']}"
    assert analog["intervals"] == [{"start": "3990000", "end": "3999999"}, {"start": "39990000", "end": "39999999"}]
    assert listed["items"][0]["intervals"][1] == {"start": "1961", "end": ""}
    assert set(analog["xivo"]) == XIVO_FIELDS and analog["presentedNumber"] == "inbNo"
    assert (await admin.get(f"{API}/entities/{analog['combinedId']}")).json() == analog
    assert_xci_error(await admin.get(f"{API}/entities/nothing@{world['xivo']['uuid']}"), 404)


@pytest.mark.parametrize(
    ("intervals", "field"),
    [
        ([{"start": "17a0", "end": "1799"}], "intervals.0.start"),
        ([{"start": "1799", "end": "1700"}], "intervals.0"),
        ([{"start": "170", "end": "1799"}], "intervals.0"),
        ([{"start": "1750", "end": "1760"}], "intervals.0"),  # overlaps the entity "default"
    ],
)
async def test_entity_intervals_are_validated(
    admin: httpx.AsyncClient, world: dict[str, Any], intervals: list[dict[str, str]], field: str
) -> None:
    response = await admin.post(
        f"{API}/entities",
        json={"name": "new", "displayName": "New", "xivoId": world["xivo"]["id"], "intervals": intervals},
    )
    assert_xci_error(response, 422)
    assert field in response.json()["fields"], response.json()
    assert len((await admin.get(f"{API}/entities")).json()["items"]) == 2


async def test_an_entity_is_edited_and_deleted(admin: httpx.AsyncClient, world: dict[str, Any]) -> None:
    cid = world["default"]["combinedId"]
    edited = await admin.put(
        f"{API}/entities/{cid}", json={"displayName": "Head office", "intervals": [{"start": "1700", "end": "1709"}]}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["displayName"] == "Head office" and edited.json()["intervals"] == [
        {"start": "1700", "end": "1709"}
    ]
    assert_xci_error(await admin.put(f"{API}/entities/{cid}", json={"xivoId": 999}), 422)
    assert (await admin.delete(f"{API}/entities/{cid}")).status_code == 204
    assert_xci_error(await admin.get(f"{API}/entities/{cid}"), 404)


async def test_an_entity_with_users_is_not_deleted(admin: httpx.AsyncClient, world: dict[str, Any]) -> None:
    await make_user(admin, world)
    response = await admin.delete(f"{API}/entities/{world['analog']['combinedId']}")
    assert_xci_error(response, 409, "The entity still has lines; delete them first.")


async def test_available_numbers_are_the_free_ones_in_order(admin: httpx.AsyncClient, world: dict[str, Any]) -> None:
    cid = world["analog"]["combinedId"]
    await make_user(admin, world, "3990001")
    response = await admin.get(f"{API}/entities/{cid}/available_numbers", params={"limit": 5})
    assert response.json() == {"items": ["3990000", "3990002", "3990003", "3990004", "3990005"]}
    assert len((await admin.get(f"{API}/entities/{cid}/available_numbers")).json()["items"]) == 100
    assert_xci_error(await admin.get(f"{API}/entities/{cid}/available_numbers", params={"limit": 0}), 422)
    assert_xci_error(await admin.get(f"{API}/entities/x@y/available_numbers"), 404)


# Users


async def test_users_are_made_listed_edited_and_deleted(
    admin: httpx.AsyncClient, world: dict[str, Any], runtime: Runtime
) -> None:
    user = await make_user(admin, world, ctiLogin="sslog", ctiPassword="cti-secret")
    assert set(user) == USER_FIELDS
    assert user["entity"] == world["analog"] | {"xivo": world["analog"]["xivo"] | {"remainingSlots": 999}}
    assert (user["internalNumber"], user["externalNumber"], user["mail"]) == ("3990000", None, None)
    assert (user["ctiLogin"], user["ctiPassword"]) == ("sslog", None)
    assert isinstance(user["provisioningNumber"], str) and len(user["provisioningNumber"]) == 6
    no_secret_anywhere(user)
    assert (await admin.get(f"{API}/users/{user['id']}")).json() == user
    assert (await admin.get(f"{API}/users")).json() == {"items": [user]}
    assert (await admin.get(f"{API}/entities/{world['analog']['combinedId']}/users")).json() == {"items": [user]}
    assert (await admin.get(f"{API}/entities/{world['default']['combinedId']}/users")).json() == {"items": []}
    edited = await admin.put(f"{API}/users/{user['id']}", json={"firstName": "Alice", "internalNumber": "3990042"})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["firstName"], edited.json()["internalNumber"]) == ("Alice", "3990042")
    await drain(runtime)
    assert isinstance(runtime.pbx, SimulatorPbx)
    [account] = runtime.pbx.server(world["xivo"]["uuid"]).lines.values()
    assert (account.number, account.display_name) == ("3990042", "Alice CLF 88:40 P3")
    assert (await admin.delete(f"{API}/users/{user['id']}")).status_code == 204
    assert_xci_error(await admin.get(f"{API}/users/{user['id']}"), 404)
    await drain(runtime)
    assert runtime.pbx.server(world["xivo"]["uuid"]).lines == {}


async def test_a_routed_template_gives_users_an_external_number(
    admin: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    routed = await admin.post(
        f"{API}/templates",
        json={"name": "SDA", "xivos": [world["xivo"]["id"]], "routedInbound": True, "routedInboundPrefix": "01559"},
    )
    assert routed.status_code == 201, routed.text
    user = await make_user(admin, world, templateId=routed.json()["id"])
    assert user["externalNumber"] == "015593990000"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"internalNumber": "1700"}, "internalNumber"),  # not in the entity's intervals
        ({"internalNumber": "39900a0"}, "internalNumber"),
        ({"templateId": 999}, "templateId"),
        ({"firstName": ""}, "firstName"),
        ({"entityCId": "nothing@nowhere"}, "entityCId"),
    ],
)
async def test_user_bad_input_names_the_field(
    admin: httpx.AsyncClient, world: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    body = {
        "entityCId": world["analog"]["combinedId"],
        "templateId": world["template"]["id"],
        "firstName": "A",
        "lastName": "B",
        "internalNumber": "3990000",
        **change,
    }
    response = await admin.post(f"{API}/users", json=body)
    assert 400 <= response.status_code < 500 and field in response.json()["fields"], response.text
    assert (await admin.get(f"{API}/users")).json() == {"items": []}


async def test_a_taken_number_is_refused(admin: httpx.AsyncClient, world: dict[str, Any]) -> None:
    await make_user(admin, world)
    response = await admin.post(
        f"{API}/users",
        json={
            "entityCId": world["analog"]["combinedId"],
            "templateId": world["template"]["id"],
            "firstName": "A",
            "lastName": "B",
            "internalNumber": "3990000",
        },
    )
    assert_xci_error(response, 422, "The internalNumber has already been taken.")


# Templates


async def test_templates_list_as_a_bare_array(admin: httpx.AsyncClient, world: dict[str, Any]) -> None:
    listed = (await admin.get(f"{API}/templates")).json()
    assert isinstance(listed, list) and len(listed) == 1
    template = listed[0]
    assert set(template) == TEMPLATE_FIELDS
    assert template == {
        "id": world["template"]["id"],
        "name": "Modèle 220",
        "peerSipName": "auto",
        "routedInbound": False,
        "callerIdMode": "incomingNo",
        "ringingTime": 30,
        "voiceMailEnabled": False,
        "voiceMailNumberMode": "short_number",
        "xivos": [world["xivo"]["id"]],
        "entities": [],
    }
    assert (await admin.get(f"{API}/templates/{template['id']}")).json() == template
    assert_xci_error(await admin.get(f"{API}/templates/999"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"routedInbound": True}, "routedInboundPrefix"),
        ({"callerIdMode": "custom"}, "customCallerId"),
        ({"voiceMailNumberMode": "custom"}, "voiceMailCustomNumber"),
        ({"callerIdMode": "loud"}, "callerIdMode"),
        ({"peerSipName": "other"}, "peerSipName"),
        ({"ringingTime": 0}, "ringingTime"),
        ({"entities": ["nothing@nowhere"]}, "entities.0"),
        ({"xivos": [999]}, "xivos.0"),
    ],
)
async def test_template_fields_and_their_conditions_are_validated(
    admin: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await admin.post(f"{API}/templates", json={"name": "t", **body})
    assert_xci_error(response, 422)
    assert field in response.json()["fields"], response.json()
    assert (await admin.get(f"{API}/templates")).json() == []


async def test_a_template_is_edited_and_deleted(admin: httpx.AsyncClient, world: dict[str, Any]) -> None:
    template_id = world["template"]["id"]
    edited = await admin.put(
        f"{API}/templates/{template_id}",
        json={"callerIdMode": "custom", "customCallerId": "0155000000", "entities": [world["default"]["combinedId"]]},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["customCallerId"] == "0155000000"
    assert edited.json()["entities"] == [world["default"]["combinedId"]]
    user = await make_user(admin, world)
    assert_xci_error(await admin.delete(f"{API}/templates/{template_id}"), 409)
    await admin.delete(f"{API}/users/{user['id']}")
    assert (await admin.delete(f"{API}/templates/{template_id}")).status_code == 204
    assert (await admin.get(f"{API}/templates")).json() == []


# Administrators


async def test_administrators_never_show_a_password(admin: httpx.AsyncClient, world: dict[str, Any]) -> None:
    created = await admin.post(
        f"{API}/administrators",
        json={
            "login": "jdoe",
            "name": "J. Doe",
            "ldap": False,
            "password": PASSWORD,
            "superAdmin": False,
            "entityIds": [world["default"]["id"]],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {"id", "login", "name", "superAdmin", "ldap", "entities"}
    assert (body["login"], body["superAdmin"], body["ldap"]) == ("jdoe", False, False)
    assert [e["combinedId"] for e in body["entities"]] == [world["default"]["combinedId"]]
    listed = (await admin.get(f"{API}/administrators")).json()
    assert [a["login"] for a in listed["items"]] == ["admin", "jdoe"]
    no_secret_anywhere(listed)
    assert "password" not in str(listed)
    assert (await admin.get(f"{API}/administrators/{body['id']}")).json() == body
    edited = await admin.put(f"{API}/administrators/{body['id']}", json={"name": "Jane", "entityIds": []})
    assert edited.json()["name"] == "Jane" and edited.json()["entities"] == []
    assert (await admin.delete(f"{API}/administrators/{body['id']}")).status_code == 204
    assert_xci_error(await admin.get(f"{API}/administrators/{body['id']}"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"login": "x", "ldap": False}, "password"),
        ({"login": "x", "password": "short"}, "password"),
        ({"login": "x", "password": PASSWORD, "entityIds": [999]}, "entityIds.0"),
        ({"password": PASSWORD}, "login"),
    ],
)
async def test_administrator_bad_input_names_the_field(
    admin: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await admin.post(f"{API}/administrators", json=body)
    assert_xci_error(response, 422)
    assert field in response.json()["fields"], response.json()
    assert len((await admin.get(f"{API}/administrators")).json()["items"]) == 1


async def test_an_administrator_created_here_logs_in_here(
    admin: httpx.AsyncClient, client_for: ClientFactory, world: dict[str, Any]
) -> None:
    await admin.post(f"{API}/administrators", json={"login": "jdoe", "password": PASSWORD, "superAdmin": True})
    client = await logged_in(client_for(), "jdoe")
    assert len((await client.get(f"{API}/entities")).json()["items"]) == 2


# A non-super administrator: its entities only; others' are 404, as if absent


async def test_a_scoped_administrator_sees_only_its_entities(scoped: httpx.AsyncClient, world: dict[str, Any]) -> None:
    listed = (await scoped.get(f"{API}/entities")).json()["items"]
    assert [e["combinedId"] for e in listed] == [world["default"]["combinedId"]]
    analog = world["analog"]["combinedId"]
    for method, path in (
        ("GET", f"/entities/{analog}"),
        ("PUT", f"/entities/{analog}"),
        ("DELETE", f"/entities/{analog}"),
        ("GET", f"/entities/{analog}/users"),
        ("GET", f"/entities/{analog}/available_numbers"),
    ):
        assert_xci_error(await scoped.request(method, API + path, json={}), 404)
    # Its own entity it may edit.
    own = world["default"]["combinedId"]
    assert (await scoped.put(f"{API}/entities/{own}", json={"displayName": "Mine"})).status_code == 200


async def test_a_scoped_administrator_cannot_reach_users_of_other_entities(
    admin: httpx.AsyncClient, scoped: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    other = await make_user(admin, world)
    assert_xci_error(await scoped.get(f"{API}/users/{other['id']}"), 404)
    assert_xci_error(await scoped.put(f"{API}/users/{other['id']}", json={"firstName": "x"}), 404)
    assert_xci_error(await scoped.delete(f"{API}/users/{other['id']}"), 404)
    assert (await scoped.get(f"{API}/users")).json() == {"items": []}
    body = {
        "entityCId": world["analog"]["combinedId"],
        "templateId": world["template"]["id"],
        "firstName": "A",
        "internalNumber": "3990001",
    }
    assert_xci_error(await scoped.post(f"{API}/users", json=body), 404)
    mine = await scoped.post(
        f"{API}/users", json={**body, "entityCId": world["default"]["combinedId"], "internalNumber": "1700"}
    )
    assert mine.status_code == 201, mine.text


async def test_a_scoped_administrator_may_not_manage_the_platform(scoped: httpx.AsyncClient) -> None:
    for method, path in (
        ("POST", "/xivo"),
        ("GET", "/xivo/synchronize_config_files"),
        ("POST", "/entities"),
        ("POST", "/templates"),
        ("GET", "/administrators"),
        ("POST", "/administrators"),
    ):
        body = {"name": "x", "login": "x", "password": PASSWORD, "xivoId": 1}
        assert_xci_error(await scoped.request(method, API + path, json=body), 403)


async def test_every_route_without_a_session_is_401(
    client: httpx.AsyncClient, world: dict[str, Any], runtime: Runtime
) -> None:
    for method, path in (
        ("GET", "/xivo"),
        ("GET", "/xivo/1"),
        ("POST", "/xivo"),
        ("GET", "/xivo/synchronize_config_files"),
        ("GET", "/entities"),
        ("GET", f"/entities/{world['default']['combinedId']}"),
        ("POST", "/entities"),
        ("PUT", f"/entities/{world['default']['combinedId']}"),
        ("DELETE", f"/entities/{world['default']['combinedId']}"),
        ("GET", f"/entities/{world['default']['combinedId']}/users"),
        ("GET", f"/entities/{world['default']['combinedId']}/available_numbers"),
        ("GET", "/users"),
        ("GET", "/users/1"),
        ("POST", "/users"),
        ("PUT", "/users/1"),
        ("DELETE", "/users/1"),
        ("GET", "/templates"),
        ("GET", "/templates/1"),
        ("POST", "/templates"),
        ("PUT", "/templates/1"),
        ("DELETE", "/templates/1"),
        ("GET", "/administrators"),
        ("GET", "/administrators/1"),
        ("POST", "/administrators"),
        ("PUT", "/administrators/1"),
        ("DELETE", "/administrators/1"),
        ("POST", "/logout"),
    ):
        assert_xci_error(await client.request(method, API + path, json={}), 401, "Unauthenticated.")
    async with runtime.db.reader() as session:
        assert (
            await session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.name.like("telephony.%"))) == 0
        )


async def test_two_concurrent_creates_of_one_number_give_one_user_and_one_4xx(
    admin: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    """The number's uniqueness is a database constraint (on PostgreSQL the loser's insert fails on it; SQLite
    serialises the writers): one user, and one clean 422, never a 500."""
    body = {
        "entityCId": world["analog"]["combinedId"],
        "templateId": world["template"]["id"],
        "firstName": "A",
        "internalNumber": "3990007",
    }
    first, second = await asyncio.gather(admin.post(f"{API}/users", json=body), admin.post(f"{API}/users", json=body))
    assert sorted([first.status_code, second.status_code]) == [201, 422], (first.text, second.text)
    loser = first if first.status_code == 422 else second
    assert_xci_error(loser, 422, "The internalNumber has already been taken.")
    assert len((await admin.get(f"{API}/users")).json()["items"]) == 1
