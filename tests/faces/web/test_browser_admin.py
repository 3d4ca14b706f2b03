"""An administrator's path through the admin panel in a real headless Chromium: log in, find a customer by
searching, reply to its ticket, suspend and unsuspend its service, create an API key (seen once) and revoke
it. Every page visited is saved as a screenshot (``admin-…``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hostlane.drivers.provisioning.simulator import SimulatorModule
from hostlane.jobs.runner import drain
from hostlane.runtime import Runtime
from tests.faces.web.test_admin_tickets import make_ticket
from tests.fixtures.browser import browser_page, live_url, screenshot
from tests.fixtures.factories import ADMIN_PASSWORD, make_customer, make_department, make_service

if TYPE_CHECKING:
    from playwright.async_api import Page

__all__ = ["browser_page", "live_url"]  # fixtures


async def test_an_administrator_helps_a_customer(
    browser_page: Page, live_url: str, admin_user: Any, runtime: Runtime, simulator: SimulatorModule
) -> None:
    from playwright.async_api import expect

    for n in range(3):
        await make_customer(runtime, firstname="Other", lastname=f"Customer{n}")
    customer = await make_customer(
        runtime,
        firstname="Camille",
        lastname="Martin",
        companyname="Boulangerie Martin",
        email="camille@martin.example",
    )
    customer_id = int(customer["id"])  # type: ignore[call-overload]
    service_id = await make_service(runtime, customer_id=customer_id)
    department = await make_department(runtime, name="Technical support")
    await make_ticket(
        runtime,
        customer_id=customer_id,
        department_id=int(department["id"]),  # type: ignore[call-overload]
        subject="My website is down",
    )
    page = browser_page

    await page.goto(f"{live_url}/admin/")
    await screenshot(page, "admin-login")
    await page.get_by_label("Login or e-mail address").fill(admin_user.login)
    await page.get_by_label("Password").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    await screenshot(page, "admin-dashboard-figures")

    await page.get_by_role("link", name="Customers").click()
    await expect(page.get_by_text("4 customers")).to_be_visible()
    await screenshot(page, "admin-customers")
    await page.get_by_label("Search").fill("boulangerie")
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_text("1 customer", exact=True)).to_be_visible()
    await screenshot(page, "admin-customers-search")
    await page.get_by_role("link", name="Camille Martin").click()
    await expect(page.get_by_role("heading", name="Camille Martin")).to_be_visible()
    await screenshot(page, "admin-customer")

    await page.get_by_role("link", name="My website is down").click()
    await expect(page.get_by_role("heading", name="My website is down")).to_be_visible()
    await page.get_by_label("Your reply").fill("We restarted your server; it is back up.")
    await screenshot(page, "admin-ticket")
    await page.get_by_role("button", name="Send the reply").click()
    await expect(page.get_by_role("status")).to_have_text("Your reply was sent to the customer.")
    await expect(page.get_by_text("We restarted your server; it is back up.")).to_be_visible()
    await screenshot(page, "admin-ticket-replied")

    await page.goto(f"{live_url}/admin/customers/{customer_id}")
    await page.locator(f'a[href="/admin/services/{service_id}"]').click()
    await page.get_by_label("Reason").fill("Sending spam")
    await screenshot(page, "admin-service")
    await page.get_by_role("button", name="Suspend").click()
    await expect(page.get_by_role("status")).to_have_text("The service is suspended; its module is suspending it.")
    await screenshot(page, "admin-service-suspending")
    await drain(runtime)
    await page.reload()
    await expect(page.locator("#delivery")).to_contain_text("Done")
    assert simulator.state.machines[service_id] == "suspended"
    await screenshot(page, "admin-service-suspended")
    await page.get_by_role("button", name="Unsuspend").click()
    await expect(page.get_by_role("status")).to_have_text("The service is active again; its module is restoring it.")
    await drain(runtime)
    await page.reload()
    await expect(page.locator("#delivery")).to_contain_text("Done")
    assert simulator.state.machines[service_id] == "running"
    await screenshot(page, "admin-service-unsuspended")

    await page.get_by_role("link", name="API keys").click()
    await expect(page.get_by_text("No API keys yet.")).to_be_visible()
    await page.get_by_label("Name").fill("Accounting export")
    await page.locator('input[value="invoices:index"]').check()
    await page.locator('input[value="invoices:show"]').check()
    await screenshot(page, "admin-api-keys")
    await page.get_by_role("button", name="Create the key").click()
    await expect(page.get_by_role("heading", name="Your new API key")).to_be_visible()
    key = await page.locator("#api-key").inner_text()
    assert key.startswith("hl_live_")
    await screenshot(page, "admin-api-key-created")
    await page.get_by_role("link", name="I have copied it").click()
    await expect(page.get_by_role("cell", name="Accounting export")).to_be_visible()
    assert key not in await page.content()  # never shown again
    await page.get_by_role("button", name="Revoke").click()  # its confirmation is accepted
    await expect(page.get_by_role("status")).to_have_text("The API key is revoked: it no longer opens the API.")
    await expect(page.get_by_role("button", name="Revoke")).to_have_count(0)
    await screenshot(page, "admin-api-key-revoked")
