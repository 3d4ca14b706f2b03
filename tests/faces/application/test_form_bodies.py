"""PHP clients of the application face send forms: the action routes read ``application/x-www-form-urlencoded`` and
``multipart/form-data`` bodies (PHP's ``a[0][b]=c`` included) as they read JSON, with the same outcome."""

from __future__ import annotations

import httpx
import pytest

from hostlane.runtime import Runtime
from tests.fixtures.factories import (
    make_api_key,
    make_customer,
    make_department,
    make_pricing,
    make_product,
    make_service,
)
from tests.fixtures.http import bearer, page_of_one

API = "/api/application"


def _send(kind: str, fields: dict[str, str]) -> dict[str, object]:
    """httpx arguments sending ``fields`` as a urlencoded form, or as the text fields of a multipart body."""
    if kind == "form":
        return {"data": fields}
    return {"files": {name: (None, value) for name, value in fields.items()}}


@pytest.mark.parametrize("kind", ["form", "multipart"])
async def test_a_service_is_suspended_from_a_form(runtime: Runtime, client: httpx.AsyncClient, kind: str) -> None:
    service_id = await make_service(runtime)
    key = bearer(await make_api_key(runtime))
    response = await client.post(
        f"{API}/services/{service_id}/suspend", headers=key, **_send(kind, {"reason": "Unpaid since May"})
    )
    assert response.status_code == 200, response.text
    shown = page_of_one(await client.get(f"{API}/services/{service_id}", headers=key))
    assert (shown["status"], shown["suspend_reason"]) == ("suspended", "Unpaid since May")


@pytest.mark.parametrize("kind", ["form", "multipart"])
async def test_a_customer_is_suspended_from_a_form(runtime: Runtime, client: httpx.AsyncClient, kind: str) -> None:
    customer = await make_customer(runtime)
    key = bearer(await make_api_key(runtime))
    response = await client.post(
        f"{API}/customers/{customer['id']}/action/suspend",
        headers=key,
        **_send(kind, {"reason": "Abuse", "force": "1", "notify": "0"}),
    )
    assert response.status_code == 200, response.text
    shown = (await client.get(f"{API}/customers/{customer['id']}", headers=key)).json()
    assert shown["status"] == "suspended"


async def test_an_order_from_php_array_fields(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    product = await make_product(runtime)
    await make_pricing(runtime, int(str(product["id"])))
    key = bearer(await make_api_key(runtime))
    fields = {"customer_id": str(customer["id"]), "items[0][product_id]": str(product["id"])}
    response = await client.post(f"{API}/orders", headers=key, data=fields)
    assert response.status_code == 201, response.text
    assert [item["product_id"] for item in response.json()["items"]] == [product["id"]]


async def test_a_ticket_from_a_form(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    department = await make_department(runtime)
    key = bearer(await make_api_key(runtime))
    fields = {
        "customer_id": str(customer["id"]),
        "department_id": str(department["id"]),
        "subject": "Mail bounces",
        "content": "Every message to the list bounces.",
        "priority": "high",
    }
    response = await client.post(f"{API}/tickets", headers=key, data=fields)
    assert response.status_code == 201, response.text
    assert (response.json()["subject"], response.json()["priority"]) == ("Mail bounces", "high")


async def test_an_export_from_a_form(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = bearer(await make_api_key(runtime))
    response = await client.post(f"{API}/invoices/export", headers=key, data={"format": "csv", "status": "all"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("ID,Client,")


async def test_a_bad_form_field_is_a_422_naming_it(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    key = bearer(await make_api_key(runtime))
    response = await client.post(f"{API}/orders", headers=key, data={"customer_id": str(customer["id"])})
    assert response.status_code == 422
    assert "items" in response.json()["errors"]
