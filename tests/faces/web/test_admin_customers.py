"""The admin panel's customers pages: the list searched and paged, a customer with what it has, editing it
and adding credit, each behind its permission and its CSRF token."""

from __future__ import annotations

from typing import Any

from hostlane.customers import service as customers
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.faces.web.conftest import Web, limited_admin
from tests.fixtures.factories import make_customer, make_service

SYSTEM = Principal.system()


async def _customer(runtime: Runtime, customer_id: int) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        return await customers.get_customer(session, SYSTEM, customer_id)


async def test_the_list_finds_customers_by_name_email_or_company(admin: Web, runtime: Runtime) -> None:
    ada = await make_customer(runtime, firstname="Ada", lastname="Lovelace", companyname="Analytical Engines")
    await make_customer(runtime, firstname="Grace", lastname="Hopper", email="grace@navy.example")
    everyone = await admin.get("/admin/customers")
    assert everyone.status_code == 200
    assert "2 customers" in everyone.text and "Ada Lovelace" in everyone.text and "Grace Hopper" in everyone.text
    for text in ["ada love", "ANALYTICAL", str(ada["email"])[:9]]:
        found = await admin.get("/admin/customers", params={"q": text})
        assert "1 customer" in found.text and "Ada Lovelace" in found.text and "Grace" not in found.text, text
    by_email = await admin.get("/admin/customers", params={"q": "navy.example"})
    assert "Grace Hopper" in by_email.text and "Ada Lovelace" not in by_email.text
    none = await admin.get("/admin/customers", params={"q": "nobody%_"})
    assert "No customer matches." in none.text


async def test_the_list_pages(admin: Web, runtime: Runtime) -> None:
    for n in range(27):
        await make_customer(runtime, firstname="Page", lastname=f"Person{n:02d}")
    first = await admin.get("/admin/customers", params={"q": "page"})
    assert "27 customers" in first.text and "Page 1 of 2" in first.text
    assert "Person26" in first.text and "Person01" not in first.text  # newest first
    second = await admin.get("/admin/customers", params={"q": "page", "page": "2"})
    assert "Page 2 of 2" in second.text and "Person01" in second.text and "Person00" in second.text
    assert "Person26" not in second.text


async def test_a_customer_shows_its_services_tickets_and_credit(admin: Web, runtime: Runtime) -> None:
    customer = await make_customer(runtime, firstname="Marie", lastname="Curie", companyname="Radium SARL")
    service_id = await make_service(runtime, customer_id=int(customer["id"]))  # type: ignore[call-overload]
    page = await admin.get(f"/admin/customers/{customer['id']}")
    assert page.status_code == 200
    assert "Marie Curie" in page.text and "Radium SARL" in page.text
    assert f'href="/admin/services/{service_id}"' in page.text
    assert '<dd id="credit">€0.00</dd>' in page.text
    assert "No tickets." in page.text and "No invoices." in page.text


async def test_a_missing_customer_is_a_404_page(admin: Web) -> None:
    response = await admin.get("/admin/customers/999999")
    assert response.status_code == 404 and "Page not found" in response.text


async def test_editing_saves_and_shows_the_customer(admin: Web, runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    form = await admin.get(f"/admin/customers/{customer['id']}/edit")
    assert form.status_code == 200 and f'value="{customer["email"]}"' in form.text
    fields = {
        "firstname": "Ada",
        "lastname": "King",
        "email": "ada.king@example.com",
        "companyname": "Countess Ltd",
        "country": "GB",
        "status": "active",
    }
    response = await admin.post(f"/admin/customers/{customer['id']}/edit", fields)
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/customers/{customer['id']}?notice=admin_customer_saved"
    shown = await admin.get(response.headers["location"])
    assert "The customer was saved." in shown.text and "Ada King" in shown.text
    saved = await _customer(runtime, int(customer["id"]))  # type: ignore[call-overload]
    assert saved["lastname"] == "King" and saved["email"] == "ada.king@example.com" and saved["country"] == "GB"


async def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(admin: Web, runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    other = await make_customer(runtime)
    fields = {"firstname": "", "lastname": "Typed", "email": "not-an-address", "country": "FR", "status": "active"}
    response = await admin.post(f"/admin/customers/{customer['id']}/edit", fields)
    assert response.status_code == 422
    assert '<p class="error" id="e-firstname">This field is required.</p>' in response.text
    assert 'value="Typed"' in response.text
    fields = {**fields, "firstname": "Ada", "email": str(other["email"])}
    taken = await admin.post(f"/admin/customers/{customer['id']}/edit", fields)
    assert taken.status_code == 422 and '<p class="error" id="e-email">' in taken.text
    fields = {**fields, "email": "fine@example.com"}
    invalid = await admin.post(f"/admin/customers/{customer['id']}/edit", {**fields, "email": "nope"})
    assert invalid.status_code == 422 and "Enter a valid e-mail address." in invalid.text
    assert (await _customer(runtime, int(customer["id"])))["lastname"] == customer["lastname"]  # type: ignore[call-overload]


async def test_names_are_shown_as_text(admin: Web, runtime: Runtime) -> None:
    customer = await make_customer(runtime, firstname="<script>alert(1)</script>", lastname="{{7*7}}")
    for path in ["/admin/customers", f"/admin/customers/{customer['id']}", f"/admin/customers/{customer['id']}/edit"]:
        page = await admin.get(path)
        assert "<script>alert(1)</script>" not in page.text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "{{7*7}}" in page.text


async def test_adding_credit_in_the_customers_currency(admin: Web, runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    response = await admin.post(f"/admin/customers/{customer['id']}/credit", {"amount": "12,50", "reason": "Goodwill"})
    assert response.status_code == 303
    shown = await admin.get(response.headers["location"])
    assert "The credit was added." in shown.text and '<dd id="credit">€12.50</dd>' in shown.text
    assert (await _customer(runtime, int(customer["id"])))["credit_minor"] == 1250  # type: ignore[call-overload]


async def test_credit_must_be_positive_with_a_reason(admin: Web, runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    for amount in ["-5", "0", "abc"]:
        response = await admin.post(f"/admin/customers/{customer['id']}/credit", {"amount": amount, "reason": "x"})
        assert response.status_code == 422, amount
        assert '<p class="error" id="e-amount">Enter a positive amount, such as 10.00.</p>' in response.text
        assert f'value="{amount}"' in response.text
    no_reason = await admin.post(f"/admin/customers/{customer['id']}/credit", {"amount": "5", "reason": ""})
    assert (
        no_reason.status_code == 422 and '<p class="error" id="e-reason">This field is required.</p>' in no_reason.text
    )
    assert (await _customer(runtime, int(customer["id"])))["credit_minor"] == 0  # type: ignore[call-overload]


async def test_forms_without_their_csrf_token_are_refused(admin: Web, runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    edit = await admin.post(
        f"/admin/customers/{customer['id']}/edit",
        {"firstname": "X", "lastname": "Y", "email": "x@example.com", "country": "FR", "status": "active"},
        csrf=False,
    )
    credit = await admin.post(f"/admin/customers/{customer['id']}/credit", {"amount": "5", "reason": "x"}, csrf=False)
    assert edit.status_code == 403 and credit.status_code == 403
    after = await _customer(runtime, int(customer["id"]))  # type: ignore[call-overload]
    assert after["firstname"] == customer["firstname"] and after["credit_minor"] == 0


async def test_without_a_login_the_pages_lead_to_the_login_form(browser_for: Any, runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    web: Web = browser_for("/admin")
    for path in ["/admin/customers", f"/admin/customers/{customer['id']}", f"/admin/customers/{customer['id']}/edit"]:
        response = await web.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/admin/login?next="), path


async def test_each_page_needs_its_permission(browser_for: Any, runtime: Runtime) -> None:
    customer = await make_customer(runtime, firstname="Limited", lastname="View")
    nobody = await limited_admin(runtime, browser_for, "tickets:index")
    for path in ["/admin/customers", f"/admin/customers/{customer['id']}", f"/admin/customers/{customer['id']}/edit"]:
        response = await nobody.get(path)
        assert response.status_code == 403 and "Not allowed" in response.text, path
    assert 'href="/admin/customers"' not in (await nobody.get("/admin/")).text
    reader = await limited_admin(runtime, browser_for, "customers:index", "customers:show")
    listed = await reader.get("/admin/customers")
    assert listed.status_code == 200 and "Limited View" in listed.text
    shown = await reader.get(f"/admin/customers/{customer['id']}")
    assert shown.status_code == 200 and "Limited View" in shown.text
    assert "/edit" not in shown.text and "Add credit" not in shown.text  # no button it may not use
    assert "<h2>Services</h2>" not in shown.text  # nor a relation it may not list
    refused = await reader.post(f"/admin/customers/{customer['id']}/credit", {"amount": "5", "reason": "x"})
    assert refused.status_code == 403
    assert (await _customer(runtime, int(customer["id"])))["credit_minor"] == 0  # type: ignore[call-overload]
