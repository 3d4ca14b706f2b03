"""The client-area document's Python examples, run as printed against Hostlane served over real HTTP.

Only the host, the credentials and the placeholders (@id, @number, refresh_tokenValue, the rDNS key/value
and powerValue) are replaced; each example's printed answer is read back and checked.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Iterator
from contextlib import redirect_stdout
from typing import Any

import httpx
import pytest
import requests

from hostlane.app import create_app
from hostlane.billing import service as billing
from hostlane.billing.service import NewItem
from hostlane.config import Settings
from hostlane.core import clock
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.runtime import Runtime
from hostlane.support import service as support
from tests.fixtures.factories import make_api_key, make_customer, make_department, make_service
from tests.fixtures.http import bearer
from tests.fixtures.live import LiveServer
from tests.fixtures.mail import Inbox

HOST = "https://cp.xsserver.gmbh"
PASSWORD = "s3cret-passw0rd"

# The document's Python examples, verbatim.
DETAILS_BASIC = """
req = requests.get('https://cp.xsserver.gmbh/api/details', auth=('username', 'password'))
print(req.json())
"""
LOGIN = """
payload = {
    'username': "user@example.com",
    'password': "secret"
}

req = requests.post('https://cp.xsserver.gmbh/api/login', json=payload)
print(req.json())
"""
LOGOUT = """
auth=('username', 'password')

req = requests.post('https://cp.xsserver.gmbh/api/logout', auth=auth)
print(req.json())
"""
TOKEN = """
payload = {
    'refresh_token': "refresh_tokenValue"
}

req = requests.post('https://cp.xsserver.gmbh/api/token', json=payload)
print(req.json())
"""
REVOKE = """
payload = {
    'refresh_token': "refresh_tokenValue"
}

req = requests.post('https://cp.xsserver.gmbh/api/revoke', json=payload)
print(req.json())
"""
GET = """
auth=('username', 'password')

req = requests.get('https://cp.xsserver.gmbh/api{path}', auth=auth)
print(req.json())
"""
CREATE_TICKET = """
payload = {
    'dept_id': 1,
    'subject': "Subject",
    'body': "Message ..."
}
auth=('username', 'password')

req = requests.post('https://cp.xsserver.gmbh/api/tickets', json=payload, auth=auth)
print(req.json())
"""
REPLY = """
payload = {
    'body': "reply text .."
}
auth=('username', 'password')

req = requests.post('https://cp.xsserver.gmbh/api/tickets/@number', json=payload, auth=auth)
print(req.json())
"""
PUT = """
auth=('username', 'password')

req = requests.put('https://cp.xsserver.gmbh/api/tickets/@number/{action}', auth=auth)
print(req.json())
"""
# The document's network examples omit credentials; Hostlane requires them, so they are the one addition.
RDNS_UPDATE = """
payload = {
    'ipaddress': {
        'key': "value"
    }
}

req = requests.post('https://cp.xsserver.gmbh/api/service/@id/rdns', json=payload)
print(req.json())
"""
PDU_SET = """
payload = {
    'power': "powerValue"
}

req = requests.post('https://cp.xsserver.gmbh/api/service/@id/pdu/@port', json=payload)
print(req.json())
"""


class Replay:
    def __init__(self, url: str, email: str) -> None:
        self.url, self.email = url, email

    def __call__(self, example: str, *, credentials: bool = False, **placeholders: str) -> Any:
        code = example.replace(HOST, self.url).replace("'username', 'password'", f"'{self.email}', '{PASSWORD}'")
        code = code.replace('"user@example.com"', f'"{self.email}"').replace('"secret"', f'"{PASSWORD}"')
        for placeholder, value in placeholders.items():
            code = code.replace(placeholder, value)
        if credentials:  # the credential-less examples, given the customer's Basic credentials
            given = f"auth=('{self.email}', '{PASSWORD}'))"
            code = code.replace("json=payload)", f"json=payload, {given}") if "json=payload)" in code else code
            code = code.replace("')\nprint", f"', {given}\nprint")
        printed = io.StringIO()
        with redirect_stdout(printed):
            exec(code, {"requests": requests})  # noqa: S102 - the document's own example code
        return ast.literal_eval(printed.getvalue())


@pytest.fixture
def live(settings: Settings) -> Iterator[str]:
    """Hostlane over real HTTP: its own runtime and connections (the server has its own event loop)."""
    served = settings.model_copy(update={"inprocess_jobs": False})
    with LiveServer(create_app(served)) as server:
        yield server.url


async def test_the_documents_python_examples_run_unchanged(
    runtime: Runtime, live: str, inbox: Inbox, settings: Settings
) -> None:
    customer = await make_customer(runtime, password=PASSWORD, firstname="Joe", lastname="Doe", currency="EUR")
    customer_id = int(customer["id"])  # type: ignore[call-overload]
    replay = Replay(live, str(customer["email"]))

    # Authentication.
    details = replay(DETAILS_BASIC)
    assert details["client"]["email"] == customer["email"] and details["client"]["id"] == str(customer_id)
    pair = replay(LOGIN)
    assert set(pair) == {"token", "refresh"}
    assert replay(LOGOUT) == {"status": True}
    rotated = replay(TOKEN, refresh_tokenValue=pair["refresh"])
    assert set(rotated) == {"token", "refresh"} and rotated["refresh"] != pair["refresh"]
    assert replay(REVOKE, refresh_tokenValue=rotated["refresh"]) == {"status": True}
    reused = replay(TOKEN, refresh_tokenValue=rotated["refresh"])
    assert reused["success"] is False

    # Billing.
    async with runtime.db.transaction() as session:
        invoice = await billing.issue_invoice(
            session, Principal.system(), customer_id, items=[NewItem("Web hosting", 1965)], due_on=clock.today()
        )
        invoice_id = invoice.id
    balance = replay(GET.replace("{path}", "/balance"))
    assert balance == {"success": True, "details": {"currency": "EUR", "acc_balance": "19.65", "acc_credit": "0.00"}}
    invoices = replay(GET.replace("{path}", "/invoice"))["invoices"]
    assert [(row["id"], row["total"], row["status"]) for row in invoices] == [(str(invoice_id), "19.65", "Unpaid")]
    detail = replay(GET.replace("{path}", "/invoice/@id"), **{"@id": str(invoice_id)})["invoice"]
    assert (detail["total"], detail["items"][0]["description"]) == (19.65, "Web hosting")

    # Support.
    department = await make_department(runtime, name="Billing")
    created = replay(CREATE_TICKET, **{"'dept_id': 1": f"'dept_id': {department['id']}"})
    number = str(created["ticket"])
    assert replay(GET.replace("{path}", "/tickets"))["tickets"][0]["ticket_number"] == number
    staff = httpx.AsyncClient(base_url=live, headers=bearer(await make_api_key(runtime)))
    ticket_id = await _ticket_id(runtime, number)
    answered = await staff.post(f"/api/application/tickets/{ticket_id}/reply", json={"content": "Vestibulum ac diam"})
    assert answered.status_code == 200
    await drain(runtime)
    assert f"[Ticket #{number}] Subject" in [mail["Subject"] for mail in inbox.messages]
    ticket = replay(GET.replace("{path}", "/tickets/@number"), **{"@number": number})
    assert ticket["ticket"]["status"] == "Answered" and ticket["replies"][0]["type"] == "Admin"
    assert replay(REPLY, **{"@number": number}) == {"info": ["reply_added"]}
    assert replay(PUT.replace("{action}", "close"), **{"@number": number}) == {"status": True}
    assert replay(PUT.replace("{action}", "open"), **{"@number": number}) == {"status": True}
    departments = replay(GET.replace("{path}", "/ticket/departments"))
    assert departments == {"depts": [{"id": str(department["id"]), "name": "Billing", "description": ""}]}

    # Network and power (staff first give the service an address and an outlet).
    service_id = str(await make_service(runtime, customer_id=customer_id))
    pool = (await staff.post("/api/application/ip-pools", json={"name": "v4", "network": "192.0.2.0/24"})).json()
    await staff.post(f"/api/application/services/{service_id}/ips", json={"pool_id": pool["id"]})
    pdu = (
        await staff.post("/api/application/pdus", json={"name": "pdu-1", "address": "10.0.0.5", "outlets": 8})
    ).json()
    port = (
        await staff.post(f"/api/application/services/{service_id}/pdu-ports", json={"pdu_id": pdu["id"], "outlet": 3})
    ).json()
    await staff.aclose()
    ips = replay(GET.replace("{path}", "/service/@id/ip"), **{"@id": service_id})
    assert [ip["ipaddress"] for ip in ips["ips"]] == ["192.0.2.1"]
    rdns = replay(
        RDNS_UPDATE, credentials=True, **{"@id": service_id, "'key'": "'192.0.2.1'", '"value"': '"mail.example.com"'}
    )
    assert rdns == {"success": True, "ipaddress": {"192.0.2.1": "mail.example.com"}}
    assert replay(GET.replace("{path}", "/service/@id/rdns"), **{"@id": service_id}) == rdns
    listed = replay(GET.replace("{path}", "/service/@id/pdu"), **{"@id": service_id})
    assert [(p["id"], p["port"], p["status"]) for p in listed["ports"]] == [(str(port["id"]), "3", "on")]
    switched = replay(PDU_SET, credentials=True, **{"@id": service_id, "@port": str(port["id"]), "powerValue": "off"})
    assert switched["port"]["status"] == "off"
    state = replay(GET.replace("{path}", "/service/@id/pdu/@port"), **{"@id": service_id, "@port": str(port["id"])})
    assert state["port"]["power"] is False


async def _ticket_id(runtime: Runtime, number: str) -> int:
    async with runtime.db.reader() as session:
        return await support.ticket_id(session, Principal.system(), int(number))
