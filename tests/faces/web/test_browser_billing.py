"""My Account → Billing in a real headless Chromium, in the test environment: a customer adds one of the test
gateway's cards, sees it, is refused a declined one, and removes the card; each page is a screenshot. (Live mode
needs Stripe.js from js.stripe.com, which a test on this machine cannot load: its server side is tested over HTTP
against the Stripe stand-in in test_portal_billing.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from hostlane.app import create_app
from hostlane.config import Settings
from hostlane.core import clock
from hostlane.drivers import payments
from hostlane.drivers.payments.test import SUCCEEDS, TestGateway
from hostlane.jobs.runner import drain
from hostlane.runtime import Runtime
from tests.faces.web.conftest import CUSTOMER_PASSWORD
from tests.fixtures.browser import browser_page, screenshot
from tests.fixtures.factories import make_customer
from tests.fixtures.live import LiveServer

if TYPE_CHECKING:
    from playwright.async_api import Page

__all__ = ["browser_page"]  # fixture

BROWSER_HOST = "127.0.0.1"


@pytest.fixture
def live_url(settings: Settings, runtime: Runtime) -> Iterator[str]:
    """The app served over real HTTP as the test environment. The test environment is the same pages on a
    ``HOSTLANE_TEST_HOSTS`` host name, and the browser reaches the live server as ``127.0.0.1`` (the address the
    server listens on: no name to resolve, which ``localhost`` would need, possibly to ::1 first), so this
    server's settings are a copy of the suite's whose ``test_hosts`` is that address. Overrides the shared
    ``live_url`` (which serves live mode) for this module only; ``browser_page`` then opens this server.

    The settings in force are the process's (``Runtime.build`` puts them in force, and the app reads them per
    request), so this server is built after the suite's ``runtime``: its copy is the one in force during the test
    (the next test's ``runtime`` puts the suite's back)."""
    served = settings.model_copy(update={"inprocess_jobs": False, "test_hosts": [BROWSER_HOST]})
    with LiveServer(create_app(served)) as server:
        assert f"//{BROWSER_HOST}:" in server.url
        yield server.url


@pytest.fixture
async def test_customer(runtime: Runtime) -> AsyncIterator[dict[str, Any]]:
    gateway = payments.get("test")
    assert isinstance(gateway, TestGateway)
    gateway.reset()
    yield await make_customer(runtime, livemode=False, password=CUSTOMER_PASSWORD, firstname="Tess", lastname="Mode")


async def test_a_customer_adds_and_removes_a_test_card(
    browser_page: Page, live_url: str, test_customer: dict[str, Any], runtime: Runtime
) -> None:
    from playwright.async_api import expect

    page = browser_page
    await page.goto(f"{live_url}/portal/account/billing")
    await page.get_by_label("E-mail address").fill(str(test_customer["email"]))
    await page.get_by_label("Password").fill(CUSTOMER_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
    await expect(page.get_by_text("Test environment", exact=True)).to_be_visible()
    await expect(page.get_by_text("You have no saved card.")).to_be_visible()
    assert await page.locator("script[src^='https://js.stripe.com']").count() == 0
    await screenshot(page, "portal-billing-test-no-card")

    await page.get_by_label("Declined (refused when saved)").check()
    await page.get_by_role("button", name="Add a card").click()
    await expect(page.locator("#e-card")).to_have_text("Your card was declined.")
    await expect(page.get_by_label("Declined (refused when saved)")).to_be_checked()
    await screenshot(page, "portal-billing-test-declined")

    await page.get_by_label("Visa (succeeds)").check()
    await page.get_by_role("button", name="Add a card").click()
    await expect(page.get_by_role("status")).to_have_text("Your card is saved. Your invoices will be charged to it.")
    await expect(page.locator(".saved-card")).to_have_text(f"Visa •••• 4242 · Expires 12/{clock.now().year + 3}")
    await expect(page.get_by_role("heading", name="Replace the card")).to_be_visible()
    await screenshot(page, "portal-billing-test-card-saved")

    await page.get_by_role("button", name="Remove").click()  # its data-confirm dialog is accepted
    await expect(page.get_by_role("status")).to_have_text("Your card is removed.")
    await expect(page.get_by_text("You have no saved card.")).to_be_visible()
    await screenshot(page, "portal-billing-test-card-removed")
    await drain(runtime)
    gateway = payments.get("test")
    assert isinstance(gateway, TestGateway) and gateway.state.detached == [SUCCEEDS]
