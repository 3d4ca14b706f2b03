"""The client area reads a body however a HostBill client sends it: JSON, XML, form fields with PHP's
bracketed names, or multipart form data."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from hostlane.models import SupportTicket
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer, make_department, make_service
from tests.fixtures.http import assert_hostbill_error, basic, bearer

PASSWORD = "s3cret-passw0rd"


async def _customer(runtime: Runtime) -> dict[str, str]:
    customer = await make_customer(runtime, password=PASSWORD)
    return basic(str(customer["email"]), PASSWORD)


async def _subjects(runtime: Runtime) -> list[str]:
    async with runtime.db.reader() as session:
        return list(await session.scalars(sa.select(SupportTicket.subject).order_by(SupportTicket.id)))


async def test_a_ticket_from_multipart_form_data(runtime: Runtime, client: httpx.AsyncClient) -> None:
    auth = await _customer(runtime)
    department = await make_department(runtime)
    response = await client.post(
        "/api/tickets",
        data={"dept_id": str(department["id"]), "subject": "Sent as multipart", "body": "With a file beside it"},
        files={"attachment": ("notes.txt", b"an upload is not a field", "text/plain")},
        headers=auth,
    )
    assert response.status_code == 200 and isinstance(response.json()["ticket"], int)
    assert await _subjects(runtime) == ["Sent as multipart"]


async def test_a_ticket_from_xml(runtime: Runtime, client: httpx.AsyncClient) -> None:
    auth = await _customer(runtime)
    department = await make_department(runtime)
    body = f"<ticket><dept_id>{department['id']}</dept_id><subject>In XML</subject><body>Hi</body></ticket>"
    response = await client.post(
        "/api/tickets", content=body, headers={**auth, "Content-Type": "application/xml", "Accept": "application/xml"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    assert await _subjects(runtime) == ["In XML"]


async def test_a_multipart_body_missing_a_field_is_the_faces_422(runtime: Runtime, client: httpx.AsyncClient) -> None:
    auth = await _customer(runtime)
    response = await client.post("/api/tickets", files={"subject": (None, "no department")}, headers=auth)
    assert_hostbill_error(response, 422)
    assert "The dept_id field is required." in response.json()["error"]


async def test_reverse_dns_from_php_form_fields(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """``ipaddress[192.0.2.2]=host`` is the document's ``{"ipaddress": {"192.0.2.2": "host"}}``, and a blank
    name removes the record, as in JSON."""
    staff = bearer(await make_api_key(runtime))
    customer = await make_customer(runtime, password=PASSWORD)
    service_id = await make_service(runtime, customer_id=int(customer["id"]))  # type: ignore[call-overload]
    pool = await client.post("/api/application/ip-pools", json={"name": "v4", "network": "192.0.2.0/24"}, headers=staff)
    assigned = await client.post(
        f"/api/application/services/{service_id}/ips", json={"pool_id": pool.json()["id"]}, headers=staff
    )
    assert assigned.status_code == 201
    url, auth = f"/api/service/{service_id}/rdns", basic(str(customer["email"]), PASSWORD)
    changed = await client.post(url, content="ipaddress%5B192.0.2.1%5D=mail.example.com", headers=form(auth))
    assert changed.json() == {"success": True, "ipaddress": {"192.0.2.1": "mail.example.com"}}
    removed = await client.post(url, content="ipaddress[192.0.2.1]=", headers=form(auth))
    assert removed.json() == {"success": True, "ipaddress": {"192.0.2.1": ""}}


def form(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Content-Type": "application/x-www-form-urlencoded"}


async def test_nul_in_client_area_bodies_and_forms_is_refused(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime, password=PASSWORD)
    department = await make_department(runtime)
    auth = (str(customer["email"]), PASSWORD)
    as_json = await client.post(
        "/api/tickets", json={"dept_id": department["id"], "subject": "s", "body": "a\u0000b"}, auth=auth
    )
    as_form = await client.post(
        "/api/tickets", data={"dept_id": str(department["id"]), "subject": "s", "body": "a\x00b"}, auth=auth
    )
    for response in (as_json, as_form):
        assert response.status_code == 422
        assert response.json() == {"success": False, "error": ["Text may not contain NUL characters."]}
    # An escaped backslash followed by "u0000" is ordinary text.
    literal = await client.post(
        "/api/tickets",
        content=f'{{"dept_id": {department["id"]}, "subject": "s", "body": "C:\\\\u0000"}}',
        headers={"Content-Type": "application/json"},
        auth=auth,
    )
    assert literal.status_code == 200
