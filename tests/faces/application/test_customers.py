"""The customers routes of the application face: CRUD, list queries, errors, modes, formats, audit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hostlane.core.formats import load_xml
from hostlane.core.passwords import verify_password
from hostlane.jobs.runner import drain
from hostlane.models import AuditEntry, Customer
from hostlane.runtime import Runtime
from tests.faces.application.test_services import SERVICE_FIELDS
from tests.fixtures.factories import make_admin, make_api_key, make_customer, make_product, make_service
from tests.fixtures.http import JSON, XML, assert_missing_permission, bearer, page_of_one

PREFIX = "/api/application"
CUSTOMERS = f"{PREFIX}/customers"
# CLIENTXCMS's customer, in its order, then Hostlane's own facts (currency, status, taxexempt, updated_at, partner).
CUSTOMER_KEYS = [
    "id",
    "firstname",
    "lastname",
    "email",
    "locale",
    "phone",
    "address",
    "address2",
    "city",
    "country",
    "region",
    "zipcode",
    "email_verified_at",
    "balance",
    "last_login",
    "is_confirmed",
    "is_deleted",
    "deleted_at",
    "notes",
    "created_at",
    "company_name",
    "billing_details",
    "currency",
    "status",
    "taxexempt",
    "updated_at",
    "partner",
]
CUSTOMER_FIELDS = set(CUSTOMER_KEYS)
SECRET = "s3cret-passw0rd"
VALID = {"email": "new@example.com", "firstname": "Grace", "lastname": "Hopper", "country": "US"}


def auth(key: str, **extra: str) -> dict[str, str]:
    return bearer(key, **{"Accept": JSON, **extra})


def xml_auth(key: str) -> dict[str, str]:
    return bearer(key, Accept=XML)


def as_xml_text(value: object) -> object:
    """What JSON data reads as once it went through XML: scalars become text, booleans lower case."""
    if isinstance(value, dict):
        return {k: as_xml_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_xml_text(v) for v in value]
    return value if value is None or isinstance(value, str) else str(value).lower()


def cid(row: dict[str, object]) -> int:
    value = row["id"]
    assert isinstance(value, int)
    return value


async def customer_rows(runtime: Runtime) -> int:
    async with runtime.db.reader() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(Customer)) or 0)


async def audit_rows(runtime: Runtime, action: str | None = None) -> list[AuditEntry]:
    """Audit rows about customers (``action`` alone if given)."""
    statement = sa.select(AuditEntry).where(AuditEntry.object_type == "customer").order_by(AuditEntry.id)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    async with runtime.db.reader() as session:
        return list((await session.scalars(statement)).all())


async def stored(runtime: Runtime, customer_id: int) -> Customer:
    async with runtime.db.reader() as session:
        row = await session.get(Customer, customer_id)
    assert row is not None
    return row


def assert_no_secret(response: httpx.Response) -> None:
    text = response.text.lower()
    assert "password" not in text
    assert SECRET.lower() not in text
    assert "$argon2" not in text


# Create


async def test_create_returns_201_with_the_exact_fields(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:create", "customers:index")
    payload = {
        "email": "Grace.Hopper@Example.COM",
        "firstname": "Grace",
        "lastname": "Hopper",
        "company_name": "Navy",
        "billing_details": "VAT US123",
        "address": "1 Cobol Street",
        "address2": "Floor 2",
        "city": "Arlington",
        "region": "Virginia",
        "zipcode": "22201",
        "country": "us",
        "phone": "+1 555 0100",
        "locale": "en_US",
        "currency": "usd",
        "balance": "12.5",
        "verified": True,
        "status": "active",
        "notes": "first programmer",
        "password": SECRET,
    }
    response = await client.post(CUSTOMERS, json=payload, headers=auth(key))
    assert response.status_code == 201, response.text
    body = response.json()
    assert list(body) == CUSTOMER_KEYS
    assert_no_secret(response)
    assert body["email"] == "grace.hopper@example.com"
    assert body["country"] == "US" and body["currency"] == "USD"
    assert body["balance"] == 12.5 and isinstance(body["balance"], float)
    assert body["is_confirmed"] is True and body["email_verified_at"].endswith("Z")
    assert body["status"] == "active" and body["locale"] == "en_US"
    assert (body["company_name"], body["address"], body["address2"]) == ("Navy", "1 Cobol Street", "Floor 2")
    assert (body["city"], body["region"], body["zipcode"]) == ("Arlington", "Virginia", "22201")
    assert body["billing_details"] == "VAT US123"
    assert body["phone"] == "+1 555 0100" and body["notes"] == "first programmer"
    assert body["last_login"] is None
    assert body["is_deleted"] is False and body["deleted_at"] is None
    assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")
    assert isinstance(body["id"], int)

    shown = await client.get(f"{CUSTOMERS}/{body['id']}", headers=auth(key))
    assert shown.status_code == 200
    assert shown.json() == body
    assert_no_secret(shown)
    row = await stored(runtime, body["id"])
    assert verify_password(row.password_hash, SECRET)
    assert row.credit_minor == 1250 and row.livemode is True


async def test_create_fills_defaults(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:create")
    response = await client.post(CUSTOMERS, json=VALID, headers=auth(key))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["currency"] == runtime.settings.currencies[0] == "EUR"
    assert body["locale"] == runtime.settings.default_locale
    assert body["balance"] == 0
    assert body["is_confirmed"] is False and body["email_verified_at"] is None
    assert body["status"] == "active"
    for name in ("company_name", "address", "address2", "city", "region", "zipcode", "phone", "notes"):
        assert body[name] is None, name
    assert (await stored(runtime, body["id"])).password_hash is None


@pytest.mark.parametrize(
    ("balance", "shown", "minor"),
    [("12.5", 12.5, 1250), (12.5, 12.5, 1250), (19.99, 19.99, 1999), ("0", 0, 0), (7, 7, 700)],
)
async def test_balance_is_a_json_number(
    runtime: Runtime, client: httpx.AsyncClient, balance: object, shown: float, minor: int
) -> None:
    key = await make_api_key(runtime, "customers:create")
    response = await client.post(CUSTOMERS, json={**VALID, "balance": balance}, headers=auth(key))
    assert response.status_code == 201, response.text
    assert response.json()["balance"] == shown
    assert (await stored(runtime, response.json()["id"])).credit_minor == minor


async def test_create_also_understands_hostlane_and_hostbill_names(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:create")
    payload = {
        **VALID,
        "address1": "12 rue de la Paix",
        "postcode": "75002",
        "state": "Ile-de-France",
        "companyname": "Acme SAS",
        "phonenumber": "+33 1 23 45 67 89",
    }
    response = await client.post(CUSTOMERS, json=payload, headers=auth(key))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["address"] == "12 rue de la Paix"
    assert body["zipcode"] == "75002"
    assert body["region"] == "Ile-de-France"
    assert body["company_name"] == "Acme SAS"
    assert body["phone"] == "+33 1 23 45 67 89"
    assert not {"address1", "postcode", "state", "companyname", "phonenumber"} & set(body)


async def test_create_from_a_form_body_with_clientxcms_names(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:create")
    form = {
        "email": "form@example.com",
        "firstname": "Form",
        "lastname": "Sender",
        "country": "FR",
        "address": "3 rue Basse",
        "zipcode": "59100",
        "region": "Hauts-de-France",
        "city": "Roubaix",
        "company_name": "PHP SARL",
        "billing_details": "SIRET 123",
        "phone": "",  # an empty field is no value
        "verified": "1",
        "balance": "4.5",
        "locale": "fr_FR",
    }
    response = await client.post(CUSTOMERS, data=form, headers=auth(key))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["address"], body["zipcode"], body["region"], body["city"]) == (
        "3 rue Basse",
        "59100",
        "Hauts-de-France",
        "Roubaix",
    )
    assert (body["company_name"], body["billing_details"]) == ("PHP SARL", "SIRET 123")
    assert body["phone"] is None and body["is_confirmed"] is True and body["balance"] == 4.5
    bad = await client.post(
        CUSTOMERS, data={**form, "email": "other@example.com", "zipcode": "x" * 40}, headers=auth(key)
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"zipcode"}
    assert await customer_rows(runtime) == 1


async def test_create_writes_an_audit_row_without_the_password(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:create")
    response = await client.post(CUSTOMERS, json={**VALID, "password": SECRET}, headers=auth(key))
    assert response.status_code == 201
    entries = await audit_rows(runtime, "customer.create")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.object_type == "customer" and entry.object_id == response.json()["id"]
    assert entry.actor_kind == "api_key" and entry.livemode is True
    assert entry.changes["email"] == "new@example.com"
    assert "password" not in entry.changes
    assert SECRET not in str(entry.changes)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"firstname": None}, "firstname"),  # None: the key is left out
        ({"email": "not-an-email"}, "email"),
        ({"country": "XX"}, "country"),
        ({"balance": "-1.00"}, "balance"),
        ({"balance": "12.345"}, "balance"),
        ({"currency": "JPY"}, "currency"),
        ({"password": "short"}, "password"),
        ({"status": "sleeping"}, "status"),
        ({"phone": "call me"}, "phone"),
    ],
)
async def test_create_with_bad_input_is_422_naming_the_field_and_writes_nothing(
    runtime: Runtime, client: httpx.AsyncClient, change: dict[str, object], field: str
) -> None:
    key = await make_api_key(runtime, "customers:create")
    payload = {**VALID, **change}
    payload = {name: value for name, value in payload.items() if value is not None}
    response = await client.post(CUSTOMERS, json=payload, headers=auth(key))
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert set(body["errors"]) == {field}
    assert isinstance(body["errors"][field], list) and body["errors"][field]
    assert isinstance(body["message"], str) and body["message"]
    assert await customer_rows(runtime) == 0
    assert await audit_rows(runtime) == []


async def test_missing_firstname_says_it_is_required(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:create")
    payload = {name: value for name, value in VALID.items() if name != "firstname"}
    response = await client.post(CUSTOMERS, json=payload, headers=auth(key))
    assert response.status_code == 422
    assert response.json() == {
        "message": "The firstname field is required.",
        "errors": {"firstname": ["The firstname field is required."]},
    }


async def test_duplicate_email_is_422_on_email_whatever_its_case(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await make_customer(runtime, email="taken@example.com")
    key = await make_api_key(runtime, "customers:create")
    response = await client.post(CUSTOMERS, json={**VALID, "email": "TAKEN@example.com"}, headers=auth(key))
    assert response.status_code == 422
    assert response.json() == {
        "message": "The email has already been taken.",
        "errors": {"email": ["The email has already been taken."]},
    }
    assert await customer_rows(runtime) == 1
    assert len(await audit_rows(runtime, "customer.create")) == 1  # the factory's


async def test_the_same_email_may_exist_once_per_mode(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await make_customer(runtime, email="both@example.com")
    test_key = await make_api_key(runtime, "customers:create", livemode=False)
    response = await client.post(CUSTOMERS, json={**VALID, "email": "both@example.com"}, headers=auth(test_key))
    assert response.status_code == 201
    assert (await stored(runtime, response.json()["id"])).livemode is False


async def test_create_from_an_xml_body(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:create", "customers:index")
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b"<customer><email>X@Example.com</email><firstname>Xavier</firstname><lastname>Leroy</lastname>"
        b"<country>fr</country><balance>3.5</balance><verified>true</verified>"
        b"<zipcode>75005</zipcode><password>" + SECRET.encode() + b"</password></customer>"
    )
    response = await client.post(CUSTOMERS, content=document, headers=auth(key, **{"Content-Type": "application/xml"}))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == "x@example.com" and body["firstname"] == "Xavier" and body["country"] == "FR"
    assert body["balance"] == 3.5 and body["is_confirmed"] is True and body["zipcode"] == "75005"
    assert_no_secret(response)
    assert verify_password((await stored(runtime, body["id"])).password_hash, SECRET)


async def test_an_xml_body_with_bad_data_is_a_422_in_xml(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:create")
    document = (
        b"<customer><email>nope</email><firstname>A</firstname><lastname>B</lastname><country>FR</country></customer>"
    )
    response = await client.post(
        CUSTOMERS,
        content=document,
        headers=xml_auth(key) | {"Content-Type": XML},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/xml")
    assert list(load_xml(response.content)["errors"]) == ["email"]
    assert await customer_rows(runtime) == 0


# Show


async def test_show_unknown_customer_is_404(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:index")
    response = await client.get(f"{CUSTOMERS}/999999", headers=auth(key))
    assert response.status_code == 404
    assert response.json() == {"message": "Customer not found."}


async def test_show_includes_services_only_when_asked(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    product = await make_product(runtime, type="simulator")
    first = await make_service(runtime, customer_id=cid(customer), product_id=cid(product), price_minor=1965)
    second = await make_service(runtime, customer_id=cid(customer), product_id=cid(product), status="pending")
    await make_service(runtime, product_id=cid(product))  # someone else's
    key = await make_api_key(runtime, "customers:index", "services:index")
    plain = (await client.get(f"{CUSTOMERS}/{customer['id']}", headers=auth(key))).json()
    assert "services" not in plain and set(plain) == CUSTOMER_FIELDS
    response = await client.get(f"{CUSTOMERS}/{customer['id']}?include=services", headers=auth(key))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CUSTOMER_FIELDS | {"services"}
    assert [item["id"] for item in body["services"]] == [first, second]
    assert all(set(item) == SERVICE_FIELDS for item in body["services"])
    assert body["services"][0]["price"] == "19.65" and body["services"][0]["status"] == "active"
    assert body["services"][1]["status"] == "pending"
    assert {item["customer_id"] for item in body["services"]} == {customer["id"]}


async def test_show_with_an_unknown_include_is_400(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    key = await make_api_key(runtime, "customers:index")
    response = await client.get(f"{CUSTOMERS}/{customer['id']}?include=tickets", headers=auth(key))
    assert response.status_code == 400
    assert "tickets" in response.json()["message"]


async def test_show_in_xml_is_the_same_data(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime, balance="12.50", verified=True, companyname="Acme")
    await make_service(runtime, customer_id=cid(customer))
    key = await make_api_key(runtime, "customers:index", "services:index")
    url = f"{CUSTOMERS}/{customer['id']}?include=services"
    as_json = (await client.get(url, headers=auth(key))).json()
    response = await client.get(url, headers=xml_auth(key))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert load_xml(response.content) == as_xml_text(as_json)
    assert as_json["balance"] == 12.5 and as_json["company_name"] == "Acme"
    assert "password" not in response.text.lower()


# Update


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
async def test_update_changes_only_the_fields_sent(runtime: Runtime, client: httpx.AsyncClient, method: str) -> None:
    customer = await make_customer(
        runtime, companyname="Acme", city="Paris", phone="+33 1 00 00 00 00", balance="1.00", notes="keep me"
    )
    other = await make_customer(runtime)
    key = await make_api_key(runtime, "customers:update", "customers:index")
    before = (await client.get(f"{CUSTOMERS}/{customer['id']}", headers=auth(key))).json()
    other_before = (await client.get(f"{CUSTOMERS}/{other['id']}", headers=auth(key))).json()
    response = await client.request(
        method,
        f"{CUSTOMERS}/{customer['id']}",
        json={"city": "Lyon", "balance": "12.5", "email": "Renamed@Example.com", "country": "de"},
        headers=auth(key),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == CUSTOMER_FIELDS
    assert body["city"] == "Lyon" and body["balance"] == 12.5
    assert body["email"] == "renamed@example.com" and body["country"] == "DE"
    unchanged = CUSTOMER_FIELDS - {"city", "balance", "email", "country", "updated_at"}
    assert {name: body[name] for name in unchanged} == {name: before[name] for name in unchanged}
    assert body["updated_at"] >= before["updated_at"]
    assert (await client.get(f"{CUSTOMERS}/{customer['id']}", headers=auth(key))).json() == body
    assert (await client.get(f"{CUSTOMERS}/{other['id']}", headers=auth(key))).json() == other_before
    entries = await audit_rows(runtime, "customer.update")
    assert len(entries) == 1
    assert entries[0].object_id == customer["id"] and entries[0].actor_kind == "api_key"
    assert entries[0].changes["city"] == "Lyon" and entries[0].changes["email"] == "renamed@example.com"
    assert set(entries[0].changes) == {"city", "balance", "email", "country"}


async def test_update_takes_clientxcms_names(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    key = await make_api_key(runtime, "customers:update")
    response = await client.post(
        f"{CUSTOMERS}/{customer['id']}",
        json={
            "address": "1 Main St",
            "zipcode": "10001",
            "region": "NY",
            "company_name": "Initech",
            "billing_details": "PO 42",
        },
        headers=auth(key),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["address"], body["zipcode"], body["region"], body["company_name"], body["billing_details"]) == (
        "1 Main St",
        "10001",
        "NY",
        "Initech",
        "PO 42",
    )
    row = await stored(runtime, cid(customer))
    assert (row.address1, row.postcode, row.state, row.companyname) == ("1 Main St", "10001", "NY", "Initech")


async def test_update_from_a_form_body(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime, city="Paris", phone="+33 1 00 00 00 00")
    key = await make_api_key(runtime, "customers:update")
    response = await client.post(
        f"{CUSTOMERS}/{customer['id']}",
        data={"city": "Roubaix", "zipcode": "59100", "verified": "true"},
        headers=auth(key),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["city"], body["zipcode"], body["is_confirmed"]) == ("Roubaix", "59100", True)
    assert body["phone"] == "+33 1 00 00 00 00"


async def test_update_verified_and_password(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    key = await make_api_key(runtime, "customers:update")
    url = f"{CUSTOMERS}/{customer['id']}"
    verified = await client.patch(url, json={"verified": True, "password": SECRET}, headers=auth(key))
    assert verified.status_code == 200
    assert verified.json()["is_confirmed"] is True and verified.json()["email_verified_at"].endswith("Z")
    assert_no_secret(verified)
    assert verify_password((await stored(runtime, cid(customer))).password_hash, SECRET)
    entry = (await audit_rows(runtime, "customer.update"))[-1]
    assert SECRET not in str(entry.changes)
    unverified = await client.patch(url, json={"verified": False}, headers=auth(key))
    assert unverified.json()["is_confirmed"] is False and unverified.json()["email_verified_at"] is None


async def test_update_via_xml(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime, city="Paris")
    key = await make_api_key(runtime, "customers:update")
    response = await client.put(
        f"{CUSTOMERS}/{customer['id']}",
        content=b"<customer><lastname>Turing</lastname><region>Surrey</region></customer>",
        headers=xml_auth(key) | {"Content-Type": XML},
    )
    assert response.status_code == 200, response.text
    body = load_xml(response.content)
    assert body["lastname"] == "Turing" and body["region"] == "Surrey" and body["city"] == "Paris"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "bad"}, "email"),
        ({"country": "XX"}, "country"),
        ({"balance": "-0.01"}, "balance"),
        ({"balance": "1.001"}, "balance"),
        ({"currency": "JPY"}, "currency"),
        ({"password": "1234567"}, "password"),
        ({"firstname": ""}, "firstname"),
        ({"firstname": None}, "firstname"),
        ({"email": None}, "email"),
        ({"country": None}, "country"),
        ({"status": None}, "status"),
        ({"verified": None}, "verified"),
    ],
)
async def test_update_with_bad_input_is_422_and_changes_nothing(
    runtime: Runtime, client: httpx.AsyncClient, change: dict[str, object], field: str
) -> None:
    customer = await make_customer(runtime, balance="5.00")
    key = await make_api_key(runtime, "customers:update", "customers:index")
    url = f"{CUSTOMERS}/{customer['id']}"
    before = (await client.get(url, headers=auth(key))).json()
    response = await client.patch(url, json={"city": "Changed", **change}, headers=auth(key))
    assert response.status_code == 422, response.text
    assert set(response.json()["errors"]) == {field}
    assert (await client.get(url, headers=auth(key))).json() == before
    assert await audit_rows(runtime, "customer.update") == []


async def test_update_to_a_taken_email_is_422_and_changes_nothing(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await make_customer(runtime, email="first@example.com")
    second = await make_customer(runtime, email="second@example.com")
    key = await make_api_key(runtime, "customers:update", "customers:index")
    url = f"{CUSTOMERS}/{second['id']}"
    response = await client.patch(url, json={"email": "FIRST@example.com", "city": "Nice"}, headers=auth(key))
    assert response.status_code == 422
    assert response.json()["errors"] == {"email": ["The email has already been taken."]}
    after = (await client.get(url, headers=auth(key))).json()
    assert after["email"] == "second@example.com" and after["city"] is None
    # Its own address, in another case, is not "taken".
    same = await client.patch(url, json={"email": "Second@Example.com"}, headers=auth(key))
    assert same.status_code == 200 and same.json()["email"] == "second@example.com"


async def test_update_unknown_customer_is_404(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:update")
    response = await client.patch(f"{CUSTOMERS}/999999", json={"city": "Nowhere"}, headers=auth(key))
    assert response.status_code == 404
    assert response.json() == {"message": "Customer not found."}
    assert await audit_rows(runtime) == []


async def test_update_with_a_null_balance_is_422(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime, balance="5.00")
    key = await make_api_key(runtime, "customers:update", "customers:index")
    url = f"{CUSTOMERS}/{customer['id']}"
    response = await client.patch(url, json={"balance": None}, headers=auth(key))
    assert response.status_code == 422, response.text
    assert set(response.json()["errors"]) == {"balance"}
    assert (await client.get(url, headers=auth(key))).json()["balance"] == 5


async def test_update_with_a_null_currency_is_422(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime, currency="USD")
    key = await make_api_key(runtime, "customers:update", "customers:index")
    url = f"{CUSTOMERS}/{customer['id']}"
    response = await client.patch(url, json={"currency": None}, headers=auth(key))
    assert response.status_code == 422, response.text
    assert response.json() == {
        "message": "The currency field cannot be empty.",
        "errors": {"currency": ["The currency field cannot be empty."]},
    }
    assert (await client.get(url, headers=auth(key))).json()["currency"] == "USD"


# Delete


async def test_delete_without_services(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime, email="gone@example.com")
    kept = await make_customer(runtime)
    key = await make_api_key(runtime, "customers:delete", "customers:index", "customers:create")
    url = f"{CUSTOMERS}/{customer['id']}"
    before = (await client.get(url, headers=auth(key))).json()
    response = await client.delete(url, headers=auth(key))
    assert response.status_code == 200, response.text
    deleted = response.json()
    assert deleted["is_deleted"] is True and deleted["deleted_at"].endswith("Z")
    assert deleted == {**before, "is_deleted": True, "deleted_at": deleted["deleted_at"]}
    assert (await client.get(url, headers=auth(key))).status_code == 404
    assert (await client.delete(url, headers=auth(key))).status_code == 404
    listed = (await client.get(CUSTOMERS, headers=auth(key))).json()
    assert [item["id"] for item in listed["data"]] == [kept["id"]] and listed["meta"]["total"] == 1
    entries = await audit_rows(runtime, "customer.delete")
    assert [(e.object_id, e.changes) for e in entries] == [(customer["id"], {"force": False})]
    # A deleted account frees its e-mail.
    again = await client.post(CUSTOMERS, json={**VALID, "email": "gone@example.com"}, headers=auth(key))
    assert again.status_code == 201


async def test_delete_with_active_services_is_409_until_forced(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    product = await make_product(runtime, type="simulator")
    active = await make_service(runtime, customer_id=cid(customer), product_id=cid(product))
    pending = await make_service(runtime, customer_id=cid(customer), product_id=cid(product), status="pending")
    done = await make_service(runtime, customer_id=cid(customer), product_id=cid(product), status="terminated")
    key = await make_api_key(runtime, "customers:delete", "customers:index", "services:index")
    url = f"{CUSTOMERS}/{customer['id']}"

    refused = await client.delete(url, headers=auth(key))
    assert refused.status_code == 409
    assert set(refused.json()) == {"message"}
    assert "2 active service" in refused.json()["message"] and "force=1" in refused.json()["message"]
    assert (await client.get(url, headers=auth(key))).status_code == 200
    assert page_of_one(await client.get(f"{PREFIX}/services/{active}", headers=auth(key)))["status"] == "active"
    assert await audit_rows(runtime, "customer.delete") == []

    forced = await client.delete(f"{url}?force=1", headers=auth(key))
    assert forced.status_code == 200, forced.text
    assert forced.json()["id"] == customer["id"] and set(forced.json()) == CUSTOMER_FIELDS
    assert (await client.get(url, headers=auth(key))).status_code == 404
    entries = await audit_rows(runtime, "customer.delete")
    assert [(e.object_id, e.changes) for e in entries] == [(customer["id"], {"force": True})]
    statuses = {}
    for service_id in (active, pending, done):
        statuses[service_id] = page_of_one(await client.get(f"{PREFIX}/services/{service_id}", headers=auth(key)))
    assert statuses[active]["status"] == "expired"  # terminated, in CLIENTXCMS's word
    assert statuses[pending]["status"] == "cancelled"
    assert statuses[done]["status"] == "expired"


async def test_forced_delete_terminates_on_the_module(
    runtime: Runtime, client: httpx.AsyncClient, simulator: Any
) -> None:
    customer = await make_customer(runtime)
    product = await make_product(runtime, type="simulator")
    running = await make_service(runtime, customer_id=cid(customer), product_id=cid(product))
    suspended = await make_service(runtime, customer_id=cid(customer), product_id=cid(product), status="suspended")
    assert simulator.state.machines == {running: "running", suspended: "suspended"}
    key = await make_api_key(runtime, "customers:delete")
    response = await client.delete(f"{CUSTOMERS}/{customer['id']}?force=1", headers=auth(key))
    assert response.status_code == 200
    await drain(runtime)
    assert simulator.state.machines == {}
    assert simulator.state.calls["terminate"] == 2


async def test_delete_with_only_finished_services_needs_no_force(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    await make_service(runtime, customer_id=cid(customer), status="terminated")
    await make_service(runtime, customer_id=cid(customer), status="cancelled")
    key = await make_api_key(runtime, "customers:delete")
    response = await client.delete(f"{CUSTOMERS}/{customer['id']}", headers=auth(key))
    assert response.status_code == 200, response.text


# List


async def test_list_is_a_laravel_page(runtime: Runtime, client: httpx.AsyncClient) -> None:
    ids = [cid(await make_customer(runtime)) for _ in range(7)]
    key = await make_api_key(runtime, "customers:index")
    response = await client.get(f"{CUSTOMERS}?per_page=3&page=2", headers=auth(key))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "links", "meta"}
    assert [item["id"] for item in body["data"]] == ids[3:6]
    assert all(set(item) == CUSTOMER_FIELDS for item in body["data"])
    base = CUSTOMERS  # relative: no HOSTLANE_PUBLIC_URL, and the Host is not believed
    assert set(body["links"]) == {"first", "last", "prev", "next"}
    assert body["links"]["first"] == f"{base}?per_page=3&page=1"
    assert body["links"]["last"] == f"{base}?per_page=3&page=3"
    assert body["links"]["prev"] == f"{base}?per_page=3&page=1"
    assert body["links"]["next"] == f"{base}?per_page=3&page=3"
    meta = body["meta"]
    assert set(meta) == {"current_page", "from", "last_page", "links", "path", "per_page", "to", "total"}
    assert (meta["current_page"], meta["from"], meta["to"], meta["last_page"]) == (2, 4, 6, 3)
    assert (meta["per_page"], meta["total"], meta["path"]) == (3, 7, base)
    assert [link["label"] for link in meta["links"]] == ["&laquo; Previous", "1", "2", "3", "Next &raquo;"]
    assert [link["active"] for link in meta["links"]] == [False, False, True, False, False]
    assert meta["links"][0]["url"] == body["links"]["prev"] and meta["links"][-1]["url"] == body["links"]["next"]

    last = (await client.get(f"{CUSTOMERS}?per_page=3&page=3", headers=auth(key))).json()
    assert [item["id"] for item in last["data"]] == ids[6:]
    assert last["links"]["next"] is None and last["meta"]["to"] == 7
    first = (await client.get(f"{CUSTOMERS}?per_page=3", headers=auth(key))).json()
    assert [item["id"] for item in first["data"]] == ids[:3] and first["links"]["prev"] is None
    beyond = (await client.get(f"{CUSTOMERS}?per_page=3&page=9", headers=auth(key))).json()
    assert beyond["data"] == [] and beyond["meta"]["from"] is None and beyond["meta"]["total"] == 7


async def test_list_defaults_and_refuses_per_page_above_the_maximum(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await make_customer(runtime)
    key = await make_api_key(runtime, "customers:index")
    default = (await client.get(CUSTOMERS, headers=auth(key))).json()
    assert default["meta"]["per_page"] == 25 and default["meta"]["total"] == 1
    assert default["meta"]["current_page"] == 1 and default["meta"]["last_page"] == 1
    # Refused, not capped (the real CLIENTXCMS clamps to 100: see the application face's docstring).
    too_many = await client.get(f"{CUSTOMERS}?per_page=1000", headers=auth(key))
    assert too_many.status_code == 422 and runtime.settings.max_page_size == 100
    assert too_many.json() == {
        "message": "The per_page parameter may not be greater than 100.",
        "errors": {"per_page": ["Must be at most 100."]},
    }
    assert (await client.get(f"{CUSTOMERS}?per_page=100", headers=auth(key))).json()["meta"]["per_page"] == 100


async def test_list_of_nothing(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:index")
    body = (await client.get(CUSTOMERS, headers=auth(key))).json()
    assert body["data"] == []
    assert (body["meta"]["total"], body["meta"]["from"], body["meta"]["to"], body["meta"]["last_page"]) == (
        0,
        None,
        None,
        1,
    )


async def test_list_filters(runtime: Runtime, client: httpx.AsyncClient) -> None:
    alice = await make_customer(runtime, email="alice@alpha.example")
    bob = await make_customer(runtime, email="bob@beta.example", status="suspended")
    carol = await make_customer(runtime, email="carol@alpha.example")
    key = await make_api_key(runtime, "customers:index")

    async def ids(query: str) -> list[int]:
        response = await client.get(f"{CUSTOMERS}?{query}", headers=auth(key))
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["data"]]

    assert await ids("filter[email]=ALPHA") == [alice["id"], carol["id"]]
    assert await ids("filter[email]=bob@") == [bob["id"]]
    assert await ids("filter[email]=%25") == []  # a literal "%", not a wildcard
    assert await ids("filter[status]=suspended") == [bob["id"]]
    assert await ids("filter[status]=suspend") == []  # exact, not partial
    assert await ids("filter[status]=active") == [alice["id"], carol["id"]]
    assert await ids("filter[email]=alpha&filter[status]=suspended") == []
    filtered = (await client.get(f"{CUSTOMERS}?filter[email]=alpha&per_page=1", headers=auth(key))).json()
    assert filtered["meta"]["total"] == 2 and filtered["meta"]["last_page"] == 2


async def test_list_sorts(runtime: Runtime, client: httpx.AsyncClient) -> None:
    b = await make_customer(runtime, email="b@example.com")
    c = await make_customer(runtime, email="c@example.com")
    a = await make_customer(runtime, email="a@example.com")
    key = await make_api_key(runtime, "customers:index")

    async def ids(query: str) -> list[int]:
        return [item["id"] for item in (await client.get(f"{CUSTOMERS}?{query}", headers=auth(key))).json()["data"]]

    assert await ids("") == [b["id"], c["id"], a["id"]]
    assert await ids("sort=-id") == [a["id"], c["id"], b["id"]]
    assert await ids("sort=email") == [a["id"], b["id"], c["id"]]
    assert await ids("sort=-email") == [c["id"], b["id"], a["id"]]


async def test_list_includes_services(runtime: Runtime, client: httpx.AsyncClient) -> None:
    with_services = await make_customer(runtime)
    without = await make_customer(runtime)
    product = await make_product(runtime, type="simulator")
    service_id = await make_service(runtime, customer_id=cid(with_services), product_id=cid(product))
    key = await make_api_key(runtime, "customers:index", "services:index")
    body = (await client.get(f"{CUSTOMERS}?include=services", headers=auth(key))).json()
    by_id = {item["id"]: item for item in body["data"]}
    assert [item["id"] for item in by_id[with_services["id"]]["services"]] == [service_id]
    assert set(by_id[with_services["id"]]["services"][0]) == SERVICE_FIELDS
    assert by_id[without["id"]]["services"] == []
    plain = (await client.get(CUSTOMERS, headers=auth(key))).json()
    assert all("services" not in item for item in plain["data"])


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("filter[password]=x", "password"),
        ("filter[balance]=1", "balance"),
        ("sort=balance", "balance"),
        ("sort=-password_hash", "password_hash"),
        ("include=payments", "payments"),
        ("filter[companyname]=x", "companyname"),
        ("include=services,tickets", "tickets"),
    ],
)
async def test_unknown_filter_sort_or_include_is_400_naming_it(
    runtime: Runtime, client: httpx.AsyncClient, query: str, named: str
) -> None:
    await make_customer(runtime)
    key = await make_api_key(runtime, "customers:index")
    response = await client.get(f"{CUSTOMERS}?{query}", headers=auth(key))
    assert response.status_code == 400
    assert f"`{named}`" in response.json()["message"]


@pytest.mark.parametrize(
    ("query", "name"),
    [("page=0", "page"), ("page=-2", "page"), ("per_page=abc", "per_page"), ("per_page=0", "per_page")],
)
async def test_bad_page_parameters_are_400(runtime: Runtime, client: httpx.AsyncClient, query: str, name: str) -> None:
    key = await make_api_key(runtime, "customers:index")
    response = await client.get(f"{CUSTOMERS}?{query}", headers=auth(key))
    assert response.status_code == 400
    body = response.json()
    assert name in body["message"]
    assert set(body["errors"]) == {name}


async def test_list_in_xml_is_the_same_data(runtime: Runtime, client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await make_customer(runtime, balance="12.50")
    key = await make_api_key(runtime, "customers:index")
    url = f"{CUSTOMERS}?per_page=2&page=2&sort=-id"
    as_json = (await client.get(url, headers=auth(key))).json()
    response = await client.get(url, headers=xml_auth(key))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert load_xml(response.content) == as_xml_text(as_json)
    assert len(as_json["data"]) == 1 and as_json["data"][0]["balance"] == 12.5


@contextmanager
def counting_statements(runtime: Runtime) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append(statement)

    engine = runtime.db.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


async def test_the_list_makes_as_many_queries_whatever_the_page_size(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    product = await make_product(runtime, type="simulator")
    for _ in range(52):  # both page sizes below show a full page
        customer = await make_customer(runtime)
        await make_service(runtime, customer_id=cid(customer), product_id=cid(product), status="pending")
    key = await make_api_key(runtime, "customers:index", "services:index")
    warm = await client.get(f"{CUSTOMERS}?include=services", headers=auth(key))  # touches the key once
    assert warm.status_code == 200

    counts = {}
    for per_page in (5, 50):
        with counting_statements(runtime) as statements:
            response = await client.get(f"{CUSTOMERS}?include=services&per_page={per_page}", headers=auth(key))
        assert response.status_code == 200
        assert len(response.json()["data"]) == per_page
        assert all(len(item["services"]) == 1 for item in response.json()["data"])
        counts[per_page] = len(statements)
    assert counts[5] > 0
    assert counts[5] == counts[50], counts


# Authentication, permissions and modes


ROUTES = [
    ("GET", "/customers", "customers:index"),
    ("POST", "/customers", "customers:create"),
    ("GET", "/customers/{id}", "customers:show"),
    ("POST", "/customers/{id}", "customers:update"),
    ("PUT", "/customers/{id}", "customers:update"),
    ("PATCH", "/customers/{id}", "customers:update"),
    ("DELETE", "/customers/{id}", "customers:delete"),
]
CUSTOMER_PERMISSIONS = ["customers:index", "customers:create", "customers:update", "customers:delete"]


@pytest.mark.parametrize(("method", "path", "needed"), ROUTES)
async def test_no_key_is_401(runtime: Runtime, client: httpx.AsyncClient, method: str, path: str, needed: str) -> None:
    customer = await make_customer(runtime)
    url = PREFIX + path.replace("{id}", str(customer["id"]))
    response = await client.request(method, url, json={**VALID, "city": "X"})
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}
    assert await customer_rows(runtime) == 1
    assert (await stored(runtime, cid(customer))).city is None


@pytest.mark.parametrize(("method", "path", "needed"), ROUTES)
async def test_a_key_without_the_permission_is_403_and_changes_nothing(
    runtime: Runtime, client: httpx.AsyncClient, method: str, path: str, needed: str
) -> None:
    customer = await make_customer(runtime)
    admin = await make_admin(runtime)
    others = [name for name in CUSTOMER_PERMISSIONS if name not in (needed, needed.replace(":show", ":index"))]
    key = await make_api_key(runtime, *others, "services:index", admin=admin)
    url = PREFIX + path.replace("{id}", str(customer["id"]))
    response = await client.request(method, url, json={**VALID, "city": "X"}, headers=auth(key))
    assert response.status_code == 403
    assert_missing_permission(response, needed)
    assert await customer_rows(runtime) == 1
    row = await stored(runtime, cid(customer))
    assert row.city is None and row.deleted_at is None
    assert len(await audit_rows(runtime)) == 1  # the factory's create
    allowed = await make_api_key(runtime, needed, admin=admin)
    granted = await client.request(method, url, json={**VALID, "city": "X"}, headers=auth(allowed))
    assert granted.status_code == (201 if needed == "customers:create" else 200), granted.text


@pytest.mark.parametrize("key_is_live", [False, True])
async def test_a_key_sees_only_customers_of_its_mode(
    runtime: Runtime, client: httpx.AsyncClient, key_is_live: bool
) -> None:
    mine = await make_customer(runtime, livemode=key_is_live, email="mine@example.com")
    theirs = await make_customer(runtime, livemode=not key_is_live, email="theirs@example.com")
    key = await make_api_key(runtime, "*", livemode=key_is_live)

    listed = (await client.get(CUSTOMERS, headers=auth(key))).json()
    assert [item["id"] for item in listed["data"]] == [mine["id"]] and listed["meta"]["total"] == 1
    assert (await client.get(f"{CUSTOMERS}?filter[email]=theirs", headers=auth(key))).json()["data"] == []
    assert (await client.get(f"{CUSTOMERS}?filter[id]={theirs['id']}", headers=auth(key))).json()["data"] == []
    assert (await client.get(f"{CUSTOMERS}/{mine['id']}", headers=auth(key))).status_code == 200

    url = f"{CUSTOMERS}/{theirs['id']}"
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        response = await client.request(method, url, json={"city": "Hijacked"}, headers=auth(key))
        assert response.status_code == 404, method
        assert response.json() == {"message": "Customer not found."}
    row = await stored(runtime, cid(theirs))
    assert row.city is None and row.deleted_at is None
    assert await audit_rows(runtime, "customer.update") == []
    assert await audit_rows(runtime, "customer.delete") == []

    created = await client.post(CUSTOMERS, json=VALID, headers=auth(key))
    assert created.status_code == 201
    assert (await stored(runtime, created.json()["id"])).livemode is key_is_live
