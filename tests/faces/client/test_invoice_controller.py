"""CLIENTXCMS's ``InvoiceControllerTest`` over HTTP, plus paying by balance and card, and bad input."""

from __future__ import annotations

import httpx

from hostlane.billing import service as billing
from hostlane.billing.schemas import CreditIn
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.faces.client.kit import API, assert_client_error, customer, logged_in
from tests.fixtures.invoices import make_invoice


async def test_customer_can_list_invoices(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    first = await make_invoice(runtime, int(str(row["id"])))
    second = await make_invoice(runtime, int(str(row["id"])))
    answer = await client.get(f"{API}/invoices", headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    assert [item["id"] for item in body["data"]] == [second, first]
    assert set(body["data"][0]) >= {"id", "uuid", "status", "total", "formatted_total", "currency", "created_at"}
    assert body["data"][0]["status"] == "pending" and body["data"][0]["formatted_total"] == "1.00 EUR"
    assert body["meta"] == {"current_page": 1, "last_page": 1, "per_page": 15, "total": 2}
    assert "filters" in body


async def test_customer_can_filter_invoices_by_status(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    await make_invoice(runtime, int(str(row["id"])))
    answer = await client.get(f"{API}/invoices?filter=pending", headers=headers)
    assert answer.status_code == 200 and len(answer.json()["data"]) == 1
    assert (await client.get(f"{API}/invoices?filter=paid", headers=headers)).json()["data"] == []


async def test_an_unknown_filter_is_422(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    answer = await client.get(f"{API}/invoices?filter=whatever", headers=headers)
    assert_client_error(answer, 422)
    assert list(answer.json()["errors"]) == ["filter"]
    assert_client_error(await client.get(f"{API}/invoices?per_page=1000", headers=headers), 422)


async def test_customer_cannot_see_draft_invoices(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    draft = await make_invoice(runtime, int(str(row["id"])), draft=True)
    assert (await client.get(f"{API}/invoices", headers=headers)).json()["data"] == []
    assert_client_error(await client.get(f"{API}/invoices/{draft}", headers=headers), 404)


async def test_customer_cannot_see_other_customer_invoices(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    other = await customer(runtime)
    theirs = await make_invoice(runtime, int(str(other["id"])))
    assert (await client.get(f"{API}/invoices", headers=headers)).json()["data"] == []
    for path in ("", "/pdf", "/download"):
        assert_client_error(await client.get(f"{API}/invoices/{theirs}{path}", headers=headers), 404)
    for path in ("/balance", "/pay/balance"):
        assert_client_error(await client.post(f"{API}/invoices/{theirs}{path}", headers=headers), 404)


async def test_customer_can_view_invoice_details(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    invoice_id = await make_invoice(runtime, int(str(row["id"])))
    answer = await client.get(f"{API}/invoices/{invoice_id}", headers=headers)
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert set(data) >= {"id", "uuid", "status", "subtotal", "tax", "total", "formatted_total", "currency", "items"}
    assert data["id"] == invoice_id and data["total"] == data["subtotal"] + data["tax"]
    assert len(data["items"]) == 1
    assert {gateway["uuid"] for gateway in answer.json()["available_gateways"]} >= {"balance"}


async def test_customer_can_download_invoice_pdf(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    invoice_id = await make_invoice(runtime, int(str(row["id"])))
    for path, disposition in (("download", "attachment"), ("pdf", "inline")):
        answer = await client.get(f"{API}/invoices/{invoice_id}/{path}", headers=headers)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/pdf" and answer.content.startswith(b"%PDF")
        assert answer.headers["content-disposition"].startswith(disposition)


async def test_invoices_need_a_token(client: httpx.AsyncClient) -> None:
    for path in ("", "/1", "/1/pdf", "/1/download"):
        assert_client_error(await client.get(f"{API}/invoices{path}"), 401)
    for path in ("/1/balance", "/1/pay/balance"):
        assert_client_error(await client.post(f"{API}/invoices{path}"), 401)


async def test_credit_pays_and_a_paid_invoice_is_not_paid_twice(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """Credit added to the account pays the open invoice at once (the billing domain's rule); paying it again by
    balance or card is the client API's 400, and nothing more is taken."""
    row, headers = await logged_in(runtime, client)
    invoice_id = await make_invoice(runtime, int(str(row["id"])))
    async with runtime.db.transaction() as session:
        await billing.add_credit_amount(
            session, Principal.system(), int(str(row["id"])), CreditIn(amount="5.00", reason="test")
        )
    shown = await client.get(f"{API}/invoices/{invoice_id}", headers=headers)
    assert shown.json()["data"]["status"] == "paid"
    for path in ("balance", "pay/balance", "pay/card"):
        assert_client_error(await client.post(f"{API}/invoices/{invoice_id}/{path}", headers=headers), 400)
    assert (await client.get(f"{API}/profile", headers=headers)).json()["data"]["balance"] == 4.0


async def test_a_balance_too_small_is_402(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    invoice_id = await make_invoice(runtime, int(str(row["id"])))
    assert_client_error(await client.post(f"{API}/invoices/{invoice_id}/balance", headers=headers), 402)


async def test_an_unknown_gateway_is_404(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    invoice_id = await make_invoice(runtime, int(str(row["id"])))
    assert_client_error(await client.post(f"{API}/invoices/{invoice_id}/pay/paypal", headers=headers), 404)
    assert_client_error(await client.get(f"{API}/invoices/abc", headers=headers), 422)
