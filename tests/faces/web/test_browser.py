"""The paths a person takes through the client area and the admin panel, in a real headless Chromium (Debian's,
driven by Playwright), each page saved as a screenshot for a reviewer (``screenshots/``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.faces.web.conftest import CUSTOMER_PASSWORD
from tests.fixtures.browser import browser_page, live_url, screenshot
from tests.fixtures.factories import ADMIN_PASSWORD

if TYPE_CHECKING:
    from playwright.async_api import Page

__all__ = ["browser_page", "live_url"]  # fixtures


async def test_a_customer_logs_in_and_out(browser_page: Page, live_url: str, customer: dict[str, Any]) -> None:
    from playwright.async_api import expect

    page = browser_page
    await page.goto(f"{live_url}/portal/")
    await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    await screenshot(page, "portal-login")
    await page.get_by_label("E-mail address").fill(str(customer["email"]))
    await page.get_by_label("Password").fill(CUSTOMER_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Welcome, Marie Dubois")).to_be_visible()
    await screenshot(page, "portal-dashboard")
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("status")).to_have_text("You are logged out.")


async def test_an_administrator_logs_in(browser_page: Page, live_url: str, admin_user: Any) -> None:
    from playwright.async_api import expect

    page = browser_page
    await page.goto(f"{live_url}/admin/")
    await page.get_by_label("Login or e-mail address").fill(admin_user.login)
    await page.get_by_label("Password").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    await screenshot(page, "admin-dashboard")
