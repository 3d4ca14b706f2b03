"""My Account → Security: a partner names its integration in the page's environment, sees its clientId, sees its
secret once (in the answer to the POST only), refreshes it (the old secret then gets no token) and renames it.
Each change needs the form's CSRF token; a customer outside the partner programme gets the 404 page; the live and
the test environments each show their own integration only."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from hostlane.customers.sessions import customer_principal
from hostlane.partners import service as partners
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.faces.web.conftest import CUSTOMER_PASSWORD, Web
from tests.fixtures.partners import TOKEN_PATH, make_integration, make_partner

PAGE = "/portal/account/security"
TEST_HOST = "test.hostlane.test"
CLIENT_ID = re.compile(r'<code id="client-id">([A-Za-z0-9]+)</code>')
SECRET = re.compile(r'<code id="client-secret">([A-Za-z0-9]+)</code>')


def text_of(page: str) -> str:
    """What a person reads: the page's text without its tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def found(pattern: re.Pattern[str], page: str) -> str:
    match = pattern.search(page)
    assert match is not None, page
    return match.group(1)


async def integrations(runtime: Runtime, partner: dict[str, Any]) -> list[dict[str, Any]]:
    customer_id = int(partner["id"])
    principal = customer_principal(customer_id, bool(partner["livemode"]), None)
    async with runtime.db.reader() as session:
        return await partners.list_integrations(session, principal, customer_id)


async def token_status(client: Any, client_id: str, secret: str) -> int:
    fields = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    answer = await client.post(TOKEN_PATH, data=fields)
    return int(answer.status_code)


@pytest.fixture
async def partner(runtime: Runtime) -> dict[str, Any]:
    return await make_partner(runtime, password=CUSTOMER_PASSWORD, firstname="Paul", lastname="Partner")


@pytest.fixture
async def web(runtime: Runtime, browser_for: Any, partner: dict[str, Any]) -> Web:
    runtime.settings.test_hosts = [TEST_HOST]
    browser: Web = browser_for("/portal")
    await browser.login(str(partner["email"]), CUSTOMER_PASSWORD)
    return browser


@pytest.fixture
async def test_partner(runtime: Runtime) -> dict[str, Any]:
    return await make_partner(runtime, livemode=False, password=CUSTOMER_PASSWORD, firstname="Tess", lastname="Mode")


@pytest.fixture
async def sandbox(runtime: Runtime, client_for: ClientFactory, test_partner: dict[str, Any]) -> Web:
    """A browser logged in to the test environment's client area (a ``HOSTLANE_TEST_HOSTS`` name)."""
    runtime.settings.test_hosts = [TEST_HOST]
    browser = Web(client_for(base_url=f"http://{TEST_HOST}"), "/portal")
    await browser.login(str(test_partner["email"]), CUSTOMER_PASSWORD)
    return browser


async def test_a_partner_names_its_integration_and_sees_the_secret_once(
    runtime: Runtime, web: Web, partner: dict[str, Any]
) -> None:
    empty = await web.get(PAGE)
    assert empty.status_code == 200
    shown = text_of(empty.text)
    assert "Security" in shown and "Partner API integration" in shown
    assert "Live environment: this integration's credentials work on the live partner API only." in shown
    assert "You have no integration in this environment yet." in shown
    assert 'action="/portal/account/security/integration"' in empty.text

    created = await web.post(f"{PAGE}/integration", {"name": "Signs shop <b>{{7*7}}</b>"})
    assert created.status_code == 200
    assert created.headers["cache-control"].startswith("no-store")
    secret = found(SECRET, created.text)
    client_id = found(CLIENT_ID, created.text)
    assert len(secret) == 64 and len(client_id) == 32
    said = text_of(created.text)
    assert "Your new client secret" in said
    assert "Copy this secret now and keep it safe: it is shown only this once." in said
    assert "Signs shop &lt;b&gt;{{7*7}}&lt;/b&gt;" in created.text and "<b>{{7*7}}" not in created.text
    (stored,) = await integrations(runtime, partner)
    assert (stored["name"], stored["client_id"], stored["livemode"]) == ("Signs shop <b>{{7*7}}</b>", client_id, True)

    again = await web.get(PAGE)  # a reload: the clientId, never the secret
    assert again.status_code == 200 and client_id in again.text
    assert secret not in again.text and 'id="client-secret"' not in again.text
    assert "Your new client secret" not in again.text and 'action="/portal/account/security/refresh"' in again.text

    assert await token_status(web.client, client_id, secret) == 200


async def test_refresh_issues_a_new_secret_and_the_old_one_gets_no_token(
    runtime: Runtime, web: Web, partner: dict[str, Any]
) -> None:
    issued = await make_integration(runtime, int(partner["id"]))
    old_id, old_secret = str(issued.integration["client_id"]), issued.client_secret
    assert await token_status(web.client, old_id, old_secret) == 200

    refreshed = await web.post(f"{PAGE}/refresh")
    assert refreshed.status_code == 200
    new_secret = found(SECRET, refreshed.text)
    assert new_secret != old_secret and found(CLIENT_ID, refreshed.text) == old_id  # the clientId is kept
    assert "Secret refreshed" in text_of(refreshed.text)
    assert await token_status(web.client, old_id, old_secret) == 401
    assert await token_status(web.client, old_id, new_secret) == 200
    assert new_secret not in (await web.get(PAGE)).text

    renewed = await web.post(f"{PAGE}/refresh", {"new_client_id": "yes"})
    assert renewed.status_code == 200
    newest_id, newest_secret = found(CLIENT_ID, renewed.text), found(SECRET, renewed.text)
    assert newest_id != old_id
    (stored,) = await integrations(runtime, partner)
    assert stored["client_id"] == newest_id and stored["generation"] == 3
    assert await token_status(web.client, old_id, new_secret) == 401
    assert await token_status(web.client, newest_id, newest_secret) == 200


async def test_with_an_overlap_the_old_secret_works_until_it_ends(
    runtime: Runtime, web: Web, partner: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime.settings, "partner_secret_overlap_seconds", 90)
    issued = await make_integration(runtime, int(partner["id"]))
    page = await web.get(PAGE)
    assert (
        '<p class="hint" id="overlap">After a refresh, the current secret keeps working for 90 more seconds, '
        "then never again.</p>" in page.text
    )
    refreshed = await web.post(f"{PAGE}/refresh")
    assert refreshed.status_code == 200
    old_id, old_secret = str(issued.integration["client_id"]), issued.client_secret
    assert await token_status(web.client, old_id, old_secret) == 200  # during the overlap
    assert await token_status(web.client, old_id, found(SECRET, refreshed.text)) == 200


async def test_naming_a_second_integration_is_refused_and_issues_nothing(
    runtime: Runtime, web: Web, partner: dict[str, Any]
) -> None:
    issued = await make_integration(runtime, int(partner["id"]), name="First")
    again = await web.post(f"{PAGE}/integration", {"name": "Second"})
    assert again.status_code == 409 and 'id="client-secret"' not in again.text
    expected = '<p class="error" id="e-integration" role="alert">'
    assert f"{expected}You already have an integration here: refresh its secret instead.</p>" in again.text
    (stored,) = await integrations(runtime, partner)
    assert (stored["name"], stored["client_id"], stored["generation"]) == ("First", issued.integration["client_id"], 1)


async def test_a_partner_renames_its_integration(runtime: Runtime, web: Web, partner: dict[str, Any]) -> None:
    await make_integration(runtime, int(partner["id"]), name="First name")
    renamed = await web.post(f"{PAGE}/rename", {"name": "Digital signs"})
    assert renamed.status_code == 303 and renamed.headers["location"] == f"{PAGE}?notice=integration_renamed"
    page = await web.get(renamed.headers["location"])
    assert "Your integration is renamed." in page.text and '<dd id="integration-name">Digital signs</dd>' in page.text
    (stored,) = await integrations(runtime, partner)
    assert stored["name"] == "Digital signs"


async def test_a_blank_name_is_refused_next_to_its_field_and_nothing_is_saved(
    runtime: Runtime, web: Web, partner: dict[str, Any]
) -> None:
    blank = await web.post(f"{PAGE}/integration", {"name": "   "})
    assert blank.status_code == 422
    assert '<p class="error" id="e-name">This field is required.</p>' in blank.text
    assert 'id="client-secret"' not in blank.text
    assert await integrations(runtime, partner) == []
    long = await web.post(f"{PAGE}/integration", {"name": "x" * 101})
    assert long.status_code == 422 and '<p class="error" id="e-name">This is too long.</p>' in long.text
    assert f'value="{"x" * 101}"' in long.text  # what was typed is kept
    assert await integrations(runtime, partner) == []

    await make_integration(runtime, int(partner["id"]), name="Kept")
    unnamed = await web.post(f"{PAGE}/rename", {"name": ""})
    assert unnamed.status_code == 422 and '<p class="error" id="e-name">This field is required.</p>' in unnamed.text
    (stored,) = await integrations(runtime, partner)
    assert stored["name"] == "Kept"


async def test_each_change_needs_the_csrf_token(runtime: Runtime, web: Web, partner: dict[str, Any]) -> None:
    refused = await web.post(f"{PAGE}/integration", {"name": "No token"}, csrf=False)
    assert refused.status_code == 403
    assert await integrations(runtime, partner) == []
    issued = await make_integration(runtime, int(partner["id"]), name="Kept")
    for path, fields in ((f"{PAGE}/refresh", {"new_client_id": "yes"}), (f"{PAGE}/rename", {"name": "Changed"})):
        answer = await web.post(path, fields, csrf=False)
        assert answer.status_code == 403
    (stored,) = await integrations(runtime, partner)
    assert (stored["name"], stored["client_id"], stored["generation"]) == ("Kept", issued.integration["client_id"], 1)


async def test_without_a_login_the_page_sends_to_the_login_form(browser_for: Any) -> None:
    anonymous: Web = browser_for("/portal")
    answer = await anonymous.get(PAGE)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/portal/login")


async def test_a_customer_outside_the_partner_programme_gets_the_404_page(
    runtime: Runtime, portal: Web, customer: dict[str, Any]
) -> None:
    for answer in (
        await portal.get(PAGE),
        await portal.post(f"{PAGE}/integration", {"name": "Not a partner"}),
        await portal.post(f"{PAGE}/refresh"),
        await portal.post(f"{PAGE}/rename", {"name": "Not a partner"}),
    ):
        assert answer.status_code == 404, answer.text
    account = await portal.get("/portal/account")
    billing = await portal.get("/portal/account/billing")
    assert 'href="/portal/account/security"' not in account.text + billing.text  # no tab for a non-partner


async def test_the_account_pages_show_the_security_tab_to_a_partner(web: Web) -> None:
    for path in ("/portal/account", "/portal/account/billing"):
        page = await web.get(path)
        assert page.status_code == 200 and '<a href="/portal/account/security">Security</a>' in page.text


async def test_live_and_test_integrations_never_mix(
    runtime: Runtime,
    web: Web,
    sandbox: Web,
    partner: dict[str, Any],
    test_partner: dict[str, Any],
    client_for: ClientFactory,
) -> None:
    live = await make_integration(runtime, int(partner["id"]), name="Live shop")
    made = await sandbox.post(f"{PAGE}/integration", {"name": "Test shop"})
    assert made.status_code == 200
    test_id, test_secret = found(CLIENT_ID, made.text), found(SECRET, made.text)
    page = await sandbox.get(PAGE)
    said = text_of(page.text)
    assert "Test environment: this integration's credentials work on the test host only" in said
    assert "Test shop" in said and "Live shop" not in said and str(live.integration["client_id"]) not in page.text
    live_page = await web.get(PAGE)
    assert "Live shop" in live_page.text and test_id not in live_page.text
    (stored,) = await integrations(runtime, test_partner)
    assert (stored["name"], stored["livemode"]) == ("Test shop", False)

    test_host = client_for(base_url=f"http://{TEST_HOST}")
    assert await token_status(test_host, test_id, test_secret) == 200
    assert await token_status(web.client, test_id, test_secret) == 401  # a test secret gets no live token
    assert await token_status(test_host, str(live.integration["client_id"]), live.client_secret) == 401

    refreshed = await sandbox.post(f"{PAGE}/refresh")  # refreshing the test one leaves the live one alone
    assert refreshed.status_code == 200
    assert await token_status(web.client, str(live.integration["client_id"]), live.client_secret) == 200
