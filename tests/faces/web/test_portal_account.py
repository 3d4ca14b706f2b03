"""The client area's account pages: details, password, log out everywhere; the forgotten-password link."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from hostlane.jobs.runner import drain
from hostlane.models import Customer
from hostlane.runtime import Runtime
from tests.faces.web.conftest import CUSTOMER_PASSWORD, Web
from tests.fixtures.mail import Inbox, body, inbox

__all__ = ["inbox"]  # fixture
NEW_PASSWORD = "an even longer new password"


async def _account(runtime: Runtime, customer_id: int) -> Customer:
    async with runtime.db.reader() as session:
        row = await session.get(Customer, customer_id)
    assert row is not None
    return row


def _fields(**changes: str) -> dict[str, str]:
    base = {"firstname": "Marie", "lastname": "Dubois", "country": "FR", "language": "en"}
    return {**base, **changes}


async def test_the_details_are_shown_and_saved(runtime: Runtime, portal: Web, customer: dict[str, Any]) -> None:
    page = await portal.get("/portal/account")
    assert page.status_code == 200 and 'value="Marie"' in page.text and str(customer["email"]) in page.text
    assert 'href="/portal/account/billing"' in page.text and 'action="/portal/logout-everywhere"' in page.text
    saved = await portal.post(
        "/portal/account",
        _fields(companyname="<b>Dubois & Fils</b>{{7*7}}", phone="+33 1 23 45 67 89", city="Lyon", language="fr"),
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/portal/account?notice=account_saved"
    row = await _account(runtime, int(customer["id"]))
    assert (row.companyname, row.phone, row.city, row.locale) == (
        "<b>Dubois & Fils</b>{{7*7}}", "+33 1 23 45 67 89", "Lyon", "fr_FR",
    )  # fmt: skip
    escaped = await portal.get(saved.headers["location"])
    assert 'value="&lt;b&gt;Dubois &amp; Fils&lt;/b&gt;{{7*7}}"' in escaped.text and "<b>Dubois" not in escaped.text
    cleared = await portal.post("/portal/account", _fields(city="Lyon", phone="", companyname="", language="fr"))
    assert cleared.status_code == 303
    row = await _account(runtime, int(customer["id"]))
    assert (row.companyname, row.phone, row.city) == (None, None, "Lyon")
    shown = await portal.get(saved.headers["location"])
    assert 'lang="fr"' in shown.text  # the language chosen shows at once
    assert "Vos coordonnées" in shown.text


async def test_bad_details_are_shown_next_to_their_field_and_nothing_is_saved(
    runtime: Runtime, portal: Web, customer: dict[str, Any]
) -> None:
    answer = await portal.post("/portal/account", _fields(firstname="", phone="call me", city="Kept city"))
    assert answer.status_code == 422
    assert '<p class="error" id="e-firstname">This field is required.</p>' in answer.text
    assert '<p class="error" id="e-phone">This value is not valid.</p>' in answer.text
    assert 'value="Kept city"' in answer.text
    row = await _account(runtime, int(customer["id"]))
    assert row.firstname == "Marie" and not row.city


async def test_what_a_customer_may_not_change_is_ignored(
    runtime: Runtime, portal: Web, customer: dict[str, Any]
) -> None:
    await portal.post("/portal/account", {**_fields(), "email": "evil@example.com", "balance": "1000", "status": "x"})
    row = await _account(runtime, int(customer["id"]))
    assert row.email == customer["email"] and row.credit_minor == 0


async def test_changing_the_password_keeps_this_browser_logged_in(
    runtime: Runtime, portal: Web, browser_for: Any, customer: dict[str, Any]
) -> None:
    other: Web = browser_for("/portal", "127.0.0.7")
    await other.login(str(customer["email"]), CUSTOMER_PASSWORD)
    wrong = await portal.post(
        "/portal/account/password",
        {"current_password": "not it", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert wrong.status_code == 422 and 'id="e-current_password">This is not your current password.' in wrong.text
    differ = await portal.post(
        "/portal/account/password",
        {"current_password": CUSTOMER_PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": "x"},
    )
    assert differ.status_code == 422 and 'id="e-new_password_again">The two new passwords differ.' in differ.text
    changed = await portal.post(
        "/portal/account/password",
        {"current_password": CUSTOMER_PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert changed.status_code == 303 and changed.headers["location"].endswith("?notice=password_changed")
    assert (await portal.get("/portal/account")).status_code == 200  # still logged in here
    assert (await other.get("/portal/account")).status_code == 303  # the other device is logged out
    fresh: Web = browser_for("/portal", "127.0.0.8")
    await fresh.login(str(customer["email"]), NEW_PASSWORD)


async def test_log_out_everywhere(portal: Web) -> None:
    answer = await portal.post("/portal/logout-everywhere")
    assert answer.status_code == 303 and (await portal.get("/portal/account")).status_code == 303


async def test_without_csrf_nothing_changes(runtime: Runtime, portal: Web, customer: dict[str, Any]) -> None:
    answer = await portal.post("/portal/account", _fields(city="Nowhere"), csrf=False)
    assert answer.status_code == 403 and (await _account(runtime, int(customer["id"]))).city != "Nowhere"


async def test_not_logged_in_goes_to_the_login(browser_for: Any) -> None:
    answer = await browser_for("/portal").get("/portal/account")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/portal/login")


async def test_a_forgotten_password_is_reset_by_a_mailed_link_once(
    runtime: Runtime, browser_for: Any, customer: dict[str, Any], inbox: Inbox
) -> None:
    runtime.settings.public_url = "https://billing.example.net"
    web: Web = browser_for("/portal")
    login = await web.get("/portal/login")
    assert 'href="/portal/forgot-password"' in login.text
    assert (await web.get("/portal/forgot-password")).status_code == 200
    asked = await web.post("/portal/forgot-password", {"email": str(customer["email"]).upper()})
    unknown = await web.post("/portal/forgot-password", {"email": "nobody@example.com"})
    assert asked.status_code == unknown.status_code == 303
    assert asked.headers["location"] == unknown.headers["location"] == "/portal/login?notice=reset_sent"
    await drain(runtime)
    [mail] = inbox.messages  # only the real account got one
    found = re.search(r"https://billing\.example\.net(/portal/reset-password\?token=[\w.-]+)", body(mail))
    assert found is not None, body(mail)
    form = await web.get(found.group(1))
    assert form.status_code == 200 and form.headers["referrer-policy"] == "no-referrer"
    token = found.group(1).split("token=")[1]
    assert f'name="token" value="{token}"' in form.text
    short = await web.post("/portal/reset-password", {"token": token, "password": "short", "password_again": "short"})
    assert short.status_code == 422 and 'id="e-password">The password needs 8 to 256 characters.' in short.text
    done = await web.post(
        "/portal/reset-password", {"token": token, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert done.status_code == 303 and done.headers["location"] == "/portal/login?notice=password_reset"
    assert "Your new password is set." in (await web.get(done.headers["location"])).text
    await web.login(str(customer["email"]), NEW_PASSWORD)
    again = await web.post(
        "/portal/reset-password", {"token": token, "password": "yet another one!", "password_again": "yet another one!"}
    )
    assert again.status_code == 400 and "This link has expired or was already used." in again.text


async def test_the_reset_link_uses_the_requests_own_address_without_a_public_url(
    runtime: Runtime, browser_for: Any, customer: dict[str, Any], inbox: Inbox
) -> None:
    runtime.settings.public_url = None
    runtime.settings.allowed_hosts = ["portal.example.org"]
    web: Web = browser_for("/portal")
    await web.post("/portal/forgot-password", {"email": str(customer["email"])}, headers={"host": "portal.example.org"})
    await drain(runtime)
    [mail] = inbox.messages
    assert "http://portal.example.org/portal/reset-password?token=" in body(mail)


async def test_forgot_password_needs_its_csrf_token(
    runtime: Runtime, browser_for: Any, customer: dict[str, Any]
) -> None:
    web: Web = browser_for("/portal")
    await web.get("/portal/forgot-password")
    answer = await web.post("/portal/forgot-password", {"email": str(customer["email"])}, csrf=False)
    assert answer.status_code == 403
    async with runtime.db.reader() as session:
        queued = await session.scalar(sa.text("SELECT count(*) FROM jobs"))
    assert queued == 0


async def test_the_reset_form_takes_a_pasted_code(
    runtime: Runtime, browser_for: Any, customer: dict[str, Any], inbox: Inbox
) -> None:
    """Without a public address the mail holds the code alone; the form without a link's token asks for it."""
    runtime.settings.public_url = None
    web: Web = browser_for("/portal")
    await web.post("/portal/forgot-password", {"email": str(customer["email"])})
    await drain(runtime)
    found = re.search(r"(eyJ[\w-]+\.[\w-]+\.[\w-]+)", body(inbox.messages[0]))
    assert found is not None and "reset code" in body(inbox.messages[0])
    form = await web.get("/portal/reset-password")
    assert 'name="token" type="text"' in form.text
    missing = await web.post("/portal/reset-password", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert missing.status_code == 422 and 'id="e-token">This field is required.' in missing.text
    done = await web.post(
        "/portal/reset-password", {"token": found.group(1), "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert done.status_code == 303
    await web.login(str(customer["email"]), NEW_PASSWORD)


async def test_the_country_is_chosen_by_its_name_in_the_readers_language(
    runtime: Runtime, portal: Web, customer: dict[str, Any]
) -> None:
    page = await portal.get("/portal/account")
    assert '<select id="f-country" name="country" required>' in page.text
    assert '<option value="FR" selected>France</option>' in page.text
    assert '<option value="DE">Germany</option>' in page.text
    saved = await portal.post("/portal/account", _fields(country="BE"))
    assert saved.status_code == 303 and (await _account(runtime, int(customer["id"]))).country == "BE"
    await portal.get("/portal/language/fr?next=/portal/account")
    french = await portal.get("/portal/account")
    assert '<option value="BE" selected>Belgique</option>' in french.text
    assert '<option value="DE">Allemagne</option>' in french.text
    refused = await portal.post("/portal/account", _fields(country="XX"))
    assert refused.status_code == 422 and 'id="e-country"' in refused.text
    assert (await _account(runtime, int(customer["id"]))).country == "BE"
