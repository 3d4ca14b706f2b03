"""CLIENTXCMS's ``tests/Feature/Api/Application/CustomerControllerTest.php``, over HTTP against Hostlane: one test
per PHP test method, of the same name, asserting what it asserts and the wire fields a client would notice.

``performAction`` there makes an API key holding the abilities given and sends a JSON body with
``Accept: application/json``; ``auth`` and ``make_api_key`` do the same here.
"""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from hostlane.jobs.runner import drain
from hostlane.models import Customer, CustomerStatus, ServiceStatus
from hostlane.runtime import Runtime
from tests.faces.application.test_customers import CUSTOMER_KEYS, auth, cid, stored
from tests.fixtures.factories import make_api_key, make_customer, make_service
from tests.fixtures.mail import Inbox, body

API_URL = "/api/application/customers"
ABILITY_INDEX = "customers:index"
ABILITY_STORE = "customers:store"
ABILITY_SHOW = "customers:show"
ABILITY_UPDATE = "customers:update"
ABILITY_DELETE = "customers:delete"

# The customer the PHP tests make with ``Customer::create([...])``, in the face's names.
TEST_USER = {
    "firstname": "Test User",
    "lastname": "Test User",
    "zipcode": "59100",
    "region": "Test User",
    "country": "FR",
    "email": "admin@admin.com",
    "address": "test",
    "city": "test",
    "phone": "0323456789",
    "password": "a-strong-test-password",
}


async def create_test_user(runtime: Runtime, client: httpx.AsyncClient) -> int:
    """``Customer::create([...])``: made through the face, in its names, by a key that may only create."""
    key = await make_api_key(runtime, ABILITY_STORE)
    response = await client.post(API_URL, json=TEST_USER, headers=auth(key))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def status_of(runtime: Runtime, service_id: int) -> ServiceStatus:
    from hostlane.models import Service

    async with runtime.db.reader() as session:
        status = await session.scalar(sa.select(Service.status).where(Service.id == service_id))
    assert status is not None
    return status


async def test_api_application_customer_index(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, ABILITY_INDEX)
    response = await client.get(API_URL, headers=auth(key))
    assert response.status_code == 200
    assert set(response.json()) == {"data", "links", "meta"}


async def test_api_application_customer_filter(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await create_test_user(runtime, client)
    key = await make_api_key(runtime, ABILITY_INDEX)
    response = await client.get(f"{API_URL}?filter[firstname]=Fake", headers=auth(key))
    assert response.status_code == 200
    assert response.json()["data"] == []
    # … and the filter does match when it should (partial, whatever the case), so the empty answer means something.
    found = await client.get(f"{API_URL}?filter[firstname]=test%20us", headers=auth(key))
    assert [row["email"] for row in found.json()["data"]] == ["admin@admin.com"]


async def test_api_application_customer_sort(runtime: Runtime, client: httpx.AsyncClient) -> None:
    ids = [cid(await make_customer(runtime)) for _ in range(15)]  # Customer::factory(15)->create()
    key = await make_api_key(runtime, ABILITY_INDEX)
    response = await client.get(f"{API_URL}?sort=-id", headers=auth(key))
    assert response.status_code == 200
    data = response.json()["data"]
    assert data != [] and len(data) == 15
    assert data[0]["id"] == max(ids)
    assert [row["id"] for row in data] == sorted(ids, reverse=True)


async def test_api_application_customer_store(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, ABILITY_STORE)
    payload = {
        **TEST_USER,
        "email": "test@example.com",
        "phone": "0223456789",
        "locale": "fr_FR",
    }
    response = await client.post(API_URL, json=payload, headers=auth(key))
    assert response.status_code == 201, response.text
    created = response.json()
    assert list(created) == CUSTOMER_KEYS
    assert (created["address"], created["zipcode"], created["region"], created["city"]) == (
        "test",
        "59100",
        "Test User",
        "test",
    )
    assert created["locale"] == "fr_FR" and created["is_confirmed"] is False and created["balance"] == 0
    assert "password" not in response.text


async def test_api_application_customer_verified_store(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, ABILITY_STORE)
    payload = {**TEST_USER, "email": "test@example.com", "verified": "1", "locale": "fr_FR"}
    response = await client.post(API_URL, json=payload, headers=auth(key))
    assert response.status_code == 201, response.text
    assert response.json()["is_confirmed"] is True
    assert response.json()["email_verified_at"].endswith("Z")


async def test_api_application_customer_get(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer_id = await create_test_user(runtime, client)
    key = await make_api_key(runtime, ABILITY_SHOW)
    response = await client.get(f"{API_URL}/{customer_id}", headers=auth(key))
    assert response.status_code == 200
    shown = response.json()
    assert list(shown) == CUSTOMER_KEYS  # the customer itself, not wrapped in "data"
    assert shown["id"] == customer_id and shown["email"] == "admin@admin.com"


async def test_api_application_customer_delete(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer_id = await create_test_user(runtime, client)
    key = await make_api_key(runtime, ABILITY_DELETE, ABILITY_SHOW)
    response = await client.delete(f"{API_URL}/{customer_id}", headers=auth(key))
    assert response.status_code == 200
    assert response.json()["id"] == customer_id and response.json()["deleted_at"] is not None
    assert (await client.get(f"{API_URL}/{customer_id}", headers=auth(key))).status_code == 404


async def test_api_application_customer_update(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer_id = await create_test_user(runtime, client)
    key = await make_api_key(runtime, ABILITY_UPDATE)
    response = await client.post(
        f"{API_URL}/{customer_id}",
        json={
            "email": "admin@administration.com",
            "city": "roubaix",
            "firstname": "Martin",
            "lastname": "Delebecque",
            "zipcode": "59100",
            "region": "Test User",
            "country": "FR",
            "address": "test",
            "phone": "0323456789",
        },
        headers=auth(key),
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["email"] == "admin@administration.com" and updated["firstname"] == "Martin"
    assert updated["lastname"] == "Delebecque"
    # The real test expects 'city' to stay 'test': the current UpdateCustomerRequest drops address, address2, city,
    # zipcode, region, country, company_name and billing_details from its rules, so it answers 200 and silently
    # keeps the old values, though its own OpenAPI schema lists them as updatable (and its earlier version of this
    # test expected 'roubaix'). A change the client sent and was told succeeded must not be lost: Hostlane updates
    # them (a defect named in the face's docstring).
    assert updated["city"] == "roubaix"
    assert (await stored(runtime, customer_id)).city == "roubaix"


async def test_api_application_customer_confirm(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)  # email_verified_at null
    key = await make_api_key(runtime, ABILITY_UPDATE)
    response = await client.post(f"{API_URL}/{customer['id']}/confirm", headers=auth(key))
    assert response.status_code == 200, response.text
    assert response.json()["is_confirmed"] is True and response.json()["id"] == customer["id"]
    assert (await stored(runtime, cid(customer))).email_verified_at is not None


async def test_api_application_customer_resend_confirmation(
    runtime: Runtime, client: httpx.AsyncClient, inbox: Inbox
) -> None:
    customer = await make_customer(runtime)
    key = await make_api_key(runtime, ABILITY_UPDATE)
    response = await client.post(f"{API_URL}/{customer['id']}/resend_confirmation", headers=auth(key))
    assert response.status_code == 200
    assert response.json() == {"message": "Verification link sent"}
    await drain(runtime)
    assert [mail["Subject"] for mail in inbox.messages] == ["Verify your e-mail address"]
    assert inbox.messages[0]["To"].endswith(f"<{customer['email']}>")


async def test_api_application_customer_send_forgot_password(
    runtime: Runtime, client: httpx.AsyncClient, inbox: Inbox
) -> None:
    customer = await make_customer(runtime)
    key = await make_api_key(runtime, ABILITY_UPDATE)
    response = await client.post(f"{API_URL}/{customer['id']}/send_password", headers=auth(key))
    assert response.status_code == 200
    assert response.json() == {"message": "Reset link sent"}
    await drain(runtime)
    assert [mail["Subject"] for mail in inbox.messages] == ["Reset your password"]
    assert "reset code" in body(inbox.messages[0])


async def test_api_application_customer_suspend_action(
    runtime: Runtime, client: httpx.AsyncClient, inbox: Inbox
) -> None:
    customer = await make_customer(runtime)
    service_id = await make_service(runtime, customer_id=cid(customer))
    key = await make_api_key(runtime, ABILITY_UPDATE)
    response = await client.post(
        f"{API_URL}/{customer['id']}/action/suspend",
        json={"reason": "Violation", "force": True, "notify": False},
        headers=auth(key),
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "suspended" and list(response.json()) == CUSTOMER_KEYS
    row = await stored(runtime, cid(customer))
    assert row.status is CustomerStatus.SUSPENDED and row.status_reason == "Violation"
    assert await status_of(runtime, service_id) is ServiceStatus.SUSPENDED  # force: its services too
    await drain(runtime)
    assert inbox.messages == []  # notify: false


async def test_api_application_customer_reactivate_action(
    runtime: Runtime, client: httpx.AsyncClient, inbox: Inbox
) -> None:
    customer = await make_customer(runtime)
    key = await make_api_key(runtime, ABILITY_UPDATE)
    suspended = await client.post(
        f"{API_URL}/{customer['id']}/action/suspend", json={"reason": "Test reason"}, headers=auth(key)
    )
    assert suspended.json()["status"] == "suspended"
    response = await client.post(
        f"{API_URL}/{customer['id']}/action/reactivate", json={"notify": True}, headers=auth(key)
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"
    assert (await stored(runtime, cid(customer))).status is CustomerStatus.ACTIVE
    await drain(runtime)
    assert [mail["Subject"] for mail in inbox.messages] == ["Your account is active again"]


async def test_api_application_customer_ban_action(runtime: Runtime, client: httpx.AsyncClient, inbox: Inbox) -> None:
    customer = await make_customer(runtime)
    key = await make_api_key(runtime, ABILITY_UPDATE)
    first = await client.post(
        f"{API_URL}/{customer['id']}/action/ban", json={"reason": "Test reason"}, headers=auth(key)
    )
    assert first.status_code == 200
    response = await client.post(
        f"{API_URL}/{customer['id']}/action/ban",
        json={"reason": "Abuse", "force": False, "notify": True},
        headers=auth(key),
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "banned"
    row = await stored(runtime, cid(customer))
    assert row.status is CustomerStatus.BANNED and row.status_reason == "Abuse"
    await drain(runtime)
    assert [mail["Subject"] for mail in inbox.messages] == ["Your account is banned"]
    assert "your account is banned: Abuse." in body(inbox.messages[0])


async def test_api_application_customer_disable_2fa_action(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    async with runtime.db.transaction() as session:  # $customer->twoFactorEnable('Test secret')
        await session.execute(
            sa.update(Customer)
            .where(Customer.id == customer["id"])
            .values(two_factor_secret="ciphertext of Test secret", two_factor_recovery_codes="ciphertext of codes")
        )
    key = await make_api_key(runtime, ABILITY_UPDATE)
    response = await client.post(f"{API_URL}/{customer['id']}/action/disable2FA", headers=auth(key))
    assert response.status_code == 200, response.text
    assert "secret" not in response.text
    row = await stored(runtime, cid(customer))
    assert row.two_factor_secret is None and row.two_factor_recovery_codes is None
