"""Support on the application face: departments and tickets as CLIENTXCMS's helpdesk API answers them.

CLIENTXCMS has no PHP feature test of its application helpdesk routes but ``StaffExposureTest`` (translated in
``test_staff_exposure.py``); these follow its ``DepartmentController`` and ``TicketController``, its request
rules and its ticket, message and department models."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hostlane.customers import sessions as customer_sessions
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.models import Administrator, AuditEntry, SupportDepartment, SupportTicket, TicketStatus
from hostlane.runtime import Runtime
from hostlane.support import service as support
from hostlane.support.schemas import ReplyIn
from tests.fixtures.factories import make_admin, make_api_key, make_customer, make_department, make_service
from tests.fixtures.http import assert_laravel_error, bearer
from tests.fixtures.mail import Inbox, body

API = "/api/application"
DEPARTMENT_FIELDS = {"id", "name", "description", "icon", "staff_subscribers", "created_at", "updated_at"}
TICKET_FIELDS = {
    # CLIENTXCMS's ticket model
    "id",
    "uuid",
    "department_id",
    "customer_id",
    "subject",
    "status",
    "priority",
    "related_type",
    "related_id",
    "staff_subscribers",
    "assigned_to",
    "closed_at",
    "close_reason",
    "closed_by",
    "closed_by_id",
    "created_at",
    "updated_at",
    # Hostlane's public ticket number (the one in the mails' subjects)
    "number",
}
# A ticket as a change answers it (CLIENTXCMS loads these three).
ANSWERED_FIELDS = TICKET_FIELDS | {"customer", "department", "messages"}
MESSAGE_FIELDS = {
    "id",
    "ticket_id",
    "customer_id",
    "admin_id",
    "message",
    "read_at",
    "edited_at",
    "created_at",
    "updated_at",
    "customer",
    "admin",
}
PAGINATOR_FIELDS = {
    "current_page",
    "data",
    "first_page_url",
    "from",
    "last_page",
    "last_page_url",
    "links",
    "next_page_url",
    "path",
    "per_page",
    "prev_page_url",
    "to",
    "total",
}


@pytest.fixture
async def admin(runtime: Runtime) -> Administrator:
    return await make_admin(runtime)


@pytest.fixture
async def staff(runtime: Runtime, admin: Administrator) -> dict[str, str]:
    return bearer(await make_api_key(runtime, admin=admin))


async def _count(runtime: Runtime, model: type[Any]) -> int:
    async with runtime.db.reader() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


# Departments


async def test_department_lifecycle(runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    created = await client.post(
        f"{API}/departments", json={"name": "Billing", "description": "Invoices"}, headers=staff
    )
    assert created.status_code == 201
    department = created.json()
    assert set(department) == DEPARTMENT_FIELDS
    assert (department["name"], department["description"], department["icon"], department["staff_subscribers"]) == (
        "Billing",
        "Invoices",
        "bi bi-question-circle",
        None,
    )
    url = f"{API}/departments/{department['id']}"
    shown = (await client.get(url, headers=staff)).json()
    # As CLIENTXCMS's show: a page of its list holding the one department.
    assert set(shown) == PAGINATOR_FIELDS and shown["data"] == [department] and shown["total"] == 1
    updated = await client.post(url, json={"name": "Accounts"}, headers=staff)
    assert updated.status_code == 200 and set(updated.json()) == DEPARTMENT_FIELDS
    assert updated.json()["name"] == "Accounts" and updated.json()["description"] == "Invoices"
    listed = (await client.get(f"{API}/departments?filter[name]=acc", headers=staff)).json()
    assert set(listed) == PAGINATOR_FIELDS  # Laravel's plain paginator
    assert [row["id"] for row in listed["data"]] == [department["id"]] and listed["total"] == 1
    deleted = await client.delete(url, headers=staff)
    assert deleted.status_code == 204 and deleted.content == b""
    assert_laravel_error(await client.get(url, headers=staff), 404, "Department not found.")
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
    bad_icon = await client.post(f"{API}/departments", json={"name": "Sales", "icon": "<script>"}, headers=staff)
    assert bad_icon.status_code == 422 and set(bad_icon.json()["errors"]) == {"icon"}
    nulled = await client.patch(f"{API}/departments/999999", json={"name": None}, headers=staff)
    assert nulled.status_code == 404
    assert await _count(runtime, SupportDepartment) == 1


async def test_department_refusals(runtime: Runtime, client: httpx.AsyncClient) -> None:
    department = await make_department(runtime)
    url = f"{API}/departments/{department['id']}"
    calls = [
        ("GET", f"{API}/departments", None, "departments:index"),
        ("POST", f"{API}/departments", {"name": "New"}, "departments:create"),
        ("GET", url, None, "departments:show"),
        ("POST", url, {"name": "Renamed"}, "departments:update"),
        ("DELETE", url, None, "departments:delete"),
    ]
    wrong = bearer(await make_api_key(runtime, "tickets:index", "tickets:show"))
    for method, target, payload, _ in calls:
        assert_laravel_error(await client.request(method, target, json=payload), 401)
        assert_laravel_error(await client.request(method, target, json=payload, headers=wrong), 403)
    for method, target, payload, permission in calls[2:]:
        key = bearer(await make_api_key(runtime, permission))
        missing = target.replace(str(department["id"]), "999999")
        assert_laravel_error(await client.request(method, missing, json=payload, headers=key), 404)
    # ``departments:store`` is CLIENTXCMS's name for creating.
    store = bearer(await make_api_key(runtime, "departments:store"))
    assert (await client.post(f"{API}/departments", json={"name": "Stored"}, headers=store)).status_code == 201
    assert await _count(runtime, SupportDepartment) == 2


async def test_a_department_with_tickets_cannot_be_deleted(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    ticket = await _ticket(runtime, client, staff)
    response = await client.delete(f"{API}/departments/{ticket['department_id']}", headers=staff)
    # CLIENTXCMS's refusal: 403 and its words.
    assert_laravel_error(response, 403, "Unable to delete this department because it contains tickets.")
    assert await _count(runtime, SupportDepartment) == 1


async def test_a_department_includes_its_tickets(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    ticket = await _ticket(runtime, client, staff)
    await make_department(runtime, name="Empty")
    listed = (await client.get(f"{API}/departments?include=tickets", headers=staff)).json()["data"]
    assert [[row["id"] for row in department["tickets"]] for department in listed] == [[ticket["id"]], []]
    assert set(listed[0]["tickets"][0]) == TICKET_FIELDS
    shown = (await client.get(f"{API}/departments/{ticket['department_id']}?include=tickets", headers=staff)).json()
    assert [row["subject"] for row in shown["data"][0]["tickets"]] == ["Server down"]


# Tickets


async def _ticket(runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str], **fields: object) -> dict:  # type: ignore[type-arg]
    customer = await make_customer(runtime)
    department = await make_department(runtime)
    payload = {
        "customer_id": customer["id"],
        "department_id": department["id"],
        "subject": "Server down",
        "priority": "medium",
        "content": "My server does not answer.",
    }
    response = await client.post(f"{API}/tickets", json={**payload, **fields}, headers=staff)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_staff_open_a_ticket_for_a_customer_who_is_mailed(
    runtime: Runtime, client: httpx.AsyncClient, admin: Administrator, staff: dict[str, str], inbox: Inbox
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
            "related_id": f"service-{service_id}",  # CLIENTXCMS's form value
        },
        headers=staff,
    )
    assert response.status_code == 201
    ticket = response.json()
    assert set(ticket) == ANSWERED_FIELDS
    assert {key: ticket[key] for key in ("customer_id", "department_id", "subject", "status", "priority")} == {
        "customer_id": customer["id"],
        "department_id": department["id"],
        "subject": "Outgoing spam",
        "status": "open",
        "priority": "high",
    }
    assert (ticket["related_type"], ticket["related_id"], ticket["assigned_to"], ticket["closed_by"]) == (
        "service",
        service_id,
        None,
        None,
    )
    assert ticket["customer"]["id"] == customer["id"] and ticket["customer"]["email"] == customer["email"]
    assert set(ticket["department"]) == DEPARTMENT_FIELDS and ticket["department"]["name"] == "Abuse"
    # The text it was opened with is its first message, written by the key's administrator.
    [opening] = ticket["messages"]
    assert set(opening) == MESSAGE_FIELDS
    assert {key: opening[key] for key in ("id", "ticket_id", "customer_id", "admin_id", "message", "customer")} == {
        "id": None,
        "ticket_id": ticket["id"],
        "customer_id": None,
        "admin_id": admin.id,
        "message": "Your server sends spam.",
        "customer": None,
    }
    assert opening["admin"] == {
        "id": admin.id,
        "username": admin.login,
        "firstname": "Admin",
        "lastname": admin.name[6:],
    }
    await drain(runtime)
    assert [m["Subject"] for m in inbox.messages] == [f"[Ticket #{ticket['number']}] Outgoing spam"]
    assert "Your server sends spam." in body(inbox.messages[0])


async def test_a_ticket_relates_a_service_by_its_id_too(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    customer = await make_customer(runtime)
    service_id = await make_service(runtime, customer_id=int(customer["id"]))  # type: ignore[call-overload]
    department = await make_department(runtime)
    base = {"customer_id": customer["id"], "department_id": department["id"], "subject": "S", "content": "Hello there"}
    for related in ({"related_id": service_id}, {"related_id": str(service_id), "related_type": "service"}):
        created = await client.post(f"{API}/tickets", json={**base, **related}, headers=staff)
        assert created.status_code == 201 and created.json()["related_id"] == service_id
    nothing = await client.post(f"{API}/tickets", json={**base, "related_id": "none"}, headers=staff)
    assert nothing.status_code == 201 and (nothing.json()["related_type"], nothing.json()["related_id"]) == (None, None)
    assert nothing.json()["priority"] == "medium"  # the default


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_id": 999999}, "customer_id"),
        ({"department_id": 999999}, "department_id"),
        ({"related_id": "other"}, "service_id"),  # another customer's service
        ({"related_id": "invoice-3"}, "related_id"),  # Hostlane relates tickets to services only
        ({"related_type": "invoice"}, "related_type"),
        ({"priority": "urgent"}, "priority"),
        ({"priority": "High"}, "priority"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 256}, "subject"),
        ({"content": None}, "content"),
        ({"content": "Help"}, "content"),  # CLIENTXCMS wants 5 characters at least
        ({"content": "x" * 10001}, "content"),
    ],
)
async def test_bad_staff_tickets_name_the_field_and_write_nothing(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str], change: dict[str, object], field: str
) -> None:
    customer = await make_customer(runtime)
    other_service = await make_service(runtime)  # another customer's service
    department = await make_department(runtime)
    payload = {"customer_id": customer["id"], "department_id": department["id"], "subject": "S", "content": "Hello"}
    if change.get("related_id") == "other":
        change = {"related_id": other_service}
    response = await client.post(f"{API}/tickets", json={**payload, **change}, headers=staff)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {field}
    assert await _count(runtime, SupportTicket) == 0


async def test_ticket_refusals(runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    ticket = await _ticket(runtime, client, staff)
    url = f"{API}/tickets/{ticket['id']}"
    calls = [
        ("GET", f"{API}/tickets", None, "tickets:index"),
        (
            "POST",
            f"{API}/tickets",
            {"customer_id": ticket["customer_id"], "department_id": ticket["department_id"], "subject": "S"},
            "tickets:create",
        ),
        ("GET", url, None, "tickets:show"),
        ("POST", url, {"subject": "Changed"}, "tickets:update"),
        ("POST", f"{url}/reply", {"content": "Any news?"}, "tickets:reply"),
        ("POST", f"{url}/close", None, "tickets:close"),
        ("POST", f"{url}/reopen", None, "tickets:reopen"),
        ("DELETE", url, None, "tickets:delete"),
    ]
    wrong = bearer(await make_api_key(runtime, "departments:index", "customers:index"))
    for method, target, payload, _ in calls:
        assert_laravel_error(await client.request(method, target, json=payload), 401)
        assert_laravel_error(await client.request(method, target, json=payload, headers=wrong), 403)
    for method, target, payload, permission in calls[2:]:
        key = bearer(await make_api_key(runtime, permission))
        missing = target.replace(f"/tickets/{ticket['id']}", "/tickets/999999")
        assert_laravel_error(await client.request(method, missing, json=payload, headers=key), 404, "Ticket not found.")
    # The list's ``tickets:index`` does not read one ticket (its messages): ``tickets:show`` does.
    index_only = bearer(await make_api_key(runtime, "tickets:index"))
    assert_laravel_error(await client.get(url, headers=index_only), 403)
    async with runtime.db.reader() as session:
        row = await session.get(SupportTicket, ticket["id"])
        assert row is not None and (row.subject, row.status) == ("Server down", TicketStatus.OPEN)


async def test_show_is_a_page_of_one_with_what_it_includes(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    ticket = await _ticket(runtime, client, staff)
    url = f"{API}/tickets/{ticket['id']}"
    plain = (await client.get(url, headers=staff)).json()
    assert set(plain) == PAGINATOR_FIELDS and plain["total"] == 1 and plain["current_page"] == 1
    assert set(plain["data"][0]) == TICKET_FIELDS  # nothing included unless asked
    full = (await client.get(f"{url}?include=customer,department,messages", headers=staff)).json()["data"][0]
    assert full == ticket
    assert (await client.get(f"{url}?page=2", headers=staff)).json()["data"] == []
    unknown = await client.get(f"{url}?include=attachments", headers=staff)
    assert unknown.status_code == 400 and "attachments" in unknown.json()["message"]


async def test_replies_close_reopen_as_clientxcms_answers(
    runtime: Runtime, client: httpx.AsyncClient, admin: Administrator, staff: dict[str, str]
) -> None:
    ticket = await _ticket(runtime, client, staff)
    url = f"{API}/tickets/{ticket['id']}"
    replied = await client.post(f"{url}/reply", json={"content": "We are looking at it."}, headers=staff)
    assert replied.status_code == 200
    assert set(replied.json()) == {"message", "ticket"} and replied.json()["message"] == "Your reply has been sent"
    answered = replied.json()["ticket"]
    assert set(answered) == ANSWERED_FIELDS and answered["status"] == "answered"
    reply = answered["messages"][-1]
    assert (reply["message"], reply["admin_id"], reply["customer_id"], reply["admin"]["username"]) == (
        "We are looking at it.",
        admin.id,
        None,
        admin.login,
    )
    short = await client.post(f"{url}/reply", json={"content": "Ok"}, headers=staff)
    assert short.status_code == 422 and set(short.json()["errors"]) == {"content"}

    closed = await client.post(f"{url}/close", json={"reason": "Solved"}, headers=staff)
    assert closed.status_code == 200 and closed.json()["message"] == "The ticket has been closed"
    shown = closed.json()["ticket"]
    assert (shown["status"], shown["close_reason"], shown["closed_by"]) == ("closed", "Solved", "admin")
    assert shown["closed_at"].endswith("Z")
    again = await client.post(f"{url}/close", headers=staff)
    assert_laravel_error(again, 400, "Ticket is already closed")
    reopened = await client.post(f"{url}/reopen", headers=staff)
    assert reopened.status_code == 200 and reopened.json()["message"] == "The ticket has been reopened"
    assert reopened.json()["ticket"]["status"] == "open" and reopened.json()["ticket"]["closed_at"] is None
    assert_laravel_error(await client.post(f"{url}/reopen", headers=staff), 400, "Ticket is not closed")
    # ``tickets:update`` still closes and re-opens, as it did before CLIENTXCMS's own permissions.
    updater = bearer(await make_api_key(runtime, "tickets:update"))
    assert (await client.post(f"{url}/close", headers=updater)).status_code == 200


async def test_a_customer_reply_reads_as_open_with_the_customer_as_author(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    ticket = await _ticket(runtime, client, staff)
    await client.post(f"{API}/tickets/{ticket['id']}/reply", json={"content": "Looking."}, headers=staff)
    customer = customer_sessions.customer_principal(ticket["customer_id"], True, None)
    async with runtime.db.transaction() as session:
        await support.reply(session, customer, ticket["id"], ReplyIn(body="Still down."))
    shown = (await client.get(f"{API}/tickets/{ticket['id']}?include=messages", headers=staff)).json()["data"][0]
    # Hostlane's "customer_reply" (the customer spoke last) is CLIENTXCMS's "open".
    assert shown["status"] == "open"
    last = shown["messages"][-1]
    assert (last["customer_id"], last["admin_id"], last["admin"], last["customer"]["id"]) == (
        ticket["customer_id"],
        None,
        None,
        ticket["customer_id"],
    )
    # ``include=messages`` brings each message's author, the customer among them.
    assert shown["customer"]["id"] == ticket["customer_id"]
    listed = (await client.get(f"{API}/tickets?filter[status]=open", headers=staff)).json()["data"]
    assert [row["id"] for row in listed] == [ticket["id"]]
    assert (await client.get(f"{API}/tickets?filter[status]=answered", headers=staff)).json()["data"] == []


async def test_update_in_the_face_words(
    runtime: Runtime, client: httpx.AsyncClient, admin: Administrator, staff: dict[str, str]
) -> None:
    ticket = await _ticket(runtime, client, staff)
    url = f"{API}/tickets/{ticket['id']}"
    other = await make_department(runtime, name="Sales")
    updated = await client.put(url, json={"department_id": other["id"], "priority": "low"}, headers=staff)
    assert updated.status_code == 200 and set(updated.json()) == ANSWERED_FIELDS
    assert (updated.json()["department"]["name"], updated.json()["priority"], updated.json()["subject"]) == (
        "Sales",
        "low",
        "Server down",
    )
    assigned = await client.post(url, json={"assigned_to": admin.id, "status": "answered"}, headers=staff)
    assert (assigned.json()["assigned_to"], assigned.json()["status"]) == (admin.id, "answered")
    closing = await client.patch(url, json={"status": "closed", "close_reason": "Duplicate"}, headers=staff)
    assert (closing.json()["status"], closing.json()["close_reason"], closing.json()["closed_by"]) == (
        "closed",
        "Duplicate",
        "admin",
    )
    unassigned = await client.patch(url, json={"assigned_to": "none"}, headers=staff)
    assert unassigned.json()["assigned_to"] is None
    for bad, field in (
        ({"department_id": 999999}, "department_id"),
        ({"status": "Pending"}, "status"),
        ({"status": "customer_reply"}, "status"),  # Hostlane's word, not the face's
        ({"priority": "urgent"}, "priority"),
        ({"assigned_to": 999999}, "assigned_to"),
        ({"subject": None}, "subject"),
    ):
        response = await client.put(url, json=bad, headers=staff)
        assert response.status_code == 422 and set(response.json()["errors"]) == {field}, (bad, response.text)
    async with runtime.db.reader() as session:
        row = await session.get(SupportTicket, ticket["id"])
        assert row is not None and (row.status, row.department_id) == (TicketStatus.CLOSED, other["id"])


async def test_delete_closes_an_open_ticket_then_deletes_it(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    ticket = await _ticket(runtime, client, staff)
    url = f"{API}/tickets/{ticket['id']}"
    first = await client.delete(url, headers=staff)  # an open ticket is closed
    assert first.status_code == 200 and first.json() == {"message": "The ticket has been closed"}
    assert (await client.get(url, headers=staff)).json()["data"][0]["status"] == "closed"
    second = await client.delete(url, headers=staff)  # a closed one is deleted
    assert second.status_code == 200 and second.json() == {"message": "Ticket deleted successfully"}
    assert_laravel_error(await client.get(url, headers=staff), 404, "Ticket not found.")


async def test_ticket_lists_filter_sort_and_include_messages(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    tickets = [await _ticket(runtime, client, staff, priority=p) for p in ("low", "high", "medium")]
    for ticket in tickets:
        await client.post(f"{API}/tickets/{ticket['id']}/reply", json={"content": "On it."}, headers=staff)
    await client.post(f"{API}/tickets/{tickets[0]['id']}/close", headers=staff)
    answered = (await client.get(f"{API}/tickets?filter[status]=answered&include=messages", headers=staff)).json()
    assert set(answered) == PAGINATOR_FIELDS and answered["total"] == 2
    assert {row["id"] for row in answered["data"]} == {tickets[1]["id"], tickets[2]["id"]}
    assert all(
        [m["message"] for m in row["messages"]] == ["My server does not answer.", "On it."] for row in answered["data"]
    )
    assert all(row["messages"][1]["admin"] is not None for row in answered["data"])
    high = (await client.get(f"{API}/tickets?filter[priority]=high", headers=staff)).json()["data"]
    assert [row["id"] for row in high] == [tickets[1]["id"]]
    by_priority = (await client.get(f"{API}/tickets?sort=-priority", headers=staff)).json()["data"]
    assert [row["priority"] for row in by_priority] == ["medium", "low", "high"]  # as text, as Laravel sorts
    closed = (await client.get(f"{API}/tickets?filter[status]=closed", headers=staff)).json()["data"]
    assert [row["id"] for row in closed] == [tickets[0]["id"]]
    assert (await client.get(f"{API}/tickets?filter[colour]=red", headers=staff)).status_code == 400
    # Messages are what was written in a ticket: a list that includes them needs ``tickets:show``.
    index_only = bearer(await make_api_key(runtime, "tickets:index"))
    assert (await client.get(f"{API}/tickets", headers=index_only)).status_code == 200
    assert_laravel_error(await client.get(f"{API}/tickets?include=messages", headers=index_only), 403)


async def test_test_mode_keys_see_no_live_tickets(runtime: Runtime, client: httpx.AsyncClient) -> None:
    live = bearer(await make_api_key(runtime))
    sandbox = bearer(await make_api_key(runtime, livemode=False))
    ticket = await _ticket(runtime, client, live)
    assert (await client.get(f"{API}/tickets/{ticket['id']}", headers=sandbox)).status_code == 404
    assert (
        await client.post(f"{API}/tickets/{ticket['id']}/reply", json={"content": "Hello"}, headers=sandbox)
    ).status_code == 404
    assert (await client.get(f"{API}/tickets", headers=sandbox)).json()["data"] == []


async def test_a_staff_reply_without_an_administrator_signs_as_support(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    staff = bearer(await make_api_key(runtime))
    ticket = await _ticket(runtime, client, staff)
    async with runtime.db.transaction() as session:
        await support.reply(session, Principal.system(), ticket["id"], ReplyIn(body="Automatic notice."))
    shown = (await client.get(f"{API}/tickets/{ticket['id']}?include=messages", headers=staff)).json()["data"][0]
    last = shown["messages"][-1]
    assert (last["message"], last["admin_id"], last["admin"], last["customer_id"]) == (
        "Automatic notice.",
        None,
        None,
        None,
    )


@pytest.mark.parametrize("value", ["3000000000", "-3000000000", "9223372036854775807"])
async def test_ticket_number_filters_beyond_32_bits_answer(
    runtime: Runtime, client: httpx.AsyncClient, value: str
) -> None:
    staff = bearer(await make_api_key(runtime))
    response = await client.get(f"{API}/tickets?filter[number]={value}", headers=staff)
    assert response.status_code == 200 and response.json()["data"] == []
