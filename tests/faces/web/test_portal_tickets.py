"""The client area's support pages: the list, opening a ticket, reading it, replying and closing."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from hostlane.identity.principal import Principal
from hostlane.models import SupportReply, SupportTicket, TicketStatus
from hostlane.runtime import Runtime
from hostlane.support import service as support
from hostlane.support.schemas import ReplyIn, TicketOpen
from tests.faces.web.conftest import Web
from tests.faces.web.portal_setup import other_customer
from tests.fixtures.factories import make_admin, make_department, make_service

XSS = "<script>alert(1)</script>{{7*7}}"


@pytest.fixture
async def department(runtime: Runtime) -> dict[str, Any]:
    return await make_department(runtime, name="Technical support")


async def _tickets(runtime: Runtime) -> list[SupportTicket]:
    async with runtime.db.reader() as session:
        return list((await session.scalars(sa.select(SupportTicket).order_by(SupportTicket.id))).all())


async def _open(runtime: Runtime, customer_id: int, department_id: int, subject: str = "Mail is down") -> int:
    principal = Principal.system()
    async with runtime.db.transaction() as session:
        opened = await support.open_ticket(
            session, principal, TicketOpen(department_id=department_id, subject=subject, body="Help"),
            customer_id=customer_id,
        )  # fmt: skip
    return int(opened["number"])


async def test_opening_a_ticket_about_a_service(
    runtime: Runtime, portal: Web, customer: dict[str, Any], department: dict[str, Any]
) -> None:
    service_id = await make_service(runtime, customer_id=int(customer["id"]))
    form = await portal.get(f"/portal/tickets/new?service={service_id}")
    assert form.status_code == 200 and "Technical support" in form.text
    assert f'<option value="{service_id}" selected>' in form.text
    opened = await portal.post(
        "/portal/tickets",
        {"department_id": department["id"], "subject": XSS, "body": "Line 1\n<b>Line 2</b>", "service_id": service_id},
    )
    assert opened.status_code == 303
    [ticket] = await _tickets(runtime)
    assert ticket.subject == XSS and ticket.service_id == service_id and ticket.customer_id == customer["id"]
    assert opened.headers["location"] == f"/portal/tickets/{ticket.number}?notice=ticket_opened"
    page = await portal.get(opened.headers["location"])
    assert "Your ticket is open" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in page.text and "<script>alert" not in page.text
    assert "&lt;b&gt;Line 2&lt;/b&gt;" in page.text and "Marie Dubois" in page.text
    listed = await portal.get("/portal/tickets")
    assert f"#{ticket.number} &lt;script&gt;" in listed.text


async def test_bad_input_is_shown_next_to_each_field_and_nothing_is_saved(
    runtime: Runtime, portal: Web, department: dict[str, Any]
) -> None:
    answer = await portal.post("/portal/tickets", {"department_id": "", "subject": "Kept subject", "body": " "})
    assert answer.status_code == 422
    assert '<p class="error" id="e-department_id">This field is required.</p>' in answer.text
    assert '<p class="error" id="e-body">This field is required.</p>' in answer.text
    assert 'value="Kept subject"' in answer.text
    unknown = await portal.post("/portal/tickets", {"department_id": "999999", "subject": "S", "body": "B"})
    assert unknown.status_code == 422 and 'id="e-department_id">Choose a department.' in unknown.text
    assert await _tickets(runtime) == []


async def test_someone_elses_service_cannot_be_named(runtime: Runtime, portal: Web, department: dict[str, Any]) -> None:
    theirs = await make_service(runtime, customer_id=int((await other_customer(runtime))["id"]))
    answer = await portal.post(
        "/portal/tickets", {"department_id": department["id"], "subject": "S", "body": "B", "service_id": theirs}
    )
    assert answer.status_code == 422 and 'id="e-service_id"' in answer.text and await _tickets(runtime) == []


async def test_reading_shows_who_wrote_each_message_then_reply_and_close(
    runtime: Runtime, portal: Web, customer: dict[str, Any], department: dict[str, Any]
) -> None:
    number = await _open(runtime, int(customer["id"]), int(department["id"]))
    staff = await make_admin(runtime)
    from hostlane.faces.web.auth import admin_principal

    admin = admin_principal(staff.id, [], super_admin=True, livemode=True, ip="127.0.0.1")
    async with runtime.db.transaction() as session:
        ticket_id = await support.ticket_id(session, admin, number)
        await support.reply(session, admin, ticket_id, ReplyIn(body="Have you tried turning it off?"))
    page = await portal.get(f"/portal/tickets/{number}")
    assert "Have you tried turning it off?" in page.text and staff.name in page.text and "(staff)" in page.text
    replied = await portal.post(f"/portal/tickets/{number}/reply", {"body": "Yes, twice."})
    assert replied.status_code == 303 and replied.headers["location"].endswith("?notice=ticket_replied")
    closed = await portal.post(f"/portal/tickets/{number}/close")
    assert closed.status_code == 303
    [ticket] = await _tickets(runtime)
    assert ticket.status is TicketStatus.CLOSED
    async with runtime.db.reader() as session:
        bodies = list((await session.scalars(sa.select(SupportReply.body).order_by(SupportReply.id))).all())
    assert bodies == ["Have you tried turning it off?", "Yes, twice."]
    shown = await portal.get("/portal/tickets")
    assert f"/portal/tickets/{number}" not in shown.text  # the list shows open tickets
    assert f"/portal/tickets/{number}" in (await portal.get("/portal/tickets?show=all")).text
    dashboard = await portal.get("/portal/")
    assert f"/portal/tickets/{number}" not in dashboard.text


async def test_an_empty_reply_is_refused(
    runtime: Runtime, portal: Web, customer: dict[str, Any], department: dict[str, Any]
) -> None:
    number = await _open(runtime, int(customer["id"]), int(department["id"]))
    answer = await portal.post(f"/portal/tickets/{number}/reply", {"body": "  "})
    assert answer.status_code == 422 and 'id="e-body">This field is required.' in answer.text
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(SupportReply)) == 0


async def test_another_customers_ticket_is_not_found(runtime: Runtime, portal: Web, department: dict[str, Any]) -> None:
    number = await _open(runtime, int((await other_customer(runtime))["id"]), int(department["id"]))
    assert (await portal.get(f"/portal/tickets/{number}")).status_code == 404
    assert (await portal.post(f"/portal/tickets/{number}/reply", {"body": "x"})).status_code == 404
    assert (await portal.post(f"/portal/tickets/{number}/close")).status_code == 404
    [ticket] = await _tickets(runtime)
    assert ticket.status is TicketStatus.OPEN


async def test_without_csrf_nothing_is_opened(runtime: Runtime, portal: Web, department: dict[str, Any]) -> None:
    answer = await portal.post(
        "/portal/tickets", {"department_id": department["id"], "subject": "S", "body": "B"}, csrf=False
    )
    assert answer.status_code == 403 and await _tickets(runtime) == []


async def test_not_logged_in_goes_to_the_login(browser_for: Any) -> None:
    answer = await browser_for("/portal").get("/portal/tickets")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/portal/login")
