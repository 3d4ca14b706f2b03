"""Schemathesis over Hostlane's own OpenAPI document (``create_app(...).openapi()``): every operation, its bodies in
each media type the document lists (JSON and XML everywhere, form fields too in the client area), with an API key
holding ``*`` (the application face), as a customer over Basic and over a bearer token (the client area), and with
events signed by the webhook secret (the Stripe webhook).

Three checks hold for every answer: no 5xx (``not_a_server_error``), its status documented for the operation
(``status_code_conformance``), its body the documented schema for that status (``response_schema_conformance``):
successes included, as the application face and the client area document each success body (their ``schemas``
modules). An answer asked for in XML is checked for well-formedness only: the document lists the JSON schema for
XML too, but in XML every value is text (no numbers, booleans, nulls or one-item lists), so a JSON schema cannot
judge it; its data is the JSON answer's, which the schema does judge.

The run is bounded and deterministic: ``MAX_EXAMPLES`` cases per operation and strategy (valid data, invalid data,
valid data on rows that exist), derandomized (Hypothesis draws from a seed it derives from the test), no example
database, no shrinking. The app runs in-process on the suite's database (SQLite, and PostgreSQL when
HOSTLANE_TEST_DATABASE_URL is set): Hypothesis runs in a worker thread and each request runs on the test's event
loop, where the database's connections live. Every failure of every operation is reported, not only the first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import itertools
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from defusedxml.ElementTree import fromstring as parse_xml_safely
from fastapi import FastAPI
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from hostlane.app import FACES
from hostlane.billing import service as billing
from hostlane.billing.service import NewItem
from hostlane.core.formats import XML, dump_xml
from hostlane.faces import application, client, clientarea, partner, teampro, webhooks, xci
from hostlane.faces.face import Face, face_for
from hostlane.identity.principal import Principal
from hostlane.network import service as network
from hostlane.network.schemas import AddressAssign, PduCreate, PoolCreate, PortAssign
from hostlane.projects import service as projects
from hostlane.projects.schemas import ProjectCreate
from hostlane.runtime import Runtime
from hostlane.support import service as support
from hostlane.support.schemas import TicketOpen
from tests.conftest import ClientFactory
from tests.fixtures.factories import (
    make_admin,
    make_api_key,
    make_customer,
    make_department,
    make_pricing,
    make_product,
    make_service,
)
from tests.fixtures.http import basic, bearer
from tests.fixtures.partners import TOKEN_PATH, credentials, make_integration, make_partner
from tests.security.conftest import stripe_signature

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Cases per operation and strategy (a longer hunt: HOSTLANE_FUZZ_EXAMPLES=50 pytest tests/security/test_fuzz.py).
MAX_EXAMPLES = int(os.environ.get("HOSTLANE_FUZZ_EXAMPLES", "8"))
# Only the operations whose label holds this text, to look into one (HOSTLANE_FUZZ_ONLY="POST /api/order").
ONLY = os.environ.get("HOSTLANE_FUZZ_ONLY", "")
BASE_URL = "http://testserver"
PASSWORD = "s3cret-passw0rd"
SYSTEM = Principal.system()


# How the cases' bodies go on the wire: Hostlane's one XML mapping, and form fields as PHP builds them.


@schemathesis.serializer("application/xml")
def hostlane_xml(_: schemathesis.SerializationContext, value: Any) -> bytes:
    """A body as XML in the mapping every face reads (``hostlane.core.formats``)."""
    return value if isinstance(value, bytes) else dump_xml(value, root="request")


def _php_fields(value: Any, name: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            yield from _php_fields(item, f"{name}[{key}]" if name else str(key))
    elif value is not None or name:
        text = {True: "1", False: "0", None: ""}.get(value, value) if isinstance(value, bool | None) else value
        yield name, str(text)


@schemathesis.serializer("application/x-www-form-urlencoded")
def php_form(_: schemathesis.SerializationContext, value: Any) -> bytes:
    """Form fields with PHP's bracketed names (``a[b]=c``); a body that is no object goes as its JSON."""
    if isinstance(value, bytes):
        return value
    if not isinstance(value, dict):
        return json.dumps(value).encode()
    return str(httpx.QueryParams(list(_php_fields(value, "")))).encode()


# The run.


Prepare = Callable[[dict[str, Any]], dict[str, Any]]  # adds credentials (or a signature) to a request


@dataclass
class Outcome:
    """What one face's run did: the cases sent per operation, the statuses answered, every failure's report."""

    cases: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    bodies: dict[str, int] = field(default_factory=dict)  # cases per body media type
    failures: list[str] = field(default_factory=list)

    def summary(self, seconds: float) -> str:
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(self.statuses.items()))
        bodies = ", ".join(f"{media}: {count}" for media, count in sorted(self.bodies.items()))
        cases = sum(self.cases.values())
        return f"{len(self.cases)} operations, {cases} cases in {seconds:.1f} s; statuses {statuses}; bodies {bodies}"


def _request(case: schemathesis.Case, wants_xml: bool) -> dict[str, Any]:
    """The case as arguments of ``httpx.AsyncClient.request``."""
    prepared = case.as_transport_kwargs(base_url=BASE_URL)
    headers = {k: v for k, v in prepared.get("headers", {}).items() if k.lower() not in ("connection", "accept")}
    headers["Accept"] = XML if wants_xml else "application/json"
    request: dict[str, Any] = {
        "method": prepared["method"],
        "url": prepared["url"],
        "params": prepared.get("params") or None,
        "headers": headers,
        "cookies": prepared.get("cookies") or None,
    }
    if "json" in prepared:
        request["content"] = json.dumps(prepared["json"]).encode()  # any integer, however large
    elif prepared.get("data") is not None:
        data = prepared["data"]
        request["content"] = data.encode() if isinstance(data, str) else data
    return request


def _strategies(operation: schemathesis.APIOperation, known_ids: dict[str, list[int]]) -> list[Any]:
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    names = {parameter.name for parameter in operation.path_parameters}
    known = {name: ids for name, ids in known_ids.items() if name in names}
    if known and len(known) == len(names):
        # Valid data on rows that exist: random ids mostly miss, and a 404 says little.
        strategies.append(
            st.fixed_dictionaries({name: st.sampled_from(ids) for name, ids in known.items()}).flatmap(
                lambda ids: operation.as_strategy(GenerationMode.POSITIVE, path_parameters=ids)
            )
        )
    return strategies


def fuzz_operation(
    operation: schemathesis.APIOperation,
    send: Callable[[dict[str, Any]], httpx.Response],
    finish: Prepare,
    known_ids: dict[str, list[int]],
    outcome: Outcome,
) -> None:
    """Send the operation's cases and check every answer; a failure goes to ``outcome``'s report."""
    strategies = _strategies(operation, known_ids)
    sent = 0

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=MAX_EXAMPLES * len(strategies),
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        nonlocal sent
        sent += 1
        # Every other XML body asks for an XML answer too (the schemas are checked on the JSON answers).
        wants_xml = case.media_type == XML and sent % 2 == 0
        request = finish(_request(case, wants_xml))
        response = send(request)
        outcome.statuses[response.status_code] = outcome.statuses.get(response.status_code, 0) + 1
        media = (case.media_type or "none") + (" (XML answer)" if wants_xml else "")
        outcome.bodies[media] = outcome.bodies.get(media, 0) + 1
        try:
            if wants_xml:
                assert response.status_code < 500, response.text
                # A file the route answers whatever is asked (an export's CSV, XLSX or ZIP) is not an XML answer.
                media = response.headers.get("content-type", "").split(";", 1)[0].strip()
                # (An XLSX is "application/vnd.openxmlformats-…": "xml" in its name, a ZIP in its body.)
                if response.content and (media in (XML, "text/xml") or media.endswith("+xml")):
                    try:
                        parse_xml_safely(response.content)  # well-formed
                    except Exception as exc:
                        raise AssertionError(
                            f"[{response.status_code}] {response.headers.get('content-type')}: {exc}\n"
                            f"{response.text[:300]}\nsent: {request.get('content', b'')[:300]!r}"
                        ) from None
                return
            case.validate_response(response, checks=CHECKS, headers=request["headers"])
        except (Exception, BaseExceptionGroup) as exc:
            # Kept as it was: Hypothesis replays a failing case, and a case that changed the data (paid an invoice)
            # may not fail twice, which it then reports as flaky without the failure.
            found.append(f"{request['method']} {request['url']}: {_describe(exc)}")
            raise

    found: list[str] = []
    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # every operation runs; each failure is in the report
        outcome.failures.append(f"{operation.label}: {found[0] if found else _describe(exc)}")
    outcome.cases[operation.label] = sent


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, BaseExceptionGroup):
        text += "".join("\n  " + _describe(sub).replace("\n", "\n  ") for sub in exc.exceptions)
    return text


async def run_fuzz(
    app: FastAPI,
    client_for: ClientFactory,
    face: Face,
    *,
    prepare: Callable[[schemathesis.APIOperation, Callable[[dict[str, Any]], httpx.Response]], Prepare],
    known_ids: dict[str, list[int]] | None = None,
    part: Callable[[schemathesis.APIOperation], bool] = lambda operation: True,
) -> Outcome:
    """Fuzz every operation of ``face`` in the document (those ``part`` picks), deletions last (the others act on the
    rows first)."""
    schema = schemathesis.openapi.from_dict(_for_generation(app.openapi()))
    operations = [result.ok() for result in schema.get_all_operations()]
    chosen = sorted(
        (
            operation
            for operation in operations
            if face_for(operation.path, FACES) is face and part(operation) and ONLY in operation.label
        ),
        key=lambda operation: operation.method.upper() == "DELETE",
    )
    if not chosen and ONLY:
        pytest.skip(f"HOSTLANE_FUZZ_ONLY={ONLY!r} names no operation here")
    assert chosen, f"no operation of {face.tag}"
    loop = asyncio.get_running_loop()
    addresses = (f"10.0.{n // 250}.{n % 250 + 1}" for n in itertools.count())
    clients: dict[str, httpx.AsyncClient] = {}

    def send(operation: schemathesis.APIOperation, request: dict[str, Any]) -> httpx.Response:
        # One client address per operation: a login route's refusals ban its own address only.
        client = clients.setdefault(operation.label, client_for(next(addresses)))
        return asyncio.run_coroutine_threadsafe(client.request(**request), loop).result(timeout=60)

    def fuzz() -> Outcome:
        outcome = Outcome()
        for operation in chosen:
            to_operation = functools.partial(send, operation)
            fuzz_operation(operation, to_operation, prepare(operation, to_operation), known_ids or {}, outcome)
        return outcome

    started = time.monotonic()
    outcome = await asyncio.to_thread(fuzz)
    print(f"\n{face.tag}: {outcome.summary(time.monotonic() - started)}")
    return outcome


GENERATED_LENGTH = 200  # the longest text generated (a message may hold 65,535 characters: slow to draw, and no more)


def _for_generation(document: Any) -> Any:
    """The document with every ``maxLength`` at most ``GENERATED_LENGTH``: Hypothesis draws long texts slowly, and
    one with a pattern (a message's ``\\S``) very slowly."""
    if isinstance(document, dict):
        capped = {key: _for_generation(value) for key, value in document.items()}
        if isinstance(capped.get("maxLength"), int):
            capped["maxLength"] = min(capped["maxLength"], GENERATED_LENGTH)
        return capped
    if isinstance(document, list):
        return [_for_generation(value) for value in document]
    return document


def _report(outcome: Outcome) -> str:
    return "\n\n".join(outcome.failures)


def _with_headers(headers: dict[str, str]) -> Prepare:
    def finish(request: dict[str, Any]) -> dict[str, Any]:
        return {**request, "headers": {**request["headers"], **headers}}

    return finish


# The application face, with a key holding every permission.


async def _application_rows(runtime: Runtime) -> dict[str, list[int]]:
    product = await make_product(runtime)
    pricing = await make_pricing(runtime, int(str(product["id"])))
    customer = await make_customer(runtime, password=PASSWORD)
    service_id = await make_service(runtime, customer_id=int(str(customer["id"])))
    rows = await _customer_rows(runtime, int(str(customer["id"])), service_id)
    return {
        "customer_id": [int(str(customer["id"]))],
        "product_id": [int(str(product["id"]))],
        "group_id": [int(str(product["group_id"]))],
        "pricing_id": [int(str(pricing["id"]))],
        "service_id": [service_id],
        "invoice_id": rows["invoice_id"],
        "department_id": rows["department_id"],
        "ticket_id": rows["ticket_id"],
        "pool_id": rows["pool_id"],
        "address_id": rows["address_id"],
        "pdu_id": rows["pdu_id"],
        "port_id": rows["port_id"],
    }


def _resource(operation: schemathesis.APIOperation) -> str:
    """The resource an operation of the application face acts on: its path's first segment (``customers``)."""
    return operation.path.removeprefix(application.FACE.prefix + "/").split("/")[0]


APPLICATION_RESOURCES = sorted(
    {
        route.path.removeprefix(application.FACE.prefix + "/").split("/")[0]
        for router in application.FACE.routers
        for route in router.routes
        if isinstance(route, APIRoute)
    }
)


# The face's resources in two halves, so that the suite's two workers share the run.
@pytest.mark.parametrize("half", [0, 1])
async def test_the_application_face_under_fuzzing(
    runtime: Runtime, client_for: ClientFactory, shared_app: FastAPI, half: int
) -> None:
    key = await make_api_key(runtime, "*")
    known_ids = await _application_rows(runtime)
    resources = set(APPLICATION_RESOURCES[half::2])
    outcome = await run_fuzz(
        shared_app,
        client_for,
        application.FACE,
        prepare=lambda operation, send: _with_headers(bearer(key)),
        known_ids=known_ids,
        part=lambda operation: _resource(operation) in resources,
    )
    assert not outcome.failures, _report(outcome)


# The client area, as a customer: HTTP Basic and a bearer token in turn.


async def _customer_rows(runtime: Runtime, customer_id: int, service_id: int) -> dict[str, list[int]]:
    """An invoice, a ticket, an address and a PDU port of the customer's service."""
    department = await make_department(runtime)
    async with runtime.db.transaction() as session:
        invoice = await billing.issue_invoice(
            session, SYSTEM, customer_id, items=[NewItem("Hosting", 1500)], due_on=dt.date(2027, 1, 6)
        )
        ticket = await support.open_ticket(
            session,
            SYSTEM,
            TicketOpen(department_id=int(str(department["id"])), subject="Help", body="It is down."),
            customer_id=customer_id,
        )
        pool = await network.create_pool(session, SYSTEM, PoolCreate(name="v4", network="192.0.2.0/24"))
        address = await network.assign_address(session, SYSTEM, service_id, AddressAssign(pool_id=pool["id"]))
        pdu = await network.create_pdu(session, SYSTEM, PduCreate(name="pdu-a1", address="10.0.0.5", outlets=24))
        port = await network.assign_port(session, SYSTEM, service_id, PortAssign(pdu_id=pdu["id"], outlet=7))
    return {
        "invoice_id": [invoice.id],
        "department_id": [int(str(department["id"]))],
        "ticket_id": [int(ticket["id"])],
        "number": [int(ticket["number"])],
        "pool_id": [int(pool["id"])],
        "address_id": [int(address["id"])],
        "pdu_id": [int(pdu["id"])],
        "port_id": [int(port["id"])],
    }


async def test_the_client_area_under_fuzzing(runtime: Runtime, client_for: ClientFactory, shared_app: FastAPI) -> None:
    customer = await make_customer(runtime, password=PASSWORD)
    customer_id = int(str(customer["id"]))
    product = await make_product(runtime)
    await make_pricing(runtime, int(str(product["id"])))
    service_id = await make_service(runtime, customer_id=customer_id)
    rows = await _customer_rows(runtime, customer_id, service_id)
    known_ids = {"product_id": [int(str(product["id"]))], "service_id": [service_id], **rows}
    email = str(customer["email"])

    def prepare(operation: schemathesis.APIOperation, send: Callable[[dict[str, Any]], httpx.Response]) -> Prepare:
        # A token of its own per operation (``/logout`` and ``/revoke`` end theirs), from the operation's address.
        login = {"method": "POST", "url": f"{BASE_URL}/api/login", "json": {"username": email, "password": PASSWORD}}
        token = send(login).json()["token"]
        schemes = itertools.cycle([basic(email, PASSWORD), bearer(token)])

        def finish(request: dict[str, Any]) -> dict[str, Any]:
            return _with_headers(next(schemes))(request)

        return finish

    outcome = await run_fuzz(shared_app, client_for, clientarea.FACE, prepare=prepare, known_ids=known_ids)
    assert not outcome.failures, _report(outcome)


# The client API (CLIENTXCMS's /api/client), as a customer with a personal access token of its own per operation
# (logout, a password change and deletion end theirs).


async def test_the_client_api_under_fuzzing(runtime: Runtime, client_for: ClientFactory, shared_app: FastAPI) -> None:
    customer = await make_customer(runtime, password=PASSWORD)
    customer_id = int(str(customer["id"]))
    service_id = await make_service(runtime, customer_id=customer_id)
    rows = await _customer_rows(runtime, customer_id, service_id)
    known_ids = {"service_id": [service_id], **rows}
    email = str(customer["email"])

    def prepare(operation: schemathesis.APIOperation, send: Callable[[dict[str, Any]], httpx.Response]) -> Prepare:
        login = {
            "method": "POST",
            "url": f"{BASE_URL}/api/client/auth/login",
            "json": {"email": email, "password": PASSWORD},
        }
        return _with_headers(bearer(send(login).json()["token"]))

    outcome = await run_fuzz(shared_app, client_for, client.FACE, prepare=prepare, known_ids=known_ids)
    assert not outcome.failures, _report(outcome)


# The Stripe webhook, with events signed by its secret.


async def test_the_stripe_webhook_under_fuzzing(
    webhook_runtime: Runtime, client_for: ClientFactory, shared_app: FastAPI
) -> None:
    def prepare(operation: schemathesis.APIOperation, send: Callable[[dict[str, Any]], httpx.Response]) -> Prepare:
        def finish(request: dict[str, Any]) -> dict[str, Any]:
            signature = stripe_signature(request.get("content") or b"")
            return _with_headers({"Stripe-Signature": signature})(request)

        return finish

    outcome = await run_fuzz(shared_app, client_for, webhooks.FACE, prepare=prepare)
    assert not outcome.failures, _report(outcome)


# The XCI face, as a super-administrator logged in with the document's session cookie (one session per operation:
# ``/logout`` ends its own).


async def test_the_xci_face_under_fuzzing(runtime: Runtime, client_for: ClientFactory, shared_app: FastAPI) -> None:
    await make_admin(runtime, email="xci-fuzz@example.test", password=PASSWORD, super_admin=True)

    def prepare(operation: schemathesis.APIOperation, send: Callable[[dict[str, Any]], httpx.Response]) -> Prepare:
        login = {
            "method": "POST",
            "url": f"{BASE_URL}/api/1.0/login",
            "json": {"login": "xci-fuzz@example.test", "password": PASSWORD},
        }
        cookie = send(login).headers["set-cookie"].split(";", 1)[0]
        return _with_headers({"Cookie": cookie})

    outcome = await run_fuzz(shared_app, client_for, xci.FACE, prepare=prepare)
    assert not outcome.failures, _report(outcome)


# The wbTeamPro face, as an administrator granted the projects system (``username`` + the MD5 of its password).


async def test_the_teampro_face_under_fuzzing(runtime: Runtime, client_for: ClientFactory, shared_app: FastAPI) -> None:
    admin = await make_admin(runtime, password=PASSWORD, super_admin=True)  # granted every system
    password = hashlib.md5(PASSWORD.encode()).hexdigest()  # noqa: S324 - the document's login

    def prepare(operation: schemathesis.APIOperation, send: Callable[[dict[str, Any]], httpx.Response]) -> Prepare:
        def finish(request: dict[str, Any]) -> dict[str, Any]:
            params = {**dict(request.get("params") or {}), "username": admin.login, "password": password}
            return {**request, "params": params}

        return finish

    # Chains that name real rows (the document's resources; random chains mostly answer 400).
    async with runtime.db.transaction() as session:
        project = await projects.create_project(session, Principal.system(), ProjectCreate(title="Fuzzed project"))
    project_id = int(project["id"])
    chains: Any = {
        "chain": [
            f"v1/{keys}/{fmt}"
            for fmt in ("json", "xml")
            for keys in (
                "projects",
                f"projects/{project_id}",
                f"projects/{project_id}/actions",
                f"projects/{project_id}/topics",
                f"projects/{project_id}/timelogs",
                f"projects/{project_id}/files",
                "actions",
                "timelogs",
            )
        ]
    }
    outcome = await run_fuzz(shared_app, client_for, teampro.FACE, prepare=prepare, known_ids=chains)
    assert not outcome.failures, _report(outcome)


# The partner face: the token endpoint as any client (random credentials: refused, and counted by the ban of the
# operation's own address), the other routes with a partner's bearer token.


async def test_the_partner_face_under_fuzzing(runtime: Runtime, client_for: ClientFactory, shared_app: FastAPI) -> None:
    customer = await make_partner(runtime)
    issued = await make_integration(runtime, int(customer["id"]))  # type: ignore[call-overload]

    def prepare(operation: schemathesis.APIOperation, send: Callable[[dict[str, Any]], httpx.Response]) -> Prepare:
        if operation.path == TOKEN_PATH:
            return lambda request: request
        answer = send({"method": "POST", "url": f"{BASE_URL}{TOKEN_PATH}", "data": credentials(issued)})
        return _with_headers(bearer(answer.json()["access_token"]))

    outcome = await run_fuzz(shared_app, client_for, partner.FACE, prepare=prepare)
    assert not outcome.failures, _report(outcome)
