"""My Account → Billing in a real headless Chromium. In the test environment a customer is refused a declined test
card, adds one and removes it. In live mode the page's own script (``billing-card.js``) drives Stripe.js: this
machine cannot load the real one from js.stripe.com, so the browser is given a small stand-in of Stripe.js at that
address (the card Element as one input, ``confirmCardSetup`` as the POST to api.stripe.com that Stripe.js makes),
and that POST is answered by the Stripe stand-in the server's SDK talks to. Each page is a screenshot."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

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
from tests.fixtures.stripe_standin import StripeStandIn

if TYPE_CHECKING:
    from playwright.async_api import Page, Route

__all__ = ["browser_page"]  # fixture

BROWSER_HOST = "127.0.0.1"
# Stripe.js as far as billing-card.js uses it: Stripe(key), elements().create("card").mount/on, confirmCardSetup
# (which POSTs the card to api.stripe.com, as the real one does; the test answers that POST).
STRIPE_JS_STAND_IN = """
window.Stripe = function (key) {
  return {
    elements() {
      return {
        create() {
          const input = document.createElement("input");
          input.setAttribute("aria-label", "Card number");
          return { input, mount(selector) { document.querySelector(selector).appendChild(input); }, on() {} };
        },
      };
    },
    async confirmCardSetup(secret, data) {
      const id = secret.split("_secret_")[0];
      const answer = await fetch("https://api.stripe.com/v1/setup_intents/" + id + "/confirm", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ key, client_secret: secret, number: data.payment_method.card.input.value }),
      });
      const body = await answer.json();
      return answer.ok ? { setupIntent: body } : { error: body.error };
    },
  };
};
"""
# The test card numbers typed into the card Element, as Stripe's test PaymentMethods.
STRIPE_TEST_NUMBERS = {"4242424242424242": "pm_card_visa", "4000000000000002": "pm_card_chargeDeclined"}


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


@pytest.fixture
def stripe_live_url(settings: Settings, live_url: str, standin: tuple[StripeStandIn, LiveServer]) -> Iterator[str]:
    """The app served over real HTTP in live mode with Stripe configured (its SDK pointed at the stand-in). Built
    after ``live_url`` (which ``browser_page`` starts), so its settings are the ones in force during the test."""
    served = settings.model_copy(
        update={
            "inprocess_jobs": False,
            "stripe_secret_key": "sk_test_hostlane",
            "stripe_api_base": standin[1].url,
            "stripe_publishable_key": "pk_test_hostlane",
        }
    )
    try:
        with LiveServer(create_app(served)) as server:
            yield server.url
    finally:
        payments.unregister("stripe")  # the gateway registry is the process's: the suite configures no Stripe


async def test_a_customer_saves_a_live_card_with_stripe_js(
    browser_page: Page,
    stripe_live_url: str,
    standin: tuple[StripeStandIn, LiveServer],
    customer: dict[str, Any],
    runtime: Runtime,
) -> None:
    from playwright.async_api import expect

    fake, _ = standin
    page = browser_page

    async def stripe_js(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/javascript", body=STRIPE_JS_STAND_IN)

    async def stripe_api(route: Route) -> None:
        setup_id = route.request.url.split("/setup_intents/", 1)[1].split("/", 1)[0]
        form = dict(parse_qsl(route.request.post_data or ""))
        body, status = fake.confirm_setup(setup_id, STRIPE_TEST_NUMBERS.get(form.get("number", ""), "pm_unknown"))
        headers = {"Access-Control-Allow-Origin": "*"}
        await route.fulfill(status=status, content_type="application/json", body=json.dumps(body), headers=headers)

    await page.route("https://js.stripe.com/v3/", stripe_js)
    await page.route("https://api.stripe.com/**", stripe_api)
    await page.goto(f"{stripe_live_url}/portal/account/billing")
    await page.get_by_label("E-mail address").fill(str(customer["email"]))
    await page.get_by_label("Password").fill(CUSTOMER_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_text("You have no saved card.")).to_be_visible()
    await expect(page.get_by_text("Test environment", exact=True)).to_have_count(0)
    await screenshot(page, "portal-billing-live-no-card")

    await page.get_by_role("button", name="Add a card").click()
    card_number = page.get_by_label("Card number")
    await expect(card_number).to_be_visible()
    await card_number.fill("4000000000000002")
    await page.get_by_role("button", name="Save the card").click()
    await expect(page.locator("#card-errors")).to_have_text("Your card was declined.")  # shown by the script
    await screenshot(page, "portal-billing-live-card-declined")

    await card_number.fill("4242424242424242")
    await page.get_by_role("button", name="Save the card").click()
    await expect(page.get_by_role("status")).to_have_text("Your card is saved. Your invoices will be charged to it.")
    await expect(page.locator(".saved-card")).to_have_text("Visa •••• 4242 · Expires 12/2034")
    await screenshot(page, "portal-billing-live-card-saved")
    (method,) = fake.methods.values()
    assert method["customer"] is not None

    await page.get_by_role("button", name="Remove").click()
    await expect(page.get_by_role("status")).to_have_text("Your card is removed.")
    await drain(runtime)
    assert method["customer"] is None  # detached at Stripe
