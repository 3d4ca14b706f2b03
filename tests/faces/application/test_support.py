"""Support on the application face: departments and tickets as staff manage and answer them."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from hostlane.jobs.runner import drain
from hostlane.models import AuditEntry, SupportDepartment, SupportTicket
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer, make_department, make_service
from tests.fixtures.http import bearer
from tests.fixtures.mail import Inbox, body

API = "/api/application"
TICKET_FIELDS = {
    "id",
    "number",
    "customer_id",
    "department_id",
    "department",
    "service_id",
    "name",
    "email",
    "subject",
    "body",
    "status",
    "priority",
    "client_read",
    "admin_read",
    "closed_at",
    "closed_by",
    "close_reason",
    "created_at",
    "updated_at",
    "replies",
}


@pytest.fixture
async def staff(runtime: Runtime) -> dict[str, str]:
    return bearer(await make_api_key(runtime))


async def test_department_lifecycle(runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    created = await client.post(
        f"{API}/departments", json={"name": "Billing", "description": "Invoices"}, headers=staff
    )
    assert created.status_code == 201
    department = created.json()
    assert set(department) == {"id", "name", "description", "icon", "created_at", "updated_at"}
    assert (department["name"], department["description"], department["icon"]) == (
        "Billing",
        "Invoices",
        "bi bi-question-circle",
    )
    url = f"{API}/departments/{department['id']}"
    assert (await client.get(url, headers=staff)).json()["name"] == "Billing"
    updated = await client.patch(url, json={"name": "Accounts"}, headers=staff)
    assert updated.status_code == 200 and updated.json()["name"] == "Accounts"
    assert updated.json()["description"] == "Invoices"
    listed = (await client.get(f"{API}/departments?filter[name]=acc", headers=staff)).json()
    assert [row["id"] for row in listed["data"]] == [department["id"]] and listed["meta"]["total"] == 1
    assert (await client.delete(url, headers=staff)).status_code == 200
    assert (await client.get(url, headers=staff)).status_code == 404
    async with runtime.db.reader() as session:
        actions = list(
            await session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "department"))
        )
    assert actions == ["department.create", "department.update", "department.delete"]


async def test_department_names_are_unique_and_required(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    await make_department(runtime, name="Billing")
    duplicate = await client.post(f"{API}/departments", json={"name": "billing"}, headers=staff)
    assert duplicate.status_code == 422
    assert duplicate.json() == {
        "message": "The name has already been taken.",
        "errors": {"name": ["The name has already been taken."]},
    }
    missing = await client.post(f"{API}/departments", json={"description": "x"}, headers=staff)
    assert missing.status_code == 422 and missing.json()["errors"] == {"name": ["The name field is required."]}
    nulled = await client.patch(f"{API}/departments/999999", json={"name": None}, headers=staff)
    assert nulled.status_code == 404
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(SupportDepartment)) == 1


async def test_a_department_with_tickets_cannot_be_deleted(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    customer = await make_customer(runtime)
    department = await make_department(runtime)
    await client.post(
        f"{API}/tickets",
        json={"customer_id": customer["id"], "department_id": department["id"], "subject": "S", "content": "C"},
        headers=staff,
    )
    response = await client.delete(f"{API}/departments/{department['id']}", headers=staff)
    assert response.status_code == 409
    assert response.json() == {"message": "The department still has tickets; move them to another department first."}


async def test_staff_open_a_ticket_for_a_customer_who_is_mailed(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str], inbox: Inbox
) -> None:
    customer = await make_customer(runtime, firstname="Joe", lastname="Doe")
    department = await make_department(runtime, name="Abuse")
    service_id = await make_service(runtime, customer_id=int(customer["id"]))  # type: ignore[call-overload]
    response = await client.post(
        f"{API}/tickets",
        json={
            "customer_id": customer["id"],
            "department_id": department["id"],
            "subject": "Outgoing spam",
            "content": "Your server sends spam.",
            "priority": "high",
            "related_id": service_id,
        },
        headers=staff,
    )
    assert response.status_code == 201
    ticket = response.json()
    assert set(ticket) == TICKET_FIELDS
    assert {key: ticket[key] for key in ("customer_id", "department", "service_id", "name", "email", "subject")} == {
        "customer_id": customer["id"],
        "department": "Abuse",
        "service_id": service_id,
        "name": "Joe Doe",
        "email": customer["email"],
        "subject": "Outgoing spam",
    }
    assert (ticket["status"], ticket["priority"], ticket["client_read"], ticket["replies"]) == (
        "Open",
        "high",
        False,
        [],
    )
    await drain(runtime)
    assert [m["Subject"] for m in inbox.messages] == [f"[Ticket #{ticket['number']}] Outgoing spam"]
    assert "Your server sends spam." in body(inbox.messages[0])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_id": 999999}, "customer_id"),
        ({"department_id": 999999}, "department_id"),
        ({"related_id": 999999}, "service_id"),
        ({"priority": "urgent"}, "priority"),
        ({"subject": ""}, "subject"),
        ({"content": None}, "content"),
    ],
)
async def test_bad_staff_tickets_name_the_field_and_write_nothing(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str], change: dict[str, object], field: str
) -> None:
    customer = await make_customer(runtime)
    other_service = await make_service(runtime)  # another customer's service
    department = await make_department(runtime)
    payload = {"customer_id": customer["id"], "department_id": department["id"], "subject": "S", "content": "C"}
    if change.get("related_id") == 999999:
        change = {"related_id": other_service}
    response = await client.post(f"{API}/tickets", json={**payload, **change}, headers=staff)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {field}
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(SupportTicket)) == 0


async def _ticket(runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str], **fields: object) -> dict:  # type: ignore[type-arg]
    customer = await make_customer(runtime)
    department = await make_department(runtime)
    payload = {"customer_id": customer["id"], "department_id": department["id"], "subject": "S", "content": "C"}
    return (await client.post(f"{API}/tickets", json={**payload, **fields}, headers=staff)).json()  # type: ignore[no-any-return]


async def test_close_reopen_update_and_delete(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    ticket = await _ticket(runtime, client, staff)
    url = f"{API}/tickets/{ticket['id']}"
    closed = await client.post(f"{url}/close", json={"reason": "Solved"}, headers=staff)
    assert closed.status_code == 200
    assert closed.json()["ticket"]["status"] == "Closed" and closed.json()["ticket"]["close_reason"] == "Solved"
    assert closed.json()["ticket"]["closed_by"] == "admin" and closed.json()["ticket"]["closed_at"]
    again = await client.post(f"{url}/close", headers=staff)
    assert again.status_code == 409 and again.json() == {"message": "The ticket is already closed."}
    reopened = await client.post(f"{url}/reopen", headers=staff)
    assert reopened.json()["ticket"]["status"] == "Open" and reopened.json()["ticket"]["closed_at"] is None
    assert (await client.post(f"{url}/reopen", headers=staff)).status_code == 409

    other = await make_department(runtime, name="Sales")
    updated = await client.put(url, json={"department_id": other["id"], "priority": "low"}, headers=staff)
    assert updated.status_code == 200
    assert (updated.json()["department"], updated.json()["priority"], updated.json()["subject"]) == (
        "Sales",
        "low",
        "S",
    )
    assert (await client.put(url, json={"department_id": 999999}, headers=staff)).status_code == 422
    assert (await client.put(url, json={"status": "Pending"}, headers=staff)).status_code == 422

    first = await client.delete(url, headers=staff)  # an open ticket is closed
    assert first.json()["message"] == "Ticket closed successfully"
    assert (await client.get(url, headers=staff)).json()["status"] == "Closed"
    second = await client.delete(url, headers=staff)  # a closed one is deleted
    assert second.json()["message"] == "Ticket deleted successfully"
    assert (await client.get(url, headers=staff)).status_code == 404


async def test_ticket_lists_filter_and_include_replies(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    tickets = [await _ticket(runtime, client, staff) for _ in range(3)]
    for ticket in tickets:
        await client.post(f"{API}/tickets/{ticket['id']}/reply", json={"content": "On it."}, headers=staff)
    await client.post(f"{API}/tickets/{tickets[0]['id']}/close", headers=staff)
    answered = (await client.get(f"{API}/tickets?filter[status]=Answered&include=replies", headers=staff)).json()
    assert {row["id"] for row in answered["data"]} == {tickets[1]["id"], tickets[2]["id"]}
    assert all([reply["body"] for reply in row["replies"]] == ["On it."] for row in answered["data"])
    assert all(row["replies"][0]["type"] == "Admin" for row in answered["data"])
    bad = await client.get(f"{API}/tickets?filter[colour]=red", headers=staff)
    assert bad.status_code == 400


async def test_test_mode_keys_see_no_live_tickets(runtime: Runtime, client: httpx.AsyncClient) -> None:
    live = bearer(await make_api_key(runtime))
    sandbox = bearer(await make_api_key(runtime, livemode=False))
    ticket = await _ticket(runtime, client, live)
    assert (await client.get(f"{API}/tickets/{ticket['id']}", headers=sandbox)).status_code == 404
    assert (
        await client.post(f"{API}/tickets/{ticket['id']}/reply", json={"content": "x"}, headers=sandbox)
    ).status_code == 404
    assert (await client.get(f"{API}/tickets", headers=sandbox)).json()["data"] == []


@pytest.mark.parametrize("value", ["3000000000", "-3000000000", "9223372036854775807"])
async def test_ticket_number_filters_beyond_32_bits_answer(
    runtime: Runtime, client: httpx.AsyncClient, value: str
) -> None:
    staff = bearer(await make_api_key(runtime))
    response = await client.get(f"{API}/tickets?filter[number]={value}", headers=staff)
    assert response.status_code == 200 and response.json()["data"] == []
