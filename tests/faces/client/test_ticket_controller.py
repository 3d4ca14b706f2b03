"""CLIENTXCMS's ``TicketControllerTest`` over HTTP, plus others' tickets, bad input and no token."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from hostlane.models import SupportReply, SupportTicket, TicketStatus
from hostlane.runtime import Runtime
from tests.faces.client.kit import API, assert_client_error, customer, logged_in
from tests.fixtures.factories import make_department


async def _open(client: httpx.AsyncClient, headers: dict[str, str], department_id: object, **fields: object) -> int:
    payload = {"department_id": department_id, "subject": "Test Ticket", "content": "Test message content", **fields}
    answer = await client.post(f"{API}/tickets", json=payload, headers=headers)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["data"]["id"])


async def test_customer_can_list_tickets(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    department = await make_department(runtime, name="Test Department")
    await _open(client, headers, department["id"])
    await _open(client, headers, department["id"])
    answer = await client.get(f"{API}/tickets", headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    assert len(body["data"]) == 2 and body["meta"]["total"] == 2 and "filters" in body
    assert set(body["data"][0]) >= {"id", "uuid", "subject", "status", "priority", "department", "created_at"}
    assert body["data"][0]["department"]["name"] == "Test Department"


async def test_customer_can_filter_tickets_by_status(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    department = await make_department(runtime)
    kept = await _open(client, headers, department["id"])
    closed = await _open(client, headers, department["id"])
    assert (await client.post(f"{API}/tickets/{closed}/close", headers=headers)).status_code == 200
    answer = await client.get(f"{API}/tickets?filter=open", headers=headers)
    assert [item["id"] for item in answer.json()["data"]] == [kept]
    assert_client_error(await client.get(f"{API}/tickets?filter=nope", headers=headers), 422)


async def test_customer_cannot_see_other_customer_tickets(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    _, theirs_headers = await logged_in(runtime, client)
    department = await make_department(runtime)
    theirs = await _open(client, theirs_headers, department["id"])
    assert (await client.get(f"{API}/tickets", headers=headers)).json()["data"] == []
    assert_client_error(await client.get(f"{API}/tickets/{theirs}", headers=headers), 404)
    for action in ("reply", "close", "reopen"):
        answer = await client.post(f"{API}/tickets/{theirs}/{action}", json={"content": "x"}, headers=headers)
        assert_client_error(answer, 404)


async def test_customer_can_view_ticket_details(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    department = await make_department(runtime)
    ticket_id = await _open(client, headers, department["id"])
    answer = await client.get(f"{API}/tickets/{ticket_id}", headers=headers)
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert set(data) >= {"id", "uuid", "subject", "status", "priority", "department", "messages", "attachments"}
    assert (data["id"], data["subject"]) == (ticket_id, "Test Ticket")
    assert [message["message"] for message in data["messages"]] == ["Test message content"]


async def test_customer_can_create_ticket(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    department = await make_department(runtime)
    answer = await client.post(
        f"{API}/tickets",
        json={
            "department_id": department["id"],
            "subject": "New Support Request",
            "content": "I need help.",
            "priority": "high",
        },
        headers=headers,
    )
    assert answer.status_code == 201
    assert set(answer.json()["data"]) >= {"id", "uuid", "subject", "status", "priority"}
    async with runtime.db.reader() as session:
        saved = await session.scalar(sa.select(SupportTicket).where(SupportTicket.customer_id == row["id"]))
    assert saved is not None and (saved.subject, str(saved.priority)) == ("New Support Request", "high")


async def test_create_ticket_refuses_bad_input(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    answer = await client.post(f"{API}/tickets", json={"subject": "", "priority": "urgent"}, headers=headers)
    assert_client_error(answer, 422)
    assert set(answer.json()["errors"]) == {"department_id", "subject", "content", "priority"}


async def test_customer_can_reply_to_ticket(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    department = await make_department(runtime)
    ticket_id = await _open(client, headers, department["id"])
    answer = await client.post(
        f"{API}/tickets/{ticket_id}/reply", json={"content": "This is my reply message."}, headers=headers
    )
    assert answer.status_code == 200 and answer.json()["message"]
    async with runtime.db.reader() as session:
        bodies = (await session.scalars(sa.select(SupportReply.body).where(SupportReply.ticket_id == ticket_id))).all()
    assert bodies == ["This is my reply message."]
    assert_client_error(await client.post(f"{API}/tickets/{ticket_id}/reply", json={}, headers=headers), 422)


async def test_customer_cannot_reply_to_closed_ticket(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    department = await make_department(runtime)
    ticket_id = await _open(client, headers, department["id"])
    await client.post(f"{API}/tickets/{ticket_id}/close", headers=headers)
    answer = await client.post(f"{API}/tickets/{ticket_id}/reply", json={"content": "Too late."}, headers=headers)
    assert_client_error(answer, 400)
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(SupportReply)) == 0


async def test_customer_can_close_and_reopen_ticket(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    department = await make_department(runtime)
    ticket_id = await _open(client, headers, department["id"])
    closed = await client.post(f"{API}/tickets/{ticket_id}/close", headers=headers)
    assert closed.status_code == 200 and closed.json()["data"]["status"] == "closed"
    assert_client_error(await client.post(f"{API}/tickets/{ticket_id}/close", headers=headers), 400)
    reopened = await client.post(f"{API}/tickets/{ticket_id}/reopen", headers=headers)
    assert reopened.status_code == 200 and reopened.json()["data"]["status"] == "open"
    assert_client_error(await client.post(f"{API}/tickets/{ticket_id}/reopen", headers=headers), 400)
    async with runtime.db.reader() as session:
        assert (
            await session.scalar(sa.select(SupportTicket.status).where(SupportTicket.id == ticket_id))
            is TicketStatus.OPEN
        )


async def test_customer_can_view_departments(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    await make_department(runtime, name="Sales")
    answer = await client.get(f"{API}/tickets/departments", headers=headers)
    assert answer.status_code == 200
    assert [row["name"] for row in answer.json()["departments"]] == ["Sales"]
    assert set(answer.json()["departments"][0]) == {"id", "name", "description"}
    assert set(answer.json()["priorities"]) == {"low", "medium", "high"}


async def test_tickets_need_a_token(client: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", ""),
        ("POST", ""),
        ("GET", "/departments"),
        ("GET", "/1"),
        ("POST", "/1/reply"),
        ("POST", "/1/close"),
        ("POST", "/1/reopen"),
    ):
        assert_client_error(await client.request(method, f"{API}/tickets{path}", json={}), 401)
    assert customer  # the helper stays importable for the others


# Attachments: files sent with a ticket or a reply (multipart), downloaded by the ticket's customer only.


async def test_a_ticket_opened_with_files_serves_them_back(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    department = await make_department(runtime)
    answer = await client.post(
        f"{API}/tickets",
        data={"department_id": str(department["id"]), "subject": "Logs", "content": "Attached."},
        files={
            "attachments[0]": ("../../etc/error.log", b"line 1\nline 2\n", "text/plain"),
            "attachments[1]": ("shot.png", b"\x89PNG\r\n\x1a\n...", "image/png"),
        },
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    ticket_id = answer.json()["data"]["id"]
    files = answer.json()["data"]["attachments"]
    assert [(item["name"], item["size"], item["message_id"]) for item in files] == [
        ("error.log", 14, None),
        ("shot.png", 11, None),
    ]
    shown = (await client.get(f"{API}/tickets/{ticket_id}", headers=headers)).json()["data"]["attachments"]
    assert shown == files
    download = await client.get(files[0]["url"], headers=headers)
    assert download.status_code == 200 and download.content == b"line 1\nline 2\n"
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''error.log"


async def test_a_reply_carries_its_files(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    department = await make_department(runtime)
    ticket_id = await _open(client, headers, department["id"])
    answer = await client.post(
        f"{API}/tickets/{ticket_id}/reply",
        data={"content": "Here it is."},
        files={"attachments[0]": ("invoice.pdf", b"%PDF-1.4 ...", "application/pdf")},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    [reply] = [message for message in answer.json()["data"]["messages"] if message["id"] is not None]
    [file] = answer.json()["data"]["attachments"]
    assert (file["name"], file["message_id"]) == ("invoice.pdf", reply["id"])


async def test_another_customers_attachment_is_404(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    _, theirs = await logged_in(runtime, client)
    department = await make_department(runtime)
    answer = await client.post(
        f"{API}/tickets",
        data={"department_id": str(department["id"]), "subject": "Mine", "content": "Private."},
        files={"attachments[0]": ("secret.txt", b"secret", "text/plain")},
        headers=theirs,
    )
    url = answer.json()["data"]["attachments"][0]["url"]
    assert_client_error(await client.get(url, headers=headers), 404)
    assert_client_error(await client.get(url), 401)
    ticket_id = answer.json()["data"]["id"]
    assert_client_error(await client.get(f"{API}/tickets/{ticket_id}/attachments/999999", headers=theirs), 404)
    assert_client_error(await client.get(f"{API}/tickets/{ticket_id}/attachments/0", headers=theirs), 422)


async def test_too_many_files_refuse_the_whole_ticket(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    department = await make_department(runtime)
    answer = await client.post(
        f"{API}/tickets",
        data={"department_id": str(department["id"]), "subject": "Many", "content": "Files."},
        files={f"attachments[{n}]": (f"f{n}.txt", b"x", "text/plain") for n in range(6)},
        headers=headers,
    )
    assert_client_error(answer, 422)
    assert list(answer.json()["errors"]) == ["attachments"]
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(SupportTicket)) == 0
