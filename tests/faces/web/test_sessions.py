"""Logging in and out of the client area and the admin panel: the cookie, the CSRF token, the shared ban,
"log out everywhere", the language, and the pages' security headers."""

from __future__ import annotations

from typing import Any

import httpx

from hostlane.runtime import Runtime
from tests.faces.web.conftest import CUSTOMER_PASSWORD, Web
from tests.fixtures.factories import ADMIN_PASSWORD, make_customer


async def test_a_page_without_a_login_redirects_to_the_login_form_and_back(
    browser_for: Any, customer: dict[str, Any]
) -> None:
    web: Web = browser_for("/portal")
    first = await web.get("/portal/?tab=2")
    assert first.status_code == 303
    assert first.headers["location"] == "/portal/login?next=/portal/%3Ftab%3D2"
    form = await web.get(first.headers["location"])
    assert form.status_code == 200 and 'name="next" value="/portal/?tab=2"' in form.text
    response = await web.post(
        "/portal/login",
        {"username": customer["email"], "password": CUSTOMER_PASSWORD, "next": "/portal/?tab=2"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/portal/?tab=2"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("hostlane_portal=") and "HttpOnly" in cookie and "Path=/portal" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; over HTTPS the cookie is Secure
    home = await web.get("/portal/")
    assert home.status_code == 200 and "Welcome, Marie Dubois" in home.text


async def test_the_login_cookie_is_secure_over_https(client_for: Any, customer: dict[str, Any]) -> None:
    web = Web(client_for(base_url="https://testserver"), "/portal")
    response = await web.post("/portal/login", {"username": customer["email"], "password": CUSTOMER_PASSWORD})
    assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]


async def test_next_never_leads_to_another_site(browser_for: Any, customer: dict[str, Any]) -> None:
    for target in ["https://evil.example/", "//evil.example/portal/", "/admin/", "/portal\\@evil"]:
        web: Web = browser_for("/portal")
        response = await web.post(
            "/portal/login", {"username": customer["email"], "password": CUSTOMER_PASSWORD, "next": target}
        )
        assert response.headers["location"] == "/portal/", target


async def test_a_wrong_password_is_shown_on_the_form_and_opens_nothing(
    browser_for: Any, customer: dict[str, Any]
) -> None:
    web: Web = browser_for("/portal")
    response = await web.post("/portal/login", {"username": customer["email"], "password": "wrong"})
    assert response.status_code == 401
    assert "These credentials do not match our records." in response.text
    assert f'value="{customer["email"]}"' in response.text and 'value="wrong"' not in response.text
    assert "hostlane_portal" not in response.headers.get("set-cookie", "")
    assert (await web.get("/portal/")).status_code == 303


async def test_blank_fields_are_named_next_to_the_form(browser_for: Any) -> None:
    web: Web = browser_for("/portal")
    response = await web.post("/portal/login", {"username": "", "password": ""})
    assert response.status_code == 422
    assert response.text.count("This field is required.") == 2
    assert 'id="e-username"' in response.text and 'id="e-password"' in response.text


async def test_a_login_without_its_csrf_token_is_refused(browser_for: Any, customer: dict[str, Any]) -> None:
    web: Web = browser_for("/portal")
    await web.get("/portal/login")
    fields = {"username": customer["email"], "password": CUSTOMER_PASSWORD}
    missing = await web.post("/portal/login", fields, csrf=False)
    forged = await web.post("/portal/login", {**fields, "csrf_token": "0" * 64}, csrf=False)
    for response in (missing, forged):
        assert response.status_code == 403
        assert "This form has expired or was not sent from this site." in response.text
        assert "hostlane_portal" not in response.headers.get("set-cookie", "")


async def test_a_token_of_another_browser_is_refused(browser_for: Any, portal: Web) -> None:
    stranger: Web = browser_for("/portal")
    token = await stranger.token()
    response = await portal.post("/portal/logout", {"csrf_token": token}, csrf=False)
    assert response.status_code == 403
    assert (await portal.get("/portal/")).status_code == 200  # still logged in


async def test_the_third_wrong_password_bans_the_address_for_every_login(
    browser_for: Any, customer: dict[str, Any], client_for: Any
) -> None:
    web: Web = browser_for("/portal", ip="203.0.113.7")
    for _ in range(3):
        assert (await web.post("/portal/login", {"username": customer["email"], "password": "nope"})).status_code == 401
    banned = await web.post("/portal/login", {"username": customer["email"], "password": CUSTOMER_PASSWORD})
    assert banned.status_code == 403 and int(banned.headers["retry-after"]) > 0
    assert "Too many failed login attempts from your address." in banned.text
    assert "hostlane_portal" not in banned.headers.get("set-cookie", "")
    api = client_for("203.0.113.7")
    assert (await api.get("/api/details", auth=(str(customer["email"]), CUSTOMER_PASSWORD))).status_code == 403


async def test_logout_ends_the_login(portal: Web) -> None:
    response = await portal.post("/portal/logout")
    assert response.status_code == 303 and response.headers["location"] == "/portal/login?notice=logged_out"
    assert (await portal.get("/portal/")).status_code == 303
    page = await portal.get("/portal/login?notice=logged_out")
    assert "You are logged out." in page.text


async def test_logout_everywhere_ends_every_browser_and_the_api_tokens(
    browser_for: Any, portal: Web, customer: dict[str, Any], client: httpx.AsyncClient
) -> None:
    other: Web = browser_for("/portal")
    await other.login(str(customer["email"]), CUSTOMER_PASSWORD)
    api = await client.post("/api/login", json={"username": customer["email"], "password": CUSTOMER_PASSWORD})
    token = api.json()["token"]
    response = await portal.post("/portal/logout-everywhere")
    assert response.status_code == 303
    assert (await portal.get("/portal/")).status_code == 303
    assert (await other.get("/portal/")).status_code == 303
    assert (await client.get("/api/details", headers={"Authorization": f"Bearer {token}"})).status_code == 401


async def test_a_suspended_customer_is_logged_out(portal: Web, runtime: Runtime, customer: dict[str, Any]) -> None:
    from hostlane.customers import service as customers
    from hostlane.customers.schemas import Standing
    from hostlane.identity.principal import Principal

    async with runtime.db.transaction() as session:
        await customers.suspend_customer(session, Principal.system(), int(customer["id"]), Standing())
    assert (await portal.get("/portal/")).status_code == 303


async def test_the_admin_panel_has_its_own_login(browser_for: Any, admin: Web, portal: Web, admin_user: Any) -> None:
    assert (await admin.get("/admin/")).status_code == 200
    assert (await admin.get("/portal/")).status_code == 303  # an administrator's login is not a customer's
    assert (await portal.get("/admin/")).status_code == 303
    wrong: Web = browser_for("/admin")
    response = await wrong.post("/admin/login", {"username": admin_user.login, "password": "nope"})
    assert response.status_code == 401 and "These credentials do not match our records." in response.text
    by_email: Web = browser_for("/admin")
    await by_email.login(admin_user.email, ADMIN_PASSWORD)
    assert (await by_email.get("/admin/")).status_code == 200


async def test_pages_are_french_for_a_french_reader(browser_for: Any, runtime: Runtime) -> None:
    customer = await make_customer(runtime, password=CUSTOMER_PASSWORD, locale="fr_FR", firstname="Marie")
    web: Web = browser_for("/portal")
    form = await web.get("/portal/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in form.text and "Se connecter" in form.text
    await web.login(str(customer["email"]), CUSTOMER_PASSWORD)
    home = await web.get("/portal/")
    assert "Bienvenue, Marie" in home.text and "0,00\xa0€" in home.text
    switched = await web.get("/portal/language/en?next=/portal/")
    assert switched.status_code == 303 and switched.headers["location"] == "/portal/"
    assert "Welcome, Marie" in (await web.get("/portal/")).text


async def test_pages_carry_a_strict_policy_and_no_cache(portal: Web) -> None:
    response = await portal.get("/portal/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    css = await portal.get("/portal/assets/hostlane.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert (await portal.get("/portal/assets/..%2Fkit.py")).status_code == 404


async def test_an_unknown_page_is_the_realms_404_page(portal: Web) -> None:
    response = await portal.get("/portal/no-such-page")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text and "Traceback" not in response.text
