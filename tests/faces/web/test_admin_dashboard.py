"""The admin panel's dashboard: revenue this month, overdue invoices, services to provision, open tickets and
the last daily billing run, each shown to an administrator who may read what it counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hostlane.billing import service as billing
from hostlane.billing.run import daily_run
from hostlane.billing.schemas import PaymentIn
from hostlane.core import clock
from hostlane.faces.web import kit
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.faces.web.conftest import Web, limited_admin
from tests.faces.web.test_admin_tickets import make_ticket
from tests.fixtures.factories import make_customer, make_service
from tests.fixtures.invoices import make_invoice

SYSTEM = Principal.system()


def _stat(html: str, label: str) -> str:
    """The value shown under ``label`` on the dashboard."""
    after = html.split(f'<span class="label">{label}</span>', 1)[1]
    return after.split('<span class="value">', 1)[1].split("</span>", 1)[0]


async def test_the_dashboard_shows_the_days_figures(admin: Web, runtime: Runtime) -> None:
    customer = int((await make_customer(runtime))["id"])  # type: ignore[call-overload]
    paid = await make_invoice(runtime, customer)
    async with runtime.db.transaction() as session:
        await billing.record_manual_payment(session, SYSTEM, paid, PaymentIn(transaction_id="wire-1"))
    await make_invoice(runtime, customer, due_on=clock.today() - dt.timedelta(days=2))
    await make_service(runtime, customer_id=customer, status="pending")
    await make_ticket(runtime, customer_id=customer)
    empty = await admin.get("/admin/")
    assert "The daily billing run has not run yet." in empty.text
    await daily_run(runtime.db)
    page = await admin.get("/admin/")
    assert page.status_code == 200
    assert _stat(page.text, "Revenue this month") == "€1.00"
    assert _stat(page.text, "Overdue invoices") == "1" and 'href="/admin/invoices?status=unpaid"' in page.text
    assert _stat(page.text, "Services to provision") == "1" and 'href="/admin/services?status=pending"' in page.text
    assert _stat(page.text, "Failed deliveries") == "0"
    assert _stat(page.text, "Open tickets") == "1" and 'href="/admin/tickets?status=waiting"' in page.text
    assert "<h2>Last daily billing run</h2>" in page.text
    assert f"<dt>Day billed</dt><dd>{kit.date(clock.today())}</dd>" in page.text


async def test_the_dashboard_in_french(admin: Web) -> None:
    admin.client.cookies.set("hostlane_lang", "fr")
    page = await admin.get("/admin/")
    assert "Chiffre d\u2019affaires du mois" in page.text and "0,00\xa0€" in page.text


async def test_an_administrator_sees_only_the_figures_it_may_read(browser_for: Any, runtime: Runtime) -> None:
    support_only = await limited_admin(runtime, browser_for, "tickets:index")
    page = await support_only.get("/admin/")
    assert page.status_code == 200 and "Open tickets" in page.text
    assert "Revenue this month" not in page.text and "Services to provision" not in page.text
    assert "Last daily billing run" not in page.text
    anonymous: Web = browser_for("/admin")
    assert (await anonymous.get("/admin/")).status_code == 303
