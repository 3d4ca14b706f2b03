"""The admin panel's tickets pages: the list and its filters, a ticket with its messages, a staff reply and
closing, each behind its permission and CSRF token."""

from __future__ import annotations

from typing import Any

from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from hostlane.support import service as support
from hostlane.support.schemas import TicketOpen
from tests.faces.web.conftest import Web, limited_admin
from tests.fixtures.factories import make_customer, make_department

SYSTEM = Principal.system()


async def make_ticket(
    runtime: Runtime, *, customer_id: int | None = None, department_id: int | None = None, subject: str = "Help"
) -> dict[str, Any]:
    if customer_id is None:
        customer_id = int((await make_customer(runtime))["id"])  # type: ignore[call-overload]
    if department_id is None:
        department_id = int((await make_department(runtime))["id"])  # type: ignore[call-overload]
    async with runtime.db.transaction() as session:
        return await support.open_ticket(
            session,
            SYSTEM,
            TicketOpen(department_id=department_id, subject=subject, body="My site is down since this morning."),
            customer_id=customer_id,
        )


async def _ticket(runtime: Runtime, ticket_id: int) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        return await support.get_ticket(session, SYSTEM, ticket_id)


async def test_the_list_filters_by_status_and_department(admin: Web, runtime: Runtime) -> None:
    sales = await make_department(runtime, name="Sales")
    waiting = await make_ticket(runtime, subject="Site down", department_id=int(sales["id"]))  # type: ignore[call-overload]
    closed = await make_ticket(runtime, subject="Old question")
    async with runtime.db.transaction() as session:
        await support.close_ticket(session, SYSTEM, int(closed["id"]))
    everything = await admin.get("/admin/tickets")
    assert everything.status_code == 200 and "2 tickets" in everything.text
    assert "Site down" in everything.text and "Sales" in everything.text
    open_ones = await admin.get("/admin/tickets", params={"status": "waiting"})
    assert "1 ticket" in open_ones.text and "Site down" in open_ones.text and "Old question" not in open_ones.text
    in_sales = await admin.get("/admin/tickets", params={"department": str(sales["id"])})
    assert f'href="/admin/tickets/{waiting["id"]}"' in in_sales.text and "Old question" not in in_sales.text
    closed_ones = await admin.get("/admin/tickets", params={"status": "closed"})
    assert "Old question" in closed_ones.text and "Site down" not in closed_ones.text


async def test_a_staff_reply_is_shown_and_answers_the_ticket(admin: Web, runtime: Runtime, admin_user: Any) -> None:
    ticket = await make_ticket(runtime, subject="Site down")
    page = await admin.get(f"/admin/tickets/{ticket['id']}")
    assert page.status_code == 200 and "My site is down since this morning." in page.text
    response = await admin.post(f"/admin/tickets/{ticket['id']}/reply", {"message": "We are on it.\nHold on."})
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/tickets/{ticket['id']}?notice=admin_ticket_replied"
    shown = await admin.get(response.headers["location"])
    assert "Your reply was sent to the customer." in shown.text and "We are on it.\nHold on." in shown.text
    after = await _ticket(runtime, int(ticket["id"]))
    assert after["status"] == "answered"
    assert [(reply["type"], reply["body"]) for reply in after["replies"]] == [("admin", "We are on it.\nHold on.")]


async def test_closing_a_ticket(admin: Web, runtime: Runtime) -> None:
    ticket = await make_ticket(runtime)
    response = await admin.post(f"/admin/tickets/{ticket['id']}/close")
    assert response.status_code == 303
    shown = await admin.get(response.headers["location"])
    assert "The ticket is closed." in shown.text and "Close the ticket" not in shown.text
    assert (await _ticket(runtime, int(ticket["id"])))["status"] == "closed"


async def test_an_empty_reply_is_refused_next_to_its_field(admin: Web, runtime: Runtime) -> None:
    ticket = await make_ticket(runtime)
    response = await admin.post(f"/admin/tickets/{ticket['id']}/reply", {"message": ""})
    assert response.status_code == 422
    assert '<p class="error" id="e-message">This field is required.</p>' in response.text
    assert (await _ticket(runtime, int(ticket["id"])))["replies"] == []


async def test_forms_without_their_csrf_token_are_refused(admin: Web, runtime: Runtime) -> None:
    ticket = await make_ticket(runtime)
    reply = await admin.post(f"/admin/tickets/{ticket['id']}/reply", {"message": "x"}, csrf=False)
    close = await admin.post(f"/admin/tickets/{ticket['id']}/close", csrf=False)
    assert reply.status_code == 403 and close.status_code == 403
    after = await _ticket(runtime, int(ticket["id"]))
    assert after["status"] == "open" and after["replies"] == []


async def test_subjects_and_messages_are_shown_as_text(admin: Web, runtime: Runtime) -> None:
    ticket = await make_ticket(runtime, subject="<script>alert(1)</script>{{7*7}}")
    await admin.post(f"/admin/tickets/{ticket['id']}/reply", {"message": "<img src=x onerror=alert(1)>"})
    for path in ["/admin/tickets", f"/admin/tickets/{ticket['id']}"]:
        page = await admin.get(path)
        assert "<script>alert(1)</script>" not in page.text and "<img src=x" not in page.text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in page.text, path


async def test_a_missing_ticket_is_a_404_page(admin: Web) -> None:
    assert (await admin.get("/admin/tickets/999999")).status_code == 404
    assert (await admin.post("/admin/tickets/999999/reply", {"message": "x"})).status_code == 404


async def test_not_logged_in_and_missing_permissions(browser_for: Any, runtime: Runtime) -> None:
    ticket = await make_ticket(runtime)
    anonymous: Web = browser_for("/admin")
    assert (await anonymous.get(f"/admin/tickets/{ticket['id']}")).status_code == 303
    nobody = await limited_admin(runtime, browser_for, "customers:index")
    for path in ["/admin/tickets", f"/admin/tickets/{ticket['id']}"]:
        assert (await nobody.get(path)).status_code == 403, path
    reader = await limited_admin(runtime, browser_for, "tickets:index", "tickets:show")
    page = await reader.get(f"/admin/tickets/{ticket['id']}")
    assert page.status_code == 200 and "/reply" not in page.text and "/close" not in page.text
    refused = await reader.post(f"/admin/tickets/{ticket['id']}/reply", {"message": "x"})
    assert refused.status_code == 403 and (await _ticket(runtime, int(ticket["id"])))["replies"] == []
