"""My Account → Billing: the saved card, added through a card setup, replaced and removed; in the test environment
with the test gateway's cards, in live mode with Stripe (the real SDK against the local stand-in, the browser's
Stripe.js confirmation played by the stand-in). Each change needs the form's CSRF token; another customer's card is
the 404 page; live and test cards never mix."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from hostlane.billing import service as billing
from hostlane.billing.cards import Card
from hostlane.core import clock
from hostlane.customers.sessions import customer_principal
from hostlane.drivers import payments
from hostlane.drivers.payments.test import DECLINED, SUCCEEDS, TIMES_OUT, TestGateway
from hostlane.faces.web import kit
from hostlane.jobs.runner import drain
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.faces.web.conftest import CUSTOMER_PASSWORD, Web
from tests.fixtures.factories import make_customer
from tests.fixtures.live import LiveServer
from tests.fixtures.stripe_standin import DECLINED_METHOD, StripeStandIn

PAGE = "/portal/account/billing"
TEST_HOST = "test.hostlane.test"
PUBLISHABLE_KEY = "pk_test_hostlane"


async def saved(runtime: Runtime, customer: dict[str, Any]) -> Card | None:
    customer_id = int(customer["id"])
    principal = customer_principal(customer_id, bool(customer["livemode"]), None)
    async with runtime.db.reader() as session:
        return await billing.saved_card(session, principal, customer_id)


def text_of(page: str) -> str:
    """What a person reads: the page's text without its tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def test_gateway() -> TestGateway:
    gateway = payments.get("test")
    assert isinstance(gateway, TestGateway)
    gateway.reset()
    return gateway


@pytest.fixture
async def test_customer(runtime: Runtime) -> dict[str, Any]:
    return await make_customer(runtime, livemode=False, password=CUSTOMER_PASSWORD, firstname="Tess", lastname="Mode")


@pytest.fixture
async def sandbox(runtime: Runtime, client_for: ClientFactory, test_customer: dict[str, Any]) -> Web:
    """A browser logged in to the test environment's client area (a ``HOSTLANE_TEST_HOSTS`` name)."""
    runtime.settings.test_hosts = [TEST_HOST]
    web = Web(client_for(base_url=f"http://{TEST_HOST}"), "/portal")
    await web.login(str(test_customer["email"]), CUSTOMER_PASSWORD)
    return web


@pytest.fixture
def stripe(stripe_runtime: Runtime, standin: tuple[StripeStandIn, LiveServer]) -> StripeStandIn:
    """Live mode with Stripe configured: the SDK talks to the stand-in, the page has a publishable key."""
    stripe_runtime.settings.stripe_publishable_key = PUBLISHABLE_KEY  # the settings in force (the stand-in's)
    return standin[0]


# ---------------------------------------------------------------------------------------------------------------
# The test environment: the test gateway's cards, no Stripe.js


async def test_the_test_environment_offers_test_cards_and_no_stripe(sandbox: Web) -> None:
    page = await sandbox.get(PAGE)
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "You have no saved card." in shown and "Test environment: choose one of the test gateway's cards." in shown
    for label in ("Visa (succeeds)", "Declined (refused when saved)", "Visa (saved, then times out when charged)"):
        assert label in shown
    assert "js.stripe.com" not in page.text and "billing-card.js" not in page.text
    assert page.headers["content-security-policy"] == kit.WEB_CSP


async def test_adding_then_replacing_a_test_card(
    runtime: Runtime, sandbox: Web, test_customer: dict[str, Any], test_gateway: TestGateway
) -> None:
    added = await sandbox.post(f"{PAGE}/test-card", {"card": SUCCEEDS})
    assert added.status_code == 303 and added.headers["location"] == f"{PAGE}?notice=card_saved"
    page = text_of((await sandbox.get(added.headers["location"])).text)
    expiry = f"12/{clock.now().year + 3}"
    assert "Your card is saved. Your invoices will be charged to it." in page
    assert f"Visa •••• 4242 · Expires {expiry}" in page
    assert "Replace the card" in page
    card = await saved(runtime, test_customer)
    assert card is not None and (card.gateway, card.last4, card.livemode) == ("test", "4242", False)

    replaced = await sandbox.post(f"{PAGE}/test-card", {"card": TIMES_OUT})
    assert replaced.status_code == 303
    now = await saved(runtime, test_customer)
    assert now is not None and now.last4 == "0119"
    await drain(runtime)
    assert test_gateway.state.detached == [SUCCEEDS]  # the old card is forgotten by the gateway too


async def test_a_declined_card_is_shown_next_to_the_choice_and_nothing_is_saved(
    runtime: Runtime, sandbox: Web, test_customer: dict[str, Any], test_gateway: TestGateway
) -> None:
    refused = await sandbox.post(f"{PAGE}/test-card", {"card": DECLINED})
    assert refused.status_code == 422
    assert '<p class="error" id="e-card" role="alert">Your card was declined.</p>' in refused.text
    assert f'value="{DECLINED}" checked' in refused.text  # the choice is kept
    assert await saved(runtime, test_customer) is None
    blank = await sandbox.post(f"{PAGE}/test-card", {})
    assert blank.status_code == 422 and "Choose a test card." in blank.text
    typed = await sandbox.post(f"{PAGE}/test-card", {"card": "<script>alert(1)</script>{{7*7}}"})
    assert typed.status_code == 422 and "Choose one of the test cards." in typed.text
    assert "<script>alert(1)" not in typed.text and "{{7*7}}" not in typed.text  # never echoed, never evaluated
    assert await saved(runtime, test_customer) is None


async def test_the_page_in_french(sandbox: Web, test_gateway: TestGateway) -> None:
    sandbox.client.cookies.set(kit.LANGUAGE_COOKIE, "fr")
    await sandbox.post(f"{PAGE}/test-card", {"card": SUCCEEDS})
    page = text_of((await sandbox.get(f"{PAGE}?notice=card_saved")).text)
    assert "Votre carte est enregistrée. Vos factures y seront débitées." in page
    assert f"Visa •••• 4242 · Expire fin 12/{clock.now().year + 3}" in page
    assert "Remplacer la carte" in page and "Visa (acceptée)" in page


async def test_removing_the_card(
    runtime: Runtime, sandbox: Web, test_customer: dict[str, Any], test_gateway: TestGateway
) -> None:
    await sandbox.post(f"{PAGE}/test-card", {"card": SUCCEEDS})
    card = await saved(runtime, test_customer)
    assert card is not None
    page = (await sandbox.get(PAGE)).text
    assert f'action="{PAGE}/cards/{card.id}/remove"' in page and "data-confirm=" in page
    removed = await sandbox.post(f"{PAGE}/cards/{card.id}/remove")
    assert removed.status_code == 303 and removed.headers["location"] == f"{PAGE}?notice=card_removed"
    after = text_of((await sandbox.get(removed.headers["location"])).text)
    assert "Your card is removed." in after and "You have no saved card." in after
    assert await saved(runtime, test_customer) is None
    await drain(runtime)
    assert test_gateway.state.detached == [SUCCEEDS]


async def test_every_change_needs_its_csrf_token(
    runtime: Runtime, sandbox: Web, test_customer: dict[str, Any], test_gateway: TestGateway
) -> None:
    refused = await sandbox.post(f"{PAGE}/test-card", {"card": SUCCEEDS}, csrf=False)
    assert refused.status_code == 403 and "This form has expired" in refused.text
    assert await saved(runtime, test_customer) is None
    await sandbox.post(f"{PAGE}/test-card", {"card": SUCCEEDS})
    card = await saved(runtime, test_customer)
    assert card is not None
    for path, fields in (
        (f"{PAGE}/cards/{card.id}/remove", {}),
        (f"{PAGE}/test-card", {"card": TIMES_OUT}),
        (f"{PAGE}/setup", {}),
        (f"{PAGE}/card", {"setup_intent": "seti_x"}),
    ):
        assert (await sandbox.post(path, fields, csrf=False)).status_code == 403, path
        assert (await sandbox.post(path, {**fields, "csrf_token": "0" * 64}, csrf=False)).status_code == 403, path
    assert await saved(runtime, test_customer) == card


async def test_another_customers_card_is_not_found(
    runtime: Runtime, sandbox: Web, client_for: ClientFactory, test_gateway: TestGateway
) -> None:
    other = await make_customer(runtime, livemode=False, password=CUSTOMER_PASSWORD)
    theirs = Web(client_for(base_url=f"http://{TEST_HOST}"), "/portal")
    await theirs.login(str(other["email"]), CUSTOMER_PASSWORD)
    await theirs.post(f"{PAGE}/test-card", {"card": SUCCEEDS})
    card = await saved(runtime, other)
    assert card is not None
    refused = await sandbox.post(f"{PAGE}/cards/{card.id}/remove")
    assert refused.status_code == 404 and "Page not found" in refused.text
    assert await saved(runtime, other) == card
    assert "You have no saved card." in text_of((await sandbox.get(PAGE)).text)


async def test_not_logged_in_goes_to_the_login_page(browser_for: Any) -> None:
    web: Web = browser_for("/portal")
    page = await web.get(PAGE)
    assert page.status_code == 303 and page.headers["location"] == "/portal/login?next=/portal/account/billing"
    removed = await web.post(f"{PAGE}/cards/1/remove")
    assert removed.status_code == 303 and removed.headers["location"] == "/portal/login"


# ---------------------------------------------------------------------------------------------------------------
# Live mode with Stripe: Stripe.js in the browser, the SetupIntent read back by the server


async def start_setup(portal: Web) -> tuple[str, str]:
    """ "Add a card": the card form's page; returns the SetupIntent's id and client secret it carries."""
    page = await portal.post(f"{PAGE}/setup")
    assert page.status_code == 200, page.text
    assert page.headers["content-security-policy"] == kit.STRIPE_CSP
    assert '<script src="https://js.stripe.com/v3/"></script>' in page.text
    assert '<script src="/portal/assets/billing-card.js" defer></script>' in page.text
    assert f'data-stripe-key="{PUBLISHABLE_KEY}"' in page.text
    setup_id = page.text.split('name="setup_intent" value="', 1)[1].split('"', 1)[0]
    secret = page.text.split('data-client-secret="', 1)[1].split('"', 1)[0]
    return setup_id, secret


async def test_a_live_card_is_saved_through_stripe(
    runtime: Runtime, stripe: StripeStandIn, portal: Web, customer: dict[str, Any]
) -> None:
    page = await portal.get(PAGE)
    assert page.status_code == 200 and page.headers["content-security-policy"] == kit.WEB_CSP
    assert "js.stripe.com" not in page.text and f'action="{PAGE}/setup"' in page.text
    assert "Adding a card needs JavaScript" in text_of(page.text)  # in <noscript>

    setup_id, secret = await start_setup(portal)
    assert secret == f"{setup_id}_secret_standin" and stripe.setups[setup_id]["usage"] == "off_session"
    stripe.confirm_setup(setup_id, "pm_card_visa")  # Stripe.js's confirmCardSetup, in the browser
    done = await portal.post(f"{PAGE}/card", {"setup_intent": setup_id})
    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?notice=card_saved"
    shown = text_of((await portal.get(done.headers["location"])).text)
    assert "Visa •••• 4242 · Expires 12/2034" in shown
    card = await saved(runtime, customer)
    assert card is not None and (card.gateway, card.livemode) == ("stripe", True)

    replace_id, _ = await start_setup(portal)
    stripe.confirm_setup(replace_id, "pm_card_mastercard")
    assert (await portal.post(f"{PAGE}/card", {"setup_intent": replace_id})).status_code == 303
    await drain(runtime)
    first, second = stripe.methods.values()
    assert first["customer"] is None and second["customer"] is not None  # the replaced card is detached
    shown = text_of((await portal.get(PAGE)).text)
    assert "Mastercard •••• 4444" in shown


async def test_a_card_stripe_declined_is_shown_as_an_error(
    runtime: Runtime, stripe: StripeStandIn, portal: Web, customer: dict[str, Any]
) -> None:
    setup_id, _ = await start_setup(portal)
    stripe.confirm_setup(setup_id, DECLINED_METHOD)
    refused = await portal.post(f"{PAGE}/card", {"setup_intent": setup_id})
    assert refused.status_code == 422
    assert '<p class="error" id="e-card" role="alert">Your card was declined.</p>' in refused.text
    assert await saved(runtime, customer) is None
    unconfirmed, _ = await start_setup(portal)  # sent without Stripe's confirmation (no JavaScript)
    refused = await portal.post(f"{PAGE}/card", {"setup_intent": unconfirmed})
    assert refused.status_code == 422 and "The card was not saved." in text_of(refused.text)
    stripe.down = True
    down = await portal.post(f"{PAGE}/setup")
    assert down.status_code == 503 and "The payment gateway did not answer." in down.text
    assert await saved(runtime, customer) is None


async def test_another_customers_setup_intent_is_not_found(
    runtime: Runtime, stripe: StripeStandIn, portal: Web, browser_for: Any
) -> None:
    other = await make_customer(runtime, password=CUSTOMER_PASSWORD)
    theirs: Web = browser_for("/portal")
    await theirs.login(str(other["email"]), CUSTOMER_PASSWORD)
    setup_id, _ = await start_setup(theirs)
    stripe.confirm_setup(setup_id, "pm_card_visa")
    await start_setup(portal)  # this customer has a Stripe Customer too
    refused = await portal.post(f"{PAGE}/card", {"setup_intent": setup_id})
    assert refused.status_code == 404 and "Page not found" in refused.text
    assert await saved(runtime, other) is None


async def test_live_without_stripe_says_so(runtime: Runtime, portal: Web, customer: dict[str, Any]) -> None:
    page = await portal.get(PAGE)
    assert "Cards cannot be saved yet: no payment provider is configured." in text_of(page.text)
    assert f'action="{PAGE}/setup"' not in page.text
    refused = await portal.post(f"{PAGE}/setup")
    assert refused.status_code == 422 and "Cards cannot be saved here: no payment gateway." in refused.text


# ---------------------------------------------------------------------------------------------------------------
# Live and test never mix


async def test_live_and_test_cards_never_mix(
    runtime: Runtime,
    portal: Web,
    customer: dict[str, Any],
    sandbox: Web,
    test_customer: dict[str, Any],
    test_gateway: TestGateway,
) -> None:
    live_test_card = await portal.post(f"{PAGE}/test-card", {"card": SUCCEEDS})
    assert live_test_card.status_code == 422 and "Test cards are for the test environment only." in live_test_card.text
    assert await saved(runtime, customer) is None

    await sandbox.post(f"{PAGE}/test-card", {"card": SUCCEEDS})
    test_card = await saved(runtime, test_customer)
    assert test_card is not None
    assert "You have no saved card." in text_of((await portal.get(PAGE)).text)
    refused = await portal.post(f"{PAGE}/cards/{test_card.id}/remove")  # a test card's id, from a live login
    assert refused.status_code == 404
    assert await saved(runtime, test_customer) == test_card
