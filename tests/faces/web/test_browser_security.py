"""My Account → Security in a real headless Chromium: a partner opens the Security tab, is refused a blank name,
names its integration (the secret shown once), reloads (the secret is gone), refreshes the secret with a new
clientId (its confirmation accepted) and renames it. Each page is a screenshot."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from hostlane.runtime import Runtime
from tests.faces.web.conftest import CUSTOMER_PASSWORD
from tests.fixtures.browser import browser_page, live_url, screenshot
from tests.fixtures.partners import TOKEN_PATH, make_partner

if TYPE_CHECKING:
    from playwright.async_api import Page

__all__ = ["browser_page", "live_url"]  # fixtures


@pytest.fixture
async def partner(runtime: Runtime) -> dict[str, Any]:
    return await make_partner(runtime, password=CUSTOMER_PASSWORD, firstname="Paul", lastname="Partner")


async def _token_status(live_url: str, client_id: str, secret: str) -> int:
    fields = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    async with httpx.AsyncClient(base_url=live_url) as client:
        return (await client.post(TOKEN_PATH, data=fields)).status_code


async def test_a_partner_names_and_refreshes_its_integration(
    browser_page: Page, live_url: str, partner: dict[str, Any]
) -> None:
    from playwright.async_api import expect

    page = browser_page
    await page.goto(f"{live_url}/portal/account")
    await page.get_by_label("E-mail address").fill(str(partner["email"]))
    await page.get_by_label("Password").fill(CUSTOMER_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.get_by_role("link", name="Security").click()
    await expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()
    await expect(page.get_by_text("You have no integration in this environment yet.", exact=False)).to_be_visible()
    await screenshot(page, "portal-security-empty")

    await page.get_by_role("button", name="Create the integration").click()
    await expect(page.locator("#e-name")).to_have_text("This field is required.")
    await screenshot(page, "portal-security-blank-name")

    await page.get_by_label("Integration name").fill("Signs shop")
    await page.get_by_role("button", name="Create the integration").click()
    await expect(page.get_by_role("heading", name="Your new client secret")).to_be_visible()
    await expect(page.get_by_role("alert")).to_contain_text("it is shown only this once")
    secret = await page.locator("#client-secret").inner_text()
    client_id = await page.locator("#client-id").inner_text()
    assert re.fullmatch(r"[A-Za-z0-9]{64}", secret) and re.fullmatch(r"[A-Za-z0-9]{32}", client_id)
    await expect(page.locator("#integration-name")).to_have_text("Signs shop")
    await screenshot(page, "portal-security-secret-shown")
    assert await _token_status(live_url, client_id, secret) == 200

    await page.get_by_role("link", name="I have copied it").click()
    await expect(page.locator("#client-id")).to_have_text(client_id)
    assert await page.locator("#client-secret").count() == 0
    assert secret not in await page.content()
    await screenshot(page, "portal-security-integration")

    await page.get_by_label("Issue a new client ID too").check()
    await page.get_by_role("button", name="Refresh the secret").click()  # its data-confirm dialog is accepted
    await expect(page.get_by_role("heading", name="Your new client secret")).to_be_visible()
    new_secret = await page.locator("#client-secret").inner_text()
    new_id = await page.locator("#client-id").inner_text()
    assert new_secret != secret and new_id != client_id
    await screenshot(page, "portal-security-refreshed")
    assert await _token_status(live_url, client_id, secret) == 401
    assert await _token_status(live_url, new_id, new_secret) == 200

    await page.goto(f"{live_url}/portal/account/security")
    await page.get_by_label("Integration name").fill("Digital signs")
    await page.get_by_role("button", name="Rename", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Your integration is renamed.")
    await expect(page.locator("#integration-name")).to_have_text("Digital signs")
    await screenshot(page, "portal-security-renamed")
