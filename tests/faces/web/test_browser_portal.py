"""The customer's path through the client area in a real headless Chromium: log in, order a product, pay its
invoice with the saved card, open a ticket, edit the reverse DNS of a service's address; each page saved as a
screenshot (and one at a phone's width)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from hostlane.billing import service as billing
from hostlane.drivers.payments.test import SUCCEEDS
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.runtime import Runtime
from hostlane.support import service as support
from hostlane.support.schemas import DepartmentCreate
from tests.conftest import ClientFactory
from tests.faces.web.conftest import CUSTOMER_PASSWORD
from tests.faces.web.portal_setup import catalogue, service_with_network
from tests.fixtures.browser import browser_page, live_url, screenshot
from tests.fixtures.factories import make_api_key, make_customer
from tests.fixtures.http import bearer
from tests.fixtures.mail import Inbox, body, inbox

if TYPE_CHECKING:
    from playwright.async_api import Page

__all__ = ["browser_page", "inbox", "live_url"]  # fixtures
TEST_HOST = "localhost"  # the browser reaches the live server by this name: the test environment, its test card


@pytest.fixture
async def shopper(runtime: Runtime, client_for: ClientFactory) -> dict[str, Any]:
    """A test-mode customer with a saved test card, an active service with addresses, a catalogue, a department."""
    runtime.settings.test_hosts = [TEST_HOST]  # before ``live_url`` copies the settings
    client: httpx.AsyncClient = client_for(base_url=f"http://{TEST_HOST}")
    customer = await make_customer(
        runtime, livemode=False, password=CUSTOMER_PASSWORD, firstname="Marie", lastname="Dubois"
    )
    staff = bearer(await make_api_key(runtime, livemode=False))
    saved = await client.post(
        f"/api/application/customers/{customer['id']}/payment-methods", json={"token": SUCCEEDS}, headers=staff
    )
    assert saved.status_code == 201, saved.text
    service = await service_with_network(runtime, client, int(customer["id"]), livemode=False)
    shop = await catalogue(runtime, livemode=False)
    async with runtime.db.transaction() as session:
        await billing.set_tax_rule(
            session, Principal.system(livemode=False), country="FR", state="", level=1, rate="20"
        )
        await support.create_department(
            session, Principal.system(livemode=False), DepartmentCreate(name="Technical support")
        )
    return {"customer": customer, "service": service, "shop": shop}


async def test_a_customer_orders_pays_opens_a_ticket_and_edits_rdns(
    shopper: dict[str, Any], browser_page: Page, live_url: str
) -> None:
    from playwright.async_api import expect

    page = browser_page
    base = live_url.replace("127.0.0.1", TEST_HOST)
    await page.goto(f"{base}/portal/")
    await page.get_by_label("E-mail address").fill(str(shopper["customer"]["email"]))
    await page.get_by_label("Password").fill(CUSTOMER_PASSWORD)
    await screenshot(page, "portal-path-login")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Welcome, Marie Dubois")).to_be_visible()
    await screenshot(page, "portal-path-dashboard")

    # Order: the catalogue, the product's cycles, the confirmation with tax, the invoice.
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Order").click()
    await expect(page.get_by_role("heading", name="Order a new service")).to_be_visible()
    await screenshot(page, "portal-order-catalogue")
    await page.get_by_role("link", name="Order Starter hosting").click()
    await page.get_by_label("Annually").check()
    await screenshot(page, "portal-order-product")
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", name="Confirm your order")).to_be_visible()
    await expect(page.locator("#total")).to_have_text("€118.80")  # 99.00 and 20% tax
    await screenshot(page, "portal-order-confirm")
    await page.get_by_role("button", name="Place the order").click()
    await expect(page.get_by_role("status")).to_contain_text("Your order is placed.")
    await screenshot(page, "portal-invoice-unpaid")

    # Pay it with the saved card, in one click.
    await page.get_by_role("button", name="Pay with my saved card").click()
    await expect(page.get_by_role("status")).to_have_text("Thank you: the invoice is paid.")
    await expect(page.locator("#due")).to_have_text("€0.00")
    await screenshot(page, "portal-invoice-paid")
    await page.set_viewport_size({"width": 390, "height": 844})
    await screenshot(page, "portal-invoice-phone")
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    await expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
    await screenshot(page, "portal-invoices")

    # Open a ticket.
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Support").click()
    await page.get_by_role("link", name="Open a ticket").click()
    await page.get_by_label("Department").select_option(label="Technical support")
    await page.get_by_label("Subject").fill("My new hosting")
    await page.get_by_label("Message").fill("Hello,\nwhere do I find my FTP password?")
    await screenshot(page, "portal-ticket-new")
    await page.get_by_role("button", name="Open the ticket").click()
    await expect(page.get_by_role("status")).to_contain_text("Your ticket is open")
    await expect(page.get_by_text("where do I find my FTP password?")).to_be_visible()
    await screenshot(page, "portal-ticket")

    # Edit the reverse DNS of the service's address.
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Services").click()
    await screenshot(page, "portal-services")
    await page.locator(f'a[href="/portal/services/{shopper["service"]["id"]}"]').first.click()
    await screenshot(page, "portal-service")
    await page.get_by_label("Reverse DNS of 192.0.2.2").fill("mail.example.com")
    await page.get_by_role("button", name="Save reverse DNS").click()
    await expect(page.get_by_role("status")).to_have_text("The reverse DNS is saved.")
    await expect(page.get_by_label("Reverse DNS of 192.0.2.2")).to_have_value("mail.example.com")
    await screenshot(page, "portal-service-rdns-saved")
    await page.set_viewport_size({"width": 390, "height": 844})
    await screenshot(page, "portal-service-phone")


@pytest.fixture
def trusted_loopback(runtime: Runtime) -> None:
    """The live server's own address is one this server answers to: the mailed link points at it."""
    runtime.settings.allowed_hosts = ["127.0.0.1"]  # before ``live_url`` copies the settings


async def test_a_customer_resets_a_forgotten_password_and_edits_the_account(
    runtime: Runtime, trusted_loopback: None, inbox: Inbox, customer: dict[str, Any], browser_page: Page, live_url: str
) -> None:
    from playwright.async_api import expect

    page = browser_page
    await page.goto(f"{live_url}/portal/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.get_by_label("E-mail address").fill(str(customer["email"]))
    await screenshot(page, "portal-forgot-password")
    await page.get_by_role("button", name="Send me a link").click()
    await expect(page.get_by_role("status")).to_contain_text("If an account uses this address")
    await drain(runtime)
    [mail] = inbox.messages
    found = re.search(r"(http://127\.0\.0\.1:[0-9]+/portal/reset-password\?token=[\w.-]+)", body(mail))
    assert found is not None, body(mail)
    await page.goto(found.group(1))
    await page.get_by_label("New password", exact=True).fill("a fresh long password")
    await page.get_by_label("New password, again").fill("a fresh long password")
    await screenshot(page, "portal-reset-password")
    await page.get_by_role("button", name="Set my password").click()
    await expect(page.get_by_role("status")).to_have_text("Your new password is set. Log in with it.")
    await page.get_by_label("E-mail address").fill(str(customer["email"]))
    await page.get_by_label("Password").fill("a fresh long password")
    await page.get_by_role("button", name="Log in").click()
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="My account").click()
    await page.get_by_label("Company").fill("Dubois & Fils")
    await page.get_by_label("Preferred language").select_option("fr")
    await page.get_by_role("button", name="Save my details").click()
    await expect(page.get_by_role("status")).to_have_text("Vos coordonnées sont enregistrées.")
    await screenshot(page, "portal-account-fr")
    await page.set_viewport_size({"width": 390, "height": 844})
    await screenshot(page, "portal-account-phone")
