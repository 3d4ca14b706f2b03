"""Cancellation reasons on the application face (``cancellation_reasons:*`` and their analytics), a service's
cancellation (now, or at the end of its period, which the daily job honours: never renewed, then terminated), and
the real CLIENTXCMS's ``CancellationReasonApiTest`` translated."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hostlane.core import clock
from hostlane.drivers.provisioning.simulator import SimulatorModule
from hostlane.jobs.runner import drain
from hostlane.models import CancellationReason, InvoiceItem, Service, ServiceStatus
from hostlane.runtime import Runtime
from hostlane.tasks.daily import daily_job
from tests.fixtures.factories import make_api_key, make_service
from tests.fixtures.http import bearer

API = "/api/application"
URL = f"{API}/cancellation_reasons"
ANALYTICS = f"{API}/cancellation_reasons_analytics"
REASON_FIELDS = {"id", "reason", "status", "created_at", "updated_at", "deleted_at"}


async def _key(runtime: Runtime, *permissions: str) -> dict[str, str]:
    return bearer(await make_api_key(runtime, *permissions))


async def _reason(client: httpx.AsyncClient, headers: dict[str, str], reason: str, status: str = "active") -> int:
    response = await client.post(URL, json={"reason": reason, "status": status}, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
async def staff(runtime: Runtime) -> dict[str, str]:
    return await _key(runtime)


# The real CancellationReasonApiTest, translated.


async def test_api_cancellation_reason_index(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    await _reason(client, staff, "Test reason 1")
    await _reason(client, staff, "Test reason 2")
    response = await client.get(URL, headers=await _key(runtime, "cancellation_reasons:index"))
    assert response.status_code == 200
    body = response.json()
    assert "data" in body and "links" in body
    assert [row["reason"] for row in body["data"]] == ["Test reason 1", "Test reason 2"]
    assert set(body["data"][0]) == REASON_FIELDS


async def test_api_cancellation_reason_store(runtime: Runtime, client: httpx.AsyncClient) -> None:
    headers = await _key(runtime, "cancellation_reasons:store")
    response = await client.post(URL, json={"reason": "New API reason", "status": "active"}, headers=headers)
    assert response.status_code == 201
    assert (response.json()["reason"], response.json()["status"]) == ("New API reason", "active")
    async with runtime.db.reader() as session:
        assert await session.scalar(
            sa.select(CancellationReason.id).where(CancellationReason.reason == "New API reason")
        )


async def test_api_cancellation_reason_store_validation(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    headers = await _key(runtime, "cancellation_reasons:store")
    response = await client.post(URL, json={"reason": "", "status": "invalid"}, headers=headers)
    assert response.status_code == 422
    assert {"reason", "status"} <= set(response.json()["errors"])
    assert (await client.get(URL, headers=staff)).json()["data"] == []


async def test_api_cancellation_reason_show(runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    reason_id = await _reason(client, staff, "Show reason")
    response = await client.get(f"{URL}/{reason_id}", headers=await _key(runtime, "cancellation_reasons:show"))
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["reason"]) == (reason_id, "Show reason")


async def test_api_cancellation_reason_update(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    reason_id = await _reason(client, staff, "Old reason")
    response = await client.post(
        f"{URL}/{reason_id}",
        json={"reason": "Updated reason", "status": "hidden"},
        headers=await _key(runtime, "cancellation_reasons:update"),
    )
    assert response.status_code == 200
    assert (response.json()["reason"], response.json()["status"]) == ("Updated reason", "hidden")


async def test_api_cancellation_reason_destroy(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    reason_id = await _reason(client, staff, "To delete")
    response = await client.delete(f"{URL}/{reason_id}", headers=await _key(runtime, "cancellation_reasons:delete"))
    assert response.status_code == 200 and response.json() == {"message": "The cancellation reason was deleted."}
    async with runtime.db.reader() as session:  # soft-deleted: the row stays, marked
        deleted_at = await session.scalar(
            sa.select(CancellationReason.deleted_at).where(CancellationReason.id == reason_id)
        )
    assert deleted_at is not None
    assert (await client.get(f"{URL}/{reason_id}", headers=staff)).status_code == 404
    assert (await client.get(URL, headers=staff)).json()["data"] == []


async def test_api_cancellation_reason_analytics(runtime: Runtime, client: httpx.AsyncClient) -> None:
    response = await client.get(ANALYTICS, headers=await _key(runtime, "cancellation_reasons:analytics"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"start_date", "end_date", "total_cancellations", "distribution"}
    today = clock.today()
    assert body["end_date"] == today.isoformat() and body["start_date"] < today.isoformat()
    assert (body["total_cancellations"], body["distribution"]) == (0, [])


async def test_api_cancellation_reason_analytics_with_data(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    reason_id = await _reason(client, staff, "Price too high")
    service_id = await make_service(runtime)
    cancelled = await client.post(
        f"{API}/services/{service_id}/cancel", json={"reason": reason_id, "expiration": "now"}, headers=staff
    )
    assert cancelled.status_code == 200, cancelled.text
    response = await client.get(ANALYTICS, headers=await _key(runtime, "cancellation_reasons:analytics"))
    assert response.status_code == 200
    assert response.json()["total_cancellations"] == 1
    assert response.json()["distribution"] == [{"reason_id": reason_id, "reason": "Price too high", "count": 1}]


async def test_api_cancellation_reason_unauthorized(client: httpx.AsyncClient) -> None:
    assert (await client.get(URL)).status_code == 401


# Every route: 401, 403, 404, bad input.


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/cancellation_reasons"),
        ("POST", "/cancellation_reasons"),
        ("GET", "/cancellation_reasons/1"),
        ("POST", "/cancellation_reasons/1"),
        ("DELETE", "/cancellation_reasons/1"),
        ("GET", "/cancellation_reasons_analytics"),
        ("POST", "/services/1/cancel"),
    ],
)
async def test_routes_need_a_key_and_its_ability(
    runtime: Runtime, client: httpx.AsyncClient, method: str, path: str
) -> None:
    body: dict[str, object] | None = {} if method == "POST" else None
    assert (await client.request(method, f"{API}{path}", json=body)).status_code == 401
    other = await _key(runtime, "services:index", "cancellation_reasons:index")
    if (path == "/cancellation_reasons" and method == "GET") or (path == "/cancellation_reasons/1" and method == "GET"):
        other = await _key(runtime, "services:index")
    assert (await client.request(method, f"{API}{path}", json=body, headers=other)).status_code == 403


async def test_an_unknown_or_other_mode_reason_is_not_found(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    reason_id = await _reason(client, staff, "Live reason")
    sandbox = bearer(await make_api_key(runtime, livemode=False))
    for headers, target in ((staff, 999_999), (sandbox, reason_id)):
        assert (await client.get(f"{URL}/{target}", headers=headers)).status_code == 404
        assert (await client.patch(f"{URL}/{target}", json={"reason": "x"}, headers=headers)).status_code == 404
        assert (await client.delete(f"{URL}/{target}", headers=headers)).status_code == 404
    assert (await client.post(f"{API}/services/999999/cancel", json={}, headers=staff)).status_code == 404


async def test_a_bad_update_or_analytics_names_the_field(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    reason_id = await _reason(client, staff, "Kept")
    for payload, field in (({"reason": ""}, "reason"), ({"status": "gone"}, "status"), ({"reason": None}, "reason")):
        response = await client.post(f"{URL}/{reason_id}", json=payload, headers=staff)
        assert response.status_code == 422 and field in response.json()["errors"], response.text
    assert (await client.get(f"{URL}/{reason_id}", headers=staff)).json()["reason"] == "Kept"
    for params, field in (
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-01"}, "end_date"),
        ({"start_date": "2026-06-01", "end_date": "2026-05-01"}, "end_date"),
    ):
        response = await client.get(ANALYTICS, params=params, headers=staff)
        assert response.status_code == 422 and field in response.json()["errors"], response.text


# A service's cancellation


async def _service_row(runtime: Runtime, service_id: int) -> Service:
    async with runtime.db.reader() as session:
        found = await session.get(Service, service_id)
    assert found is not None
    return found


async def test_a_cancellation_now_terminates_the_service_on_its_module(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str], simulator: SimulatorModule
) -> None:
    reason_id = await _reason(client, staff, "Moving elsewhere")
    service_id = await make_service(runtime)
    response = await client.post(
        f"{API}/services/{service_id}/cancel",
        json={"reason": reason_id, "details": "found a cheaper host", "expiration": "now"},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    shown = response.json()["data"]
    assert (shown["status"], shown["is_cancelled"], shown["cancelled_reason"]) == (
        "cancelled",
        True,
        "found a cheaper host",
    )
    await drain(runtime)
    assert simulator.state.calls["terminate"] == 1 and service_id not in simulator.state.machines
    row = await _service_row(runtime, service_id)
    assert row.cancellation_reason_id == reason_id and row.status is ServiceStatus.CANCELLED


async def _items_of(runtime: Runtime, service_id: int) -> int:
    async with runtime.db.reader() as session:
        return int(await session.scalar(sa.select(sa.func.count()).where(InvoiceItem.service_id == service_id)) or 0)


async def test_a_cancellation_at_the_end_of_the_period_is_never_renewed_then_ends_the_service(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str], simulator: SimulatorModule
) -> None:
    due = clock.today() + dt.timedelta(days=20)
    leaving = await make_service(runtime, next_due_date=due)
    staying = await make_service(runtime, next_due_date=due)
    response = await client.post(
        f"{API}/services/{leaving}/cancel", json={"expiration": "end_of_period"}, headers=staff
    )
    assert response.status_code == 200, response.text
    shown = response.json()["data"]
    # Still running, paid until its due date, which is when the cancellation takes effect.
    assert (shown["status"], shown["is_cancelled"]) == ("active", False)
    assert shown["cancelled_at"] == f"{due.isoformat()}T00:00:00.000000Z"
    again = await client.post(f"{API}/services/{leaving}/cancel", json={"expiration": "end_of_period"}, headers=staff)
    assert again.status_code == 409

    # Within the renewal window the other service is invoiced for its next period; the leaving one is not.
    window = due - dt.timedelta(days=3)
    with clock.frozen_at(dt.datetime.combine(window, dt.time(3))):
        await daily_job(runtime.db, day=window)
        await drain(runtime)
    assert (await _items_of(runtime, staying), await _items_of(runtime, leaving)) == (1, 0)
    assert (await _service_row(runtime, leaving)).status is ServiceStatus.ACTIVE

    # The period over, the daily job cancels it, and its module terminates it.
    with clock.frozen_at(dt.datetime.combine(due, dt.time(3))):
        await daily_job(runtime.db, day=due)
        await drain(runtime)
    row = await _service_row(runtime, leaving)
    assert row.status is ServiceStatus.CANCELLED and leaving not in simulator.state.machines
    assert (await _service_row(runtime, staying)).status is ServiceStatus.ACTIVE
    # Run again: nothing more happens.
    with clock.frozen_at(dt.datetime.combine(due, dt.time(4))):
        await daily_job(runtime.db, day=due)
        await drain(runtime)
    assert simulator.state.calls["terminate"] == 1


@pytest.mark.parametrize(
    ("status", "payload", "code", "field"),
    [
        ("active", {"reason": 999_999}, 422, "reason"),
        ("active", {"expiration": "tomorrow"}, 422, "expiration"),
        ("pending", {"expiration": "end_of_period"}, 422, "expiration"),
        ("terminated", {"expiration": "now"}, 409, None),
    ],
)
async def test_a_refused_cancellation_changes_nothing(
    runtime: Runtime,
    client: httpx.AsyncClient,
    staff: dict[str, str],
    status: str,
    payload: dict[str, Any],
    code: int,
    field: str | None,
) -> None:
    service_id = await make_service(runtime, status=status)
    before = await _service_row(runtime, service_id)
    response = await client.post(f"{API}/services/{service_id}/cancel", json=payload, headers=staff)
    assert response.status_code == code, response.text
    if field is not None:
        assert field in response.json()["errors"]
    after = await _service_row(runtime, service_id)
    assert (after.status, after.cancel_at, after.cancellation_reason_id) == (before.status, None, None)
