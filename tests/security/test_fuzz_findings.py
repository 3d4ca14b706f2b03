"""What the fuzz run (``test_fuzz.py``) found, each pinned by a focused test: statuses the OpenAPI document did not
list, request bodies it did not describe (so no client, and no fuzzer, could know them), and signed webhook events
that were a 500."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hostlane.billing import service as billing
from hostlane.billing.service import NewItem
from hostlane.core.formats import FORM, JSON, XML
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer
from tests.fixtures.http import assert_hostbill_error, assert_laravel_error, basic, bearer
from tests.security.conftest import stripe_signature

PASSWORD = "s3cret-passw0rd"
WEBHOOK = "/api/webhooks/stripe"


def _operation(app: FastAPI, path: str, method: str) -> dict[str, Any]:
    operation: dict[str, Any] = app.openapi()["paths"][path][method]
    return operation


def _error_body(app: FastAPI, path: str, method: str, status: int) -> dict[str, Any]:
    response: dict[str, Any] = _operation(app, path, method)["responses"][str(status)]
    return response


# Statuses an operation answers that the document did not list.


async def test_paying_with_too_little_credit_is_a_documented_402(
    runtime: Runtime, client: httpx.AsyncClient, shared_app: FastAPI
) -> None:
    """Found: ``POST /api/invoice/{id}/pay`` answered 402 (credit short), a status its operation did not list."""
    customer = await make_customer(runtime, password=PASSWORD)
    async with runtime.db.transaction() as session:
        invoice = await billing.issue_invoice(
            session,
            Principal.system(),
            int(str(customer["id"])),
            items=[NewItem("Hosting", 1500)],
            due_on=dt.date(2027, 1, 6),
        )
    response = await client.post(
        f"/api/invoice/{invoice.id}/pay", json={"method": "credit"}, headers=basic(str(customer["email"]), PASSWORD)
    )
    assert_hostbill_error(response, 402)
    documented = _error_body(shared_app, "/api/invoice/{invoice_id}/pay", "post", 402)
    assert documented["content"][JSON]["schema"] == {"$ref": "#/components/schemas/HostBillError"}
    assert "credit" in documented["description"]


@pytest.mark.parametrize(
    ("path", "method", "statuses", "shape"),
    [
        ("/api/application/invoices/{invoice_id}/charge", "post", [402], "LaravelError"),
        ("/api/service/{service_id}/rdns", "get", [502, 503], "HostBillError"),
        ("/api/service/{service_id}/rdns", "post", [502, 503], "HostBillError"),
        ("/api/service/{service_id}/pdu", "get", [502, 503], "HostBillError"),
        ("/api/service/{service_id}/pdu/{port_id}", "get", [502, 503], "HostBillError"),
        ("/api/service/{service_id}/pdu/{port_id}", "post", [502, 503], "HostBillError"),
    ],
)
def test_a_status_only_some_routes_answer_is_documented_on_them_in_the_faces_shape(
    shared_app: FastAPI, path: str, method: str, statuses: list[int], shape: str
) -> None:
    for status in statuses:
        documented = _error_body(shared_app, path, method, status)
        assert documented["content"][JSON]["schema"] == {"$ref": f"#/components/schemas/{shape}"}
        assert documented["content"][XML]["schema"] == {"$ref": f"#/components/schemas/{shape}"}
    # … and only on them: the details of an account never answer 402.
    assert "402" not in _operation(shared_app, "/api/details", "get")["responses"]


# Request bodies the document did not describe.


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("/api/login", None),
        ("/api/tickets", "CustomerTicketOpen"),
        ("/api/tickets/{number}", "ReplyIn"),
        ("/api/order/{product_id}", "ProductOrder"),
        ("/api/invoice/{invoice_id}/pay", "InvoicePayment"),
        ("/api/service/{service_id}/rdns", "RdnsIn"),
        ("/api/service/{service_id}/pdu/{port_id}", "PowerIn"),
    ],
)
def test_the_client_areas_request_bodies_are_documented_in_json_xml_and_form_fields(
    shared_app: FastAPI, path: str, schema: str | None
) -> None:
    content = _operation(shared_app, path, "post")["requestBody"]["content"]
    assert list(content) == [JSON, XML, FORM]
    if schema is None:  # the login's two text fields
        assert content[JSON]["schema"]["required"] == ["username", "password"]
    else:
        assert content[JSON]["schema"] == content[FORM]["schema"] == {"$ref": f"#/components/schemas/{schema}"}
        assert schema in shared_app.openapi()["components"]["schemas"]
    assert not any(key.startswith("x-hostlane") for key in _operation(shared_app, path, "post"))


def test_the_application_faces_bodies_are_documented_in_json_and_xml(shared_app: FastAPI) -> None:
    content = _operation(shared_app, "/api/application/customers", "post")["requestBody"]["content"]
    assert list(content) == [JSON, XML]
    assert content[XML]["schema"] == {"$ref": "#/components/schemas/CustomerCreate"}


async def test_an_xml_body_the_document_lists_is_read(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime, password=PASSWORD)
    response = await client.post(
        "/api/login",
        content=f"<request><username>{customer['email']}</username><password>{PASSWORD}</password></request>".encode(),
        headers={"Content-Type": XML},
    )
    assert response.status_code == 200 and set(response.json()) == {"token", "refresh"}


def test_the_webhook_documents_its_event_and_signature_as_json_only(shared_app: FastAPI) -> None:
    operation = _operation(shared_app, WEBHOOK, "post")
    assert list(operation["requestBody"]["content"]) == [JSON]
    assert operation["requestBody"]["content"][JSON]["schema"] == {"$ref": "#/components/schemas/StripeEvent"}
    assert [(p["name"], p["in"], p["required"]) for p in operation["parameters"]] == [
        ("Stripe-Signature", "header", True)
    ]


# Signed webhook events that were a 500.


@pytest.mark.parametrize(
    "event",
    [
        [1],  # signed, but not an object: the Stripe SDK failed on it with an AttributeError
        "evt",
        None,
        {},  # no type: a KeyError
        {"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}},  # no amount
        {"id": "evt_1", "type": "payment_intent.succeeded", "data": None},
        {
            "id": "evt_1",
            "type": "payment_intent.succeeded",
            "data": {"object": {"id": "pi_1", "amount": "many", "currency": "eur", "metadata": {"k": 1}}},
        },
    ],
)
async def test_a_signed_event_hostlane_cannot_read_is_a_400_not_a_500(
    webhook_runtime: Runtime, client: httpx.AsyncClient, event: object
) -> None:
    payload = json.dumps(event).encode()
    response = await client.post(
        WEBHOOK, content=payload, headers={"Content-Type": JSON, "Stripe-Signature": stripe_signature(payload)}
    )
    assert_laravel_error(response, 400)


async def test_a_signed_event_of_another_type_is_received(webhook_runtime: Runtime, client: httpx.AsyncClient) -> None:
    payload = json.dumps({"id": "evt_1", "type": "charge.refunded", "data": {"object": {"id": "ch_1"}}}).encode()
    response = await client.post(
        WEBHOOK, content=payload, headers={"Content-Type": JSON, "Stripe-Signature": stripe_signature(payload)}
    )
    assert response.status_code == 200 and response.json() == {"received": True, "settled": False}


async def test_an_unsigned_event_is_still_refused(webhook_runtime: Runtime, client: httpx.AsyncClient) -> None:
    payload = b'{"id": "evt_1", "type": "ping", "data": {"object": {}}}'
    response = await client.post(WEBHOOK, content=payload, headers={"Content-Type": JSON})
    assert_laravel_error(response, 400, "The Stripe signature does not verify.")


# Headers and query parameters the routes read that the document did not list.


def test_idempotency_key_is_documented_on_the_posts_of_faces_that_authenticate(shared_app: FastAPI) -> None:
    def headers(path: str, method: str) -> list[str]:
        return [p["name"] for p in _operation(shared_app, path, method).get("parameters", []) if p["in"] == "header"]

    assert headers("/api/application/orders", "post") == ["Idempotency-Key"]
    assert headers("/api/invoice/{invoice_id}/pay", "post") == ["Idempotency-Key"]
    assert headers("/api/application/orders", "get") == []
    assert headers(WEBHOOK, "post") == ["Stripe-Signature"]  # no caller to own a key


def test_a_lists_query_parameters_are_documented(shared_app: FastAPI) -> None:
    parameters = {p["name"]: p for p in _operation(shared_app, "/api/application/invoices", "get")["parameters"]}
    assert set(parameters) == {"page", "per_page", "cursor", "sort", "include", "filter"}
    assert parameters["page"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    assert parameters["filter"]["style"] == "deepObject" and "status" in parameters["filter"]["schema"]["properties"]


async def test_a_documented_sort_and_filter_are_read(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:index")
    await make_customer(runtime, lastname="Zed")
    await make_customer(runtime, lastname="Abel")
    response = await client.get(
        "/api/application/customers", params={"sort": "-lastname,id", "filter[lastname]": "e"}, headers=bearer(key)
    )
    assert response.status_code == 200, response.text
    assert [row["lastname"] for row in response.json()["data"]] == ["Zed", "Abel"]
