"""Hostile input: bodies nested deep, integers past 64 bits, control characters in stored text, a forged
``Host`` in pagination links. Each is a 4xx in the face's error shape (never a 500), before any
authentication or database work where the decoder can tell."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa
from defusedxml.ElementTree import fromstring as parse_xml_safely

from hostlane.config import Settings, use_settings
from hostlane.core import formats
from hostlane.core.errors import BadRequest
from hostlane.models import Invoice, SupportTicket
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import (
    make_api_key,
    make_customer,
    make_department,
    make_group,
    make_pricing,
    make_product,
)
from tests.fixtures.http import assert_hostbill_error, assert_laravel_error, basic, bearer
from tests.security.conftest import stripe_signature

API = "/api/application"
PASSWORD = "s3cret-passw0rd"
DEEP = 1000
HUGE = "9" * 30  # past 64 bits
XML_HEADERS = {"Content-Type": "application/xml"}


def _deep_xml(levels: int = DEEP) -> bytes:
    return b"<a>" * levels + b"x" + b"</a>" * levels


def _deep_json(levels: int = DEEP) -> bytes:
    return b'{"custom": ' + b'{"a": ' * levels + b"1" + b"}" * levels + b"}"


# Deep bodies: refused by the decoder, before the route's dependencies (authentication) run.


@pytest.mark.parametrize("path", ["/api/login", "/api/token", "/api/tickets"])
async def test_deep_xml_to_the_client_area_is_its_4xx_before_authentication(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(path, content=_deep_xml(), headers=XML_HEADERS)
    assert_hostbill_error(response, 400)
    assert "nest" in response.json()["error"][0]


async def test_deep_xml_to_the_application_face_without_a_key_is_a_400_not_a_401(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/customers", content=_deep_xml(), headers=XML_HEADERS)
    assert_laravel_error(response, 400)
    assert "nest" in response.json()["message"]


async def test_deep_json_is_refused_before_authentication(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/customers", content=_deep_json(), headers={"Content-Type": "application/json"})
    assert_laravel_error(response, 400)
    response = await client.post("/api/order/1", content=_deep_json(), headers={"Content-Type": "application/json"})
    assert_hostbill_error(response, 400)


async def test_deep_json_in_an_orders_custom_field_is_a_4xx(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime, password=PASSWORD)
    product = await make_product(runtime)
    await make_pricing(runtime, int(str(product["id"])))
    shallow = {"custom": {"a": {"b": 1}}}
    placed = await client.post(
        f"/api/order/{product['id']}", json=shallow, headers=basic(str(customer["email"]), PASSWORD)
    )
    assert placed.status_code == 200, placed.text  # the same order, nested a little, is taken
    response = await client.post(
        f"/api/order/{product['id']}",
        content=_deep_json(),
        headers=basic(str(customer["email"]), PASSWORD, **{"Content-Type": "application/json"}),
    )
    assert_hostbill_error(response, 400)


async def test_deep_php_form_fields_are_a_4xx(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/login", content=b"username" + b"[a]" * DEEP + b"=x", headers={"Content-Type": formats.FORM}
    )
    assert_hostbill_error(response, 400)


def test_the_decoder_caps_depth_and_element_count() -> None:
    with pytest.raises(BadRequest, match="nests deeper than 32 levels"):
        formats.decode_body(_deep_xml(33), formats.XML)
    with pytest.raises(BadRequest, match="nests deeper than 32 levels"):
        formats.decode_body(b"[" * 33 + b"]" * 33, formats.JSON)
    assert formats.decode_body(_deep_xml(32), formats.XML) is not None  # exactly the cap is taken
    assert formats.decode_body(b"[" * 32 + b"]" * 32, formats.JSON) is not None
    assert formats.decode_body(
        b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"[["}', formats.JSON
    )  # strings are text
    many = b"<r>" + b"<i>1</i>" * 10_000 + b"</r>"
    with pytest.raises(BadRequest, match="more than 10000 values"):
        formats.decode_body(many, formats.XML)
    with pytest.raises(BadRequest, match="more than 10000 values"):
        formats.decode_body(b"[" + b"1," * 10_000 + b"1]", formats.JSON)
    with pytest.raises(BadRequest, match="more than 10000 values"):
        formats.decode_fields(b"&".join([b"a[]=1"] * 10_001), formats.FORM)


# Integers past 64 bits: a 422 naming the field.


@pytest.mark.parametrize("name", ["page", "per_page"])
async def test_a_huge_page_is_a_422_naming_it(runtime: Runtime, client: httpx.AsyncClient, name: str) -> None:
    key = await make_api_key(runtime)
    response = await client.get(f"{API}/customers", params={name: HUGE}, headers=bearer(key))
    assert_laravel_error(response, 422)
    assert name in response.json()["errors"]


async def test_a_page_far_past_the_end_is_an_empty_page_not_a_500(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime)
    response = await client.get(f"{API}/customers", params={"page": str(2**31 - 1)}, headers=bearer(key))
    assert response.status_code == 200 and response.json()["data"] == []


@pytest.mark.parametrize(
    ("path", "field"),
    [("/groups", "sort_order"), ("/products", "stock"), ("/products", "sort_order"), ("/invoices", "items.0.qty")],
)
async def test_a_huge_integer_in_a_body_is_a_422_naming_it(
    runtime: Runtime, client: httpx.AsyncClient, path: str, field: str
) -> None:
    key = await make_api_key(runtime)
    group = await make_group(runtime)
    customer = await make_customer(runtime)
    bodies = {
        "/groups": {"name": "G", "sort_order": int(HUGE)},
        "/products": {"name": "P", "group_id": group["id"], field: int(HUGE)},
        "/invoices": {"customer_id": customer["id"], "items": [{"description": "x", "amount": "1", "qty": int(HUGE)}]},
    }
    response = await client.post(f"{API}{path}", json=bodies[path], headers=bearer(key))
    assert_laravel_error(response, 422)
    assert field in response.json()["errors"], response.json()


async def test_a_huge_amount_is_a_422_naming_it(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime)
    customer = await make_customer(runtime)
    body = {"customer_id": customer["id"], "items": [{"description": "x", "amount": int(HUGE)}]}
    response = await client.post(f"{API}/invoices", json=body, headers=bearer(key))
    assert_laravel_error(response, 422)
    assert "items.0.amount" in response.json()["errors"]


async def test_the_largest_amount_is_stored_and_one_cent_more_is_a_422(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = await make_api_key(runtime)
    customer = await make_customer(runtime)
    item = {"description": "x", "amount": "999999999.99", "qty": 10000}
    body = {"customer_id": customer["id"], "items": [item] * 200}
    response = await client.post(f"{API}/invoices", json=body, headers=bearer(key))
    assert response.status_code == 201, response.text
    body["items"] = [{**item, "amount": "1000000000.00"}]
    response = await client.post(f"{API}/invoices", json=body, headers=bearer(key))
    assert_laravel_error(response, 422)
    assert "items.0.amount" in response.json()["errors"]


async def test_a_customer_balance_past_64_bits_does_not_500(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """An invoice's total fits a 64-bit integer (``money.MAX_MINOR``: up to 6 x 10^18 with 200 lines of 10,000
    of the largest amount in a three-decimal currency, taxed twice at 100 %); two such unpaid invoices made the
    balance's SQL ``sum()`` overflow. Stored totals are set directly: building them through the API takes long."""
    key = await make_api_key(runtime)
    customer = await make_customer(runtime, password=PASSWORD)
    body = {"customer_id": customer["id"], "items": [{"description": "x", "amount": "1.00"}]}
    for _ in range(3):
        created = await client.post(f"{API}/invoices", json=body, headers=bearer(key))
        assert created.status_code == 201, created.text
    async with runtime.db.transaction() as session:
        await session.execute(sa.update(Invoice).values(total_minor=6 * 10**18))
    response = await client.get("/api/balance", headers=basic(str(customer["email"]), PASSWORD))
    assert response.status_code == 200, response.text
    assert response.json()["details"]["acc_balance"] == "180000000000000000.00"


# Control characters in stored text: the XML answer stays well-formed.


async def test_a_control_character_in_a_ticket_subject_keeps_the_xml_answer_well_formed(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = await make_api_key(runtime)
    customer = await make_customer(runtime)
    department = await make_department(runtime)
    body = {"customer_id": customer["id"], "department_id": department["id"], "subject": "Bell", "body": "b\x07ell\x1b"}
    created = await client.post(f"{API}/tickets", json=body, headers=bearer(key))
    assert created.status_code == 201, created.text
    ticket = created.json()["id"]
    shown = f"{API}/tickets/{ticket}?include=messages"
    response = await client.get(shown, headers=bearer(key, Accept="application/xml"))
    assert response.status_code == 200
    parse_xml_safely(response.content)  # raises on a malformed document
    assert "b\ufffdell\ufffd" in response.text


def test_dump_xml_replaces_what_xml_cannot_carry_and_keeps_the_rest() -> None:
    """XML 1.0 cannot carry C0 controls but tab, line feed and carriage return, lone surrogates, U+FFFE and
    U+FFFF: each becomes U+FFFD (a reader sees something was there); everything else is kept."""
    text = "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ud800h\ufffei\uffffj\tk\nl m\u00e9\U0001f600\x7f"
    document = parse_xml_safely(formats.dump_xml({"subject": text, "bad\x01key": "v"}))
    kept = "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg\ufffdh\ufffdi\ufffdj\tk\nl m\u00e9\U0001f600\x7f"
    assert document.findtext("subject") == kept
    assert document.find("entry").get("key") == "bad\ufffdkey"


async def test_a_control_character_stored_in_a_ticket_subject_keeps_the_xml_answer_well_formed(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    """Stored before subjects were checked (or by an import): the answer replaces it rather than breaking."""
    key = await make_api_key(runtime)
    customer = await make_customer(runtime)
    department = await make_department(runtime)
    body = {"customer_id": customer["id"], "department_id": department["id"], "subject": "Bell", "body": "Hello"}
    created = await client.post(f"{API}/tickets", json=body, headers=bearer(key))
    ticket = created.json()["id"]
    async with runtime.db.transaction() as session:
        await session.execute(sa.update(SupportTicket).values(subject="Bell\x07\x1b"))
    response = await client.get(f"{API}/tickets/{ticket}", headers=bearer(key, Accept="application/xml"))
    assert response.status_code == 200
    assert parse_xml_safely(response.content).findtext(".//subject") == "Bell\ufffd\ufffd"
    response = await client.get(f"{API}/tickets/{ticket}", headers=bearer(key))
    assert response.json()["data"][0]["subject"] == "Bell\x07\x1b"  # JSON carries it escaped, as it is


# Pagination links: from the configured public URL, never from a forged Host.


async def test_pagination_links_use_the_public_url_and_ignore_a_forged_host(
    runtime: Runtime, settings: Settings, client: httpx.AsyncClient
) -> None:
    key = await make_api_key(runtime)
    for _ in range(3):
        await make_customer(runtime)
    use_settings(settings.model_copy(update={"public_url": "https://billing.example.net"}))
    try:
        response = await client.get(
            f"{API}/customers", params={"per_page": 1}, headers=bearer(key, Host="evil.example")
        )
    finally:
        use_settings(settings)
    assert response.status_code == 200, response.text
    links = response.json()["links"]
    assert links["next"] == "https://billing.example.net/api/application/customers?per_page=1&page=2"
    assert response.json()["meta"]["path"] == "https://billing.example.net/api/application/customers"
    assert "evil" not in response.text


async def test_behind_a_trusted_proxy_links_use_its_forwarded_host(
    runtime: Runtime, settings: Settings, client_for: ClientFactory
) -> None:
    key = await make_api_key(runtime)
    for _ in range(2):
        await make_customer(runtime)
    headers = bearer(key, **{"X-Forwarded-Host": "billing.example.org", "X-Forwarded-Proto": "https"})
    use_settings(settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]}))
    try:
        proxied = await client_for("10.0.0.5").get(f"{API}/customers", params={"per_page": 1}, headers=headers)
        direct = await client_for("192.0.2.7").get(f"{API}/customers", params={"per_page": 1}, headers=headers)
    finally:
        use_settings(settings)
    assert proxied.json()["links"]["next"] == "https://billing.example.org/api/application/customers?per_page=1&page=2"
    assert direct.json()["links"]["next"] == "/api/application/customers?per_page=1&page=2"  # not believed


async def test_without_a_public_url_a_forged_host_is_not_echoed(runtime: Runtime, client_for: ClientFactory) -> None:
    key = await make_api_key(runtime)
    for _ in range(2):
        await make_customer(runtime)
    response = await client_for().get(
        f"{API}/customers", params={"per_page": 1}, headers=bearer(key, Host="evil.example")
    )
    assert response.status_code == 200, response.text
    assert "evil" not in response.text
    assert response.json()["links"]["next"] == "/api/application/customers?per_page=1&page=2"  # relative


# The Stripe webhook behind the same caps: refused before its signature is even checked, and still signed.

WEBHOOK = "/api/webhooks/stripe"
JSON_HEADERS = {"Content-Type": "application/json"}


async def test_a_deep_webhook_body_is_a_400_even_signed(webhook_runtime: Runtime, client: httpx.AsyncClient) -> None:
    deep = b'{"id": "evt_1", "type": "ping", "data": {"object": ' + b'{"a": ' * DEEP + b"1" + b"}" * DEEP + b"}}"
    response = await client.post(
        WEBHOOK, content=deep, headers={**JSON_HEADERS, "Stripe-Signature": stripe_signature(deep)}
    )
    assert_laravel_error(response, 400)
    assert "nest" in response.json()["message"]


async def test_a_webhook_body_with_too_many_values_is_a_400(
    webhook_runtime: Runtime, client: httpx.AsyncClient
) -> None:
    wide = b'{"id": "evt_1", "type": "ping", "data": {"object": {"list": [' + b",".join([b"1"] * 20_000) + b"]}}}"
    response = await client.post(
        WEBHOOK, content=wide, headers={**JSON_HEADERS, "Stripe-Signature": stripe_signature(wide)}
    )
    assert_laravel_error(response, 400)
    assert "values" in response.json()["message"]


async def test_an_oversized_webhook_body_is_a_413(webhook_runtime: Runtime, client: httpx.AsyncClient) -> None:
    huge = b'{"id": "evt_1", "type": "ping", "data": {"object": {"pad": "' + b"x" * (3 * 1024 * 1024) + b'"}}}'
    response = await client.post(
        WEBHOOK, content=huge, headers={**JSON_HEADERS, "Stripe-Signature": stripe_signature(huge)}
    )
    assert_laravel_error(response, 413)


async def test_an_xml_webhook_body_is_a_415(webhook_runtime: Runtime, client: httpx.AsyncClient) -> None:
    xml = b"<event><id>evt_1</id><type>ping</type></event>"
    response = await client.post(
        WEBHOOK, content=xml, headers={**XML_HEADERS, "Stripe-Signature": stripe_signature(xml)}
    )
    assert_laravel_error(response, 415)


async def test_a_webhook_within_the_caps_still_needs_its_signature(
    webhook_runtime: Runtime, client: httpx.AsyncClient
) -> None:
    event = b'{"id": "evt_1", "type": "ping", "data": {"object": {"id": "x"}}}'
    forged = await client.post(
        WEBHOOK, content=event, headers={**JSON_HEADERS, "Stripe-Signature": stripe_signature(event, "whsec_wrong")}
    )
    assert_laravel_error(forged, 400, "The Stripe signature does not verify.")
    signed = await client.post(
        WEBHOOK, content=event, headers={**JSON_HEADERS, "Stripe-Signature": stripe_signature(event)}
    )
    assert signed.status_code == 200 and signed.json() == {"received": True, "settled": False}
