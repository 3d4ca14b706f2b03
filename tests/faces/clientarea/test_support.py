"""Client-area support: the document's ticket routes, staff replies by e-mail, and others' tickets as 404."""

from __future__ import annotations

import re
from email.header import decode_header, make_header

import httpx
import pytest
import sqlalchemy as sa

from hostlane.jobs.runner import drain
from hostlane.models import SupportReply, SupportTicket
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer, make_department
from tests.fixtures.http import bearer
from tests.fixtures.mail import Inbox, body

PASSWORD = "s3cret-passw0rd"
API = "/api/application"
DATE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


async def _customer(runtime: Runtime) -> tuple[dict[str, object], tuple[str, str]]:
    customer = await make_customer(runtime, password=PASSWORD, firstname="Joe", lastname="Doe")
    return customer, (str(customer["email"]), PASSWORD)


async def _count(runtime: Runtime, model: type[SupportTicket] | type[SupportReply]) -> int:
    async with runtime.db.reader() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


async def test_the_documents_ticket_flow_with_a_staff_reply_by_mail(
    runtime: Runtime, client: httpx.AsyncClient, inbox: Inbox
) -> None:
    customer, auth = await _customer(runtime)
    billing = await make_department(runtime, name="Billing")
    staff = bearer(await make_api_key(runtime))

    # POST /tickets, exactly the document's payload (dept_id as a number).
    created = await client.post(
        "/api/tickets", json={"dept_id": billing["id"], "subject": "Subject", "body": "Message ..."}, auth=auth
    )
    assert created.status_code == 200
    number = created.json()["ticket"]
    assert isinstance(number, int) and 100000 <= number <= 999999

    listed = (await client.get("/api/tickets", auth=auth)).json()
    assert listed == {
        "tickets": [
            {
                "client_read": "1",
                "ticket_number": str(number),
                "date": listed["tickets"][0]["date"],
                "deptname": "Billing",
                "subject": "Subject",
                "status": "Open",
            }
        ]
    }
    assert DATE.match(listed["tickets"][0]["date"])

    # Staff answer on the application face: the customer gets an e-mail with the reply.
    ticket_id = (await client.get("/api/application/tickets", headers=staff)).json()["data"][0]["id"]
    answered = await client.post(
        f"/api/application/tickets/{ticket_id}/reply",
        json={"content": "Vestibulum ac diam.\r\n-- Maecenas --"},
        headers=staff,
    )
    assert answered.status_code == 200 and answered.json()["ticket"]["status"] == "answered"
    await drain(runtime)
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"].endswith(f"<{customer['email']}>")
    assert mail["Subject"] == f"[Ticket #{number}] Subject"
    assert "Vestibulum ac diam." in body(mail) and "-- Maecenas --" in body(mail)

    unread = (await client.get("/api/tickets", auth=auth)).json()["tickets"][0]
    assert (unread["status"], unread["client_read"]) == ("Answered", "0")

    detail = await client.get(f"/api/tickets/{number}", auth=auth)
    assert detail.status_code == 200
    document = detail.json()
    reply = document["replies"][0]
    assert document == {
        "ticket": {
            "date": listed["tickets"][0]["date"],
            "ticket_number": str(number),
            "name": "Joe Doe",
            "email": customer["email"],
            "subject": "Subject",
            "body": "Message ...",
            "status": "Answered",
            "client_read": "1",
            "deptname": "Billing",
        },
        "replies": [
            {
                "id": reply["id"],
                "name": reply["name"],
                "date": reply["date"],
                "body": "Vestibulum ac diam.\r\n-- Maecenas --",
                "status": "Sent",
                "type": "Admin",
            }
        ],
    }
    assert reply["id"].isdigit() and reply["name"].startswith("Admin ") and DATE.match(reply["date"])
    # Reading marked it read.
    assert (await client.get("/api/tickets", auth=auth)).json()["tickets"][0]["client_read"] == "1"

    # The customer replies, closes, re-opens.
    replied = await client.post(f"/api/tickets/{number}", json={"body": "reply text .."}, auth=auth)
    assert replied.status_code == 200 and replied.json() == {"info": ["reply_added"]}
    after_reply = (await client.get(f"/api/tickets/{number}", auth=auth)).json()
    assert after_reply["ticket"]["status"] == "Customer-Reply"
    assert [(r["type"], r["name"], r["body"]) for r in after_reply["replies"]][1] == (
        "Client",
        "Joe Doe",
        "reply text ..",
    )

    assert (await client.put(f"/api/tickets/{number}/close", auth=auth)).json() == {"status": True}
    assert (await client.get("/api/tickets", auth=auth)).json()["tickets"][0]["status"] == "Closed"
    assert (await client.put(f"/api/tickets/{number}/open", auth=auth)).json() == {"status": True}
    assert (await client.get("/api/tickets", auth=auth)).json()["tickets"][0]["status"] == "Open"
    # The customer's own actions mail nobody.
    await drain(runtime)
    assert len(inbox.messages) == 1


async def test_form_fields_work_as_well_as_json(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, auth = await _customer(runtime)
    department = await make_department(runtime)
    response = await client.post(
        "/api/tickets", data={"dept_id": str(department["id"]), "subject": "Form", "body": "Sent as a form"}, auth=auth
    )
    assert response.status_code == 200 and isinstance(response.json()["ticket"], int)


async def test_ticket_text_is_stored_and_mailed_as_text_never_as_a_template(
    runtime: Runtime, client: httpx.AsyncClient, inbox: Inbox
) -> None:
    _, auth = await _customer(runtime)
    department = await make_department(runtime)
    text = "{{7*7}} {% for x in [1] %}loop{% endfor %} <script>alert(1)</script>"
    number = (
        await client.post(
            "/api/tickets", json={"dept_id": department["id"], "subject": "{{7*7}}", "body": text}, auth=auth
        )
    ).json()["ticket"]
    staff = bearer(await make_api_key(runtime))
    ticket_id = (await client.get("/api/application/tickets", headers=staff)).json()["data"][0]["id"]
    await client.post(f"/api/application/tickets/{ticket_id}/reply", json={"content": text}, headers=staff)
    detail = (await client.get(f"/api/tickets/{number}", auth=auth)).json()
    assert detail["ticket"]["subject"] == "{{7*7}}" and detail["ticket"]["body"] == text
    assert detail["replies"][0]["body"] == text
    await drain(runtime)
    mailed = body(inbox.messages[0])
    assert text in mailed and inbox.messages[0]["Subject"].endswith("{{7*7}}")


async def test_departments_of_the_callers_mode_only(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, auth = await _customer(runtime)
    billing = await make_department(runtime, name="Billing")
    technical = await make_department(runtime, name="Technical")
    await make_department(runtime, name="Sandbox only", livemode=False)
    response = await client.get("/api/ticket/departments", auth=auth)
    assert response.status_code == 200
    assert response.json() == {
        "depts": [
            {"id": str(billing["id"]), "name": "Billing", "description": ""},
            {"id": str(technical["id"]), "name": "Technical", "description": ""},
        ]
    }


ROUTES = [
    ("GET", "/api/tickets"),
    ("POST", "/api/tickets"),
    ("GET", "/api/tickets/123456"),
    ("POST", "/api/tickets/123456"),
    ("PUT", "/api/tickets/123456/open"),
    ("PUT", "/api/tickets/123456/close"),
    ("GET", "/api/ticket/departments"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_support_route_needs_credentials(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={"body": "x"})
    assert response.status_code == 401
    assert response.json() == {"success": False, "error": ["Unauthenticated."]}


@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("POST", ""), ("PUT", "/open"), ("PUT", "/close")])
async def test_another_customers_ticket_is_not_found(
    runtime: Runtime, client: httpx.AsyncClient, method: str, suffix: str
) -> None:
    _, owner = await _customer(runtime)
    _, stranger = await _customer(runtime)
    department = await make_department(runtime)
    number = (
        await client.post(
            "/api/tickets", json={"dept_id": department["id"], "subject": "Mine", "body": "x"}, auth=owner
        )
    ).json()["ticket"]
    response = await client.request(method, f"/api/tickets/{number}{suffix}", json={"body": "hijack"}, auth=stranger)
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": ["Ticket not found."]}
    detail = (await client.get(f"/api/tickets/{number}", auth=owner)).json()
    assert detail["ticket"]["status"] == "Open" and detail["replies"] == []


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"subject": "S", "body": "B"}, "The dept_id field is required."),
        ({"dept_id": "abc", "subject": "S", "body": "B"}, "The dept_id field is invalid"),
        ({"dept_id": 999999, "subject": "S", "body": "B"}, "The selected department does not exist."),
        ({"dept_id": "DEPT", "body": "B"}, "The subject field is required."),
        ({"dept_id": "DEPT", "subject": "   ", "body": "B"}, "The subject field is invalid"),
        ({"dept_id": "DEPT", "subject": "Two\nlines", "body": "B"}, "The subject field is invalid"),
        ({"dept_id": "DEPT", "subject": "S", "body": " \r\n "}, "The body field is invalid"),
        ({"dept_id": "DEPT", "subject": "S"}, "The body field is required."),
    ],
)
async def test_bad_tickets_are_refused_naming_the_field_and_write_nothing(
    runtime: Runtime, client: httpx.AsyncClient, payload: dict[str, object], message: str
) -> None:
    _, auth = await _customer(runtime)
    department = await make_department(runtime)
    if payload.get("dept_id") == "DEPT":  # a department that exists
        payload = {**payload, "dept_id": department["id"]}
    response = await client.post("/api/tickets", json=payload, auth=auth)
    assert response.status_code == 422
    assert response.json()["success"] is False and response.json()["error"][0].startswith(message)
    assert await _count(runtime, SupportTicket) == 0


async def test_bad_replies_and_numbers(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, auth = await _customer(runtime)
    department = await make_department(runtime)
    number = (
        await client.post("/api/tickets", json={"dept_id": department["id"], "subject": "S", "body": "B"}, auth=auth)
    ).json()["ticket"]
    empty = await client.post(f"/api/tickets/{number}", json={"body": ""}, auth=auth)
    assert empty.status_code == 422 and empty.json()["error"][0].startswith("The body field is invalid")
    missing = await client.post(f"/api/tickets/{number}", json={}, auth=auth)
    assert missing.status_code == 422 and missing.json()["error"] == ["The body field is required."]
    assert await _count(runtime, SupportReply) == 0
    for path in ("/api/tickets/99999999999999999999", "/api/tickets/0", "/api/tickets/abc"):
        response = await client.get(path, auth=auth)
        assert response.status_code == 422 and response.json()["success"] is False
    assert (await client.get("/api/tickets/2147483647", auth=auth)).status_code == 404


async def test_opening_a_ticket_honours_the_idempotency_key(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, auth = await _customer(runtime)
    department = await make_department(runtime)
    payload = {"dept_id": department["id"], "subject": "Once", "body": "Only once"}
    headers = {"Idempotency-Key": "ticket-1"}
    first = await client.post("/api/tickets", json=payload, auth=auth, headers=headers)
    again = await client.post("/api/tickets", json=payload, auth=auth, headers=headers)
    assert first.json() == again.json() and again.headers["idempotent-replayed"] == "true"
    assert await _count(runtime, SupportTicket) == 1


async def test_replying_to_a_closed_ticket_reopens_it(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, auth = await _customer(runtime)
    department = await make_department(runtime)
    number = (
        await client.post("/api/tickets", json={"dept_id": department["id"], "subject": "S", "body": "B"}, auth=auth)
    ).json()["ticket"]
    await client.put(f"/api/tickets/{number}/close", auth=auth)
    assert (await client.put(f"/api/tickets/{number}/close", auth=auth)).json() == {"status": True}
    await client.post(f"/api/tickets/{number}", json={"body": "one more thing"}, auth=auth)
    assert (await client.get("/api/tickets", auth=auth)).json()["tickets"][0]["status"] == "Customer-Reply"


async def test_a_json_body_sent_as_curls_default_form_type_is_read_as_json(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    _, auth = await _customer(runtime)
    department = await make_department(runtime)
    body = f'{{"dept_id": {department["id"]}, "subject": "curl -d", "body": "no content type"}}'
    response = await client.post(
        "/api/tickets", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=auth
    )
    assert response.status_code == 200 and isinstance(response.json()["ticket"], int)


@pytest.mark.parametrize("subject", ["Help\u2028Bcc: x@evil.test", "a\u2029b", "a\x85b", "a\x0bb", "a\x0cb"])
async def test_subjects_with_any_line_break_are_refused(
    runtime: Runtime, client: httpx.AsyncClient, subject: str
) -> None:
    customer = await make_customer(runtime, password=PASSWORD)
    department = await make_department(runtime)
    response = await client.post(
        "/api/tickets",
        json={"dept_id": department["id"], "subject": subject, "body": "x"},
        auth=(str(customer["email"]), PASSWORD),
    )
    assert response.status_code == 422 and response.json()["error"][0].startswith("The subject field is invalid")


async def test_a_staff_reply_to_a_unicode_subject_is_mailed(
    runtime: Runtime, client: httpx.AsyncClient, inbox: Inbox
) -> None:
    customer = await make_customer(runtime, password=PASSWORD)
    department = await make_department(runtime)
    auth = (str(customer["email"]), PASSWORD)
    await client.post(
        "/api/tickets", json={"dept_id": department["id"], "subject": "Zürich — 東京", "body": "x"}, auth=auth
    )
    staff = bearer(await make_api_key(runtime))
    ticket = (await client.get(f"{API}/tickets", headers=staff)).json()["data"][0]
    await client.post(f"{API}/tickets/{ticket['id']}/reply", json={"content": "Grüße"}, headers=staff)
    await drain(runtime)
    subjects = [str(make_header(decode_header(mail["Subject"]))) for mail in inbox.messages]
    assert subjects == [f"[Ticket #{ticket['number']}] Zürich — 東京"]
