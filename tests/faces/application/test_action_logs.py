"""The action logs on the application face (``logs:index``, ``logs:show``): Hostlane's audit log in the shape of
CLIENTXCMS's ActionLog, with its filters and sorts."""

from __future__ import annotations

import httpx
import pytest

from hostlane.identity import audit
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.models import Administrator
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_admin, make_api_key, make_customer
from tests.fixtures.http import bearer

API = "/api/application"
LOG_FIELDS = {
    "id",
    "customer_id",
    "staff_id",
    "action",
    "model",
    "model_id",
    "payload",
    "ip",
    "created_at",
    "updated_at",
}


@pytest.fixture
async def admin(runtime: Runtime) -> Administrator:
    return await make_admin(runtime)


@pytest.fixture
async def staff(runtime: Runtime, admin: Administrator) -> dict[str, str]:
    return bearer(await make_api_key(runtime, admin=admin))


async def _reason(client: httpx.AsyncClient, staff: dict[str, str], text: str) -> int:
    response = await client.post(
        f"{API}/cancellation_reasons", json={"reason": text, "status": "active"}, headers=staff
    )
    assert response.status_code == 201
    return int(response.json()["id"])


async def test_writes_show_in_the_logs_newest_first_with_who_and_what(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str], admin: Administrator
) -> None:
    first = await _reason(client, staff, "Too expensive")
    await client.post(f"{API}/cancellation_reasons/{first}", json={"status": "hidden"}, headers=staff)
    listed = await client.get(f"{API}/logs", params={"filter[model]": "cancellation_reason"}, headers=staff)
    assert listed.status_code == 200
    body = listed.json()
    assert body["per_page"] == 50 and body["total"] == 2
    update, create = body["data"]
    assert set(create) == LOG_FIELDS
    assert (update["action"], create["action"]) == ("cancellation_reason.update", "cancellation_reason.create")
    # The key's administrator acted; the object is named as CLIENTXCMS names it (model, model_id as a string).
    assert (create["staff_id"], create["customer_id"], create["model"], create["model_id"]) == (
        admin.id,
        None,
        "cancellation_reason",
        str(first),
    )
    assert update["payload"] == {"status": "hidden"}
    shown = await client.get(f"{API}/logs/{create['id']}", headers=staff)
    assert shown.status_code == 200 and shown.json()["data"] == [create]


async def test_filters_and_sorts_as_the_real_controller_allows(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str], admin: Administrator
) -> None:
    ids = [await _reason(client, staff, f"Reason {n}") for n in range(3)]
    await make_customer(runtime)  # written by the system: no staff
    by_id = await client.get(
        f"{API}/logs", params={"filter[model_id]": str(ids[1]), "filter[model]": "cancellation_reason"}, headers=staff
    )
    assert [row["model_id"] for row in by_id.json()["data"]] == [str(ids[1])]
    by_staff = (await client.get(f"{API}/logs", params={"filter[staff_id]": admin.id}, headers=staff)).json()
    assert by_staff["total"] == 3 and {row["staff_id"] for row in by_staff["data"]} == {admin.id}
    oldest = (
        await client.get(
            f"{API}/logs",
            params={"sort": "created_at,id", "filter[action]": "cancellation_reason.create"},
            headers=staff,
        )
    ).json()
    assert [row["model_id"] for row in oldest["data"]] == [str(n) for n in ids]
    everything = (await client.get(f"{API}/logs", headers=staff)).json()
    paged = (await client.get(f"{API}/logs", params={"per_page": 2}, headers=staff)).json()
    assert everything["total"] > 2 and everything["total"] == len(everything["data"])
    assert paged["per_page"] == 2 and paged["data"] == everything["data"][:2] and paged["total"] == everything["total"]


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        # As the face answers every list: a name the list does not know, or a value of the wrong kind, is a 400.
        ({"filter[model_id]": "abc"}, 400, "filter[model_id]"),
        ({"sort": "-password"}, 400, "sort"),
        ({"filter[ip]": "1.2.3.4"}, 400, "filter[ip]"),
        ({"per_page": 1000}, 422, "per_page"),
    ],
)
async def test_a_bad_list_query_names_the_parameter(
    client: httpx.AsyncClient, staff: dict[str, str], params: dict[str, str | int], status: int, field: str
) -> None:
    response = await client.get(f"{API}/logs", params=params, headers=staff)
    assert response.status_code == status and field in response.json()["errors"], response.text


@pytest.mark.parametrize("path", ["/logs", "/logs/1"])
async def test_logs_need_a_key_and_its_ability(runtime: Runtime, client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(f"{API}{path}")).status_code == 401
    other = bearer(await make_api_key(runtime, "customers:index"))
    assert (await client.get(f"{API}{path}", headers=other)).status_code == 403


async def test_an_unknown_or_other_mode_log_is_not_found(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    await _reason(client, staff, "Live")
    live = (await client.get(f"{API}/logs", headers=staff)).json()["data"][0]
    sandbox = bearer(await make_api_key(runtime, livemode=False))
    assert (await client.get(f"{API}/logs/{live['id']}", headers=sandbox)).status_code == 404
    assert (await client.get(f"{API}/logs/999999", headers=staff)).status_code == 404
    assert (await client.get(f"{API}/logs/0", headers=staff)).status_code == 422
    sandboxed = (await client.get(f"{API}/logs", headers=sandbox)).json()
    assert live["id"] not in [row["id"] for row in sandboxed["data"]]


async def test_a_customer_is_named_as_the_actor_of_its_own_writes(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    customer = await make_customer(runtime)
    customer_id = int(customer["id"])  # type: ignore[call-overload]
    async with runtime.db.transaction() as session:
        own = Principal(PrincipalKind.CUSTOMER, customer_id, scope=customer_id)
        audit.record(session, own, "customer.update", "customer", customer_id, {})
    rows = (await client.get(f"{API}/logs", params={"filter[customer_id]": customer_id}, headers=staff)).json()
    assert [(row["customer_id"], row["staff_id"], row["action"]) for row in rows["data"]] == [
        (customer_id, None, "customer.update")
    ]
