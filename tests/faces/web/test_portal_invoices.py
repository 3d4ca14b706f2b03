"""The client area's invoices pages: the list, one invoice, its PDF, and paying it once by card or credit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hostlane.drivers.payments.test import DECLINED, SUCCEEDS
from hostlane.models import Customer, Invoice, InvoiceStatus, Payment, PaymentStatus
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.faces.web.conftest import CUSTOMER_PASSWORD, Web
from tests.faces.web.portal_setup import catalogue, other_customer
from tests.fixtures.factories import make_api_key, make_customer, make_pricing, make_product
from tests.fixtures.http import bearer

SANDBOX = "sandbox.test"
API = "/api/application"


async def _order(runtime: Runtime, web: Web, *, livemode: bool = True) -> int:
    product = await make_product(runtime, livemode=livemode, name="Starter hosting")
    await make_pricing(runtime, int(product["id"]), monthly="9.99", livemode=livemode)  # type: ignore[call-overload]
    placed = await web.post(f"/portal/order/{product['id']}", {"cycle": "monthly"})
    assert placed.status_code == 303, placed.text
    return int(placed.headers["location"].split("/")[-1].split("?")[0])


async def _invoice(runtime: Runtime, invoice_id: int) -> Invoice:
    async with runtime.db.reader() as session:
        row = await session.get(Invoice, invoice_id)
    assert row is not None
    return row


async def _payments(runtime: Runtime, invoice_id: int) -> list[PaymentStatus]:
    async with runtime.db.reader() as session:
        return list((await session.scalars(sa.select(Payment.status).where(Payment.invoice_id == invoice_id))).all())


@pytest.fixture
async def sandbox(runtime: Runtime, client_for: ClientFactory, client: httpx.AsyncClient) -> tuple[Web, dict[str, Any]]:
    """A test-mode customer with a saved test card, logged in on the test environment's host."""
    runtime.settings.test_hosts = [SANDBOX]
    customer = await make_customer(runtime, livemode=False, password=CUSTOMER_PASSWORD, firstname="Test")
    web = Web(client_for(base_url=f"http://{SANDBOX}"), "/portal")
    await web.login(str(customer["email"]), CUSTOMER_PASSWORD)
    return web, customer


async def _save_card(runtime: Runtime, client: httpx.AsyncClient, customer_id: int, card: str) -> None:
    staff = bearer(await make_api_key(runtime, livemode=False))
    saved = await client.post(
        f"http://{SANDBOX}{API}/customers/{customer_id}/payment-methods", json={"token": card}, headers=staff
    )
    assert saved.status_code == 201, saved.text


async def test_the_list_pages_and_filters_by_status(runtime: Runtime, portal: Web) -> None:
    first = await _order(runtime, portal)
    page = await portal.get("/portal/invoices")
    assert page.status_code == 200 and f'href="/portal/invoices/{first}"' in page.text and "Unpaid" in page.text
    paid_only = await portal.get("/portal/invoices?status=paid")
    assert f'href="/portal/invoices/{first}"' not in paid_only.text and "No invoices here." in paid_only.text


async def test_an_invoice_shows_lines_totals_and_pay_buttons(runtime: Runtime, portal: Web) -> None:
    invoice_id = await _order(runtime, portal)
    page = await portal.get(f"/portal/invoices/{invoice_id}")
    assert page.status_code == 200
    assert "Starter hosting (monthly)" in page.text and '<td class="number" id="due">€9.99</td>' in page.text
    assert "Pay with my saved card" in page.text and 'href="/portal/account/billing"' in page.text
    assert "Pay with my credit" not in page.text  # no credit to pay with


async def test_the_pdf_downloads(runtime: Runtime, portal: Web) -> None:
    invoice_id = await _order(runtime, portal)
    pdf = await portal.get(f"/portal/invoices/{invoice_id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment;" in pdf.headers["content-disposition"]


async def test_paying_by_credit_once(runtime: Runtime, portal: Web, customer: dict[str, Any]) -> None:
    invoice_id = await _order(runtime, portal)
    async with runtime.db.transaction() as session:
        await session.execute(
            sa.text("UPDATE customers SET credit_minor = 2000 WHERE id = :id"), {"id": customer["id"]}
        )
    shown = await portal.get(f"/portal/invoices/{invoice_id}")
    assert "Pay with my credit (€20.00)" in shown.text
    paid = await portal.post(f"/portal/invoices/{invoice_id}/pay", {"method": "credit"})
    assert paid.status_code == 303 and paid.headers["location"].endswith("?notice=invoice_paid")
    assert (await _invoice(runtime, invoice_id)).status is InvoiceStatus.PAID
    again = await portal.post(f"/portal/invoices/{invoice_id}/pay", {"method": "credit"})  # a double submit
    assert again.status_code == 303 and again.headers["location"].endswith("?notice=already_paid")
    page = await portal.get(again.headers["location"])
    assert "This invoice is already paid: nothing more was charged." in page.text
    async with runtime.db.reader() as session:
        credit = await session.scalar(sa.select(Customer.credit_minor).where(Customer.id == customer["id"]))
    assert credit == 2000 - 999


async def test_credit_that_falls_short_is_said(runtime: Runtime, portal: Web) -> None:
    invoice_id = await _order(runtime, portal)
    answer = await portal.post(f"/portal/invoices/{invoice_id}/pay", {"method": "credit"})
    assert answer.status_code == 402 and "Your account credit does not cover the amount due." in answer.text
    assert (await _invoice(runtime, invoice_id)).status is InvoiceStatus.UNPAID


async def test_no_saved_card_says_so_and_links_to_billing(runtime: Runtime, portal: Web) -> None:
    invoice_id = await _order(runtime, portal)
    answer = await portal.post(f"/portal/invoices/{invoice_id}/pay", {"method": "card"})
    assert answer.status_code == 422 and "You have no saved card." in answer.text
    assert '<a href="/portal/account/billing">Add or replace your card' in answer.text


async def test_paying_by_the_saved_card_charges_once(
    runtime: Runtime, client: httpx.AsyncClient, sandbox: tuple[Web, dict[str, Any]]
) -> None:
    web, customer = sandbox
    await _save_card(runtime, client, int(customer["id"]), SUCCEEDS)
    invoice_id = await _order(runtime, web, livemode=False)
    paid = await web.post(f"/portal/invoices/{invoice_id}/pay", {"method": "card"})
    assert paid.status_code == 303 and paid.headers["location"].endswith("?notice=invoice_paid")
    again = await web.post(f"/portal/invoices/{invoice_id}/pay", {"method": "card"})
    assert again.headers["location"].endswith("?notice=already_paid")
    assert await _payments(runtime, invoice_id) == [PaymentStatus.SUCCEEDED]
    assert "Thank you: the invoice is paid." in (await web.get(paid.headers["location"])).text


async def test_a_declined_card_is_said_and_nothing_is_paid(
    runtime: Runtime, client: httpx.AsyncClient, sandbox: tuple[Web, dict[str, Any]]
) -> None:
    web, customer = sandbox
    await _save_card(runtime, client, int(customer["id"]), DECLINED)
    invoice_id = await _order(runtime, web, livemode=False)
    answer = await web.post(f"/portal/invoices/{invoice_id}/pay", {"method": "card"})
    assert answer.status_code == 402 and "The payment was declined." in answer.text
    assert (await _invoice(runtime, invoice_id)).status is InvoiceStatus.UNPAID


async def test_another_customers_invoice_is_not_found(runtime: Runtime, portal: Web, browser_for: Any) -> None:
    other = await other_customer(runtime)
    await catalogue(runtime)
    theirs_web: Web = browser_for("/portal", "127.0.0.9")
    from hostlane.customers import service as customers
    from hostlane.customers.schemas import CustomerUpdate
    from hostlane.identity.principal import Principal

    async with runtime.db.transaction() as session:
        await customers.update_customer(
            session, Principal.system(), int(other["id"]), CustomerUpdate(password=CUSTOMER_PASSWORD)
        )
    await theirs_web.login(str(other["email"]), CUSTOMER_PASSWORD)
    theirs = await _order(runtime, theirs_web)
    assert (await portal.get(f"/portal/invoices/{theirs}")).status_code == 404
    assert (await portal.get(f"/portal/invoices/{theirs}/pdf")).status_code == 404
    assert (await portal.post(f"/portal/invoices/{theirs}/pay", {"method": "credit"})).status_code == 404


async def test_without_csrf_nothing_is_paid(runtime: Runtime, portal: Web, customer: dict[str, Any]) -> None:
    invoice_id = await _order(runtime, portal)
    async with runtime.db.transaction() as session:
        await session.execute(
            sa.text("UPDATE customers SET credit_minor = 2000 WHERE id = :id"), {"id": customer["id"]}
        )
    answer = await portal.post(f"/portal/invoices/{invoice_id}/pay", {"method": "credit"}, csrf=False)
    assert answer.status_code == 403 and (await _invoice(runtime, invoice_id)).status is InvoiceStatus.UNPAID


async def test_not_logged_in_goes_to_the_login(browser_for: Any) -> None:
    answer = await browser_for("/portal").get("/portal/invoices/1")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/portal/login")
