"""An administrator's billing path in a real headless Chromium: creates a product group, a product and its price;
finds an unpaid invoice, marks it paid, refunds it, downloads its PDF; reads those changes in the audit log. Every
page visited is saved as a screenshot (``screenshots/admin-…``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hostlane.billing import service as billing
from hostlane.billing.schemas import InvoiceCreate, InvoiceLineIn
from hostlane.identity.principal import Principal
from hostlane.models import BillingCycle
from hostlane.orders import service as orders
from hostlane.orders.schemas import OrderCreate, OrderItemIn
from hostlane.runtime import Runtime
from tests.fixtures.browser import browser_page, live_url, screenshot
from tests.fixtures.factories import ADMIN_PASSWORD

if TYPE_CHECKING:
    from playwright.async_api import Page

__all__ = ["browser_page", "live_url"]  # fixtures


async def test_an_administrator_builds_the_catalogue_and_settles_an_invoice(
    browser_page: Page, live_url: str, runtime: Runtime, admin_user: Any, customer: dict[str, Any]
) -> None:
    from playwright.async_api import expect

    async with runtime.db.transaction() as session:
        await billing.set_tax_rule(session, Principal.system(), country="FR", state="", level=1, name="TVA", rate="20")
        invoice = await billing.create_manual_invoice(
            session,
            Principal.system(),
            InvoiceCreate(
                customer_id=int(customer["id"]),
                items=[
                    InvoiceLineIn(description="Web hosting, December 2026", amount="12.50"),  # type: ignore[arg-type]
                    InvoiceLineIn(description="Domain example.fr", amount="8.00"),  # type: ignore[arg-type]
                ],
            ),
        )
    page = browser_page
    await page.goto(f"{live_url}/admin/catalog")
    await page.get_by_label("Login or e-mail address").fill(admin_user.login)
    await page.get_by_label("Password").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Catalogue")).to_be_visible()
    await screenshot(page, "admin-catalog-empty")

    # A product group: a bad slug first, shown next to its field.
    await page.get_by_role("link", name="New product group").click()
    await page.get_by_label("Name").fill("Web hosting")
    await page.get_by_label("Slug").fill("Web Hosting!")
    await page.get_by_label("Description").fill("Shared hosting plans")
    await page.get_by_role("button", name="Create group").click()
    await expect(page.locator("#e-slug")).to_have_text("Only lowercase letters, digits and dashes.")
    await screenshot(page, "admin-catalog-group-refused")
    await page.get_by_label("Slug").fill("")
    await page.get_by_role("button", name="Create group").click()
    await expect(page.get_by_role("status")).to_have_text("The product group was created.")
    await expect(page.get_by_role("heading", name="Web hosting")).to_be_visible()
    await screenshot(page, "admin-catalog-group")

    # A product in it.
    await page.get_by_role("link", name="New product in this group").click()
    await page.get_by_label("Name").fill("Starter")
    await page.get_by_label("Description").fill("1 website, 10 GB")
    await page.get_by_label("Stock").fill("100")
    await screenshot(page, "admin-catalog-product-new")
    await page.get_by_role("button", name="Create product").click()
    await expect(page.get_by_role("status")).to_have_text("The product was created.")
    product_id = int(page.url.split("?")[0].rsplit("/", 1)[-1])
    await screenshot(page, "admin-catalog-product")

    # Its price: a negative amount is refused, then the right one saved.
    await page.get_by_role("link", name="New price").click()
    await page.get_by_label("Price, Monthly").fill("-4.99")
    await page.get_by_role("button", name="Create price").click()
    await expect(page.locator("#e-monthly")).to_have_text("Must not be negative.")
    await screenshot(page, "admin-catalog-pricing-refused")
    await page.get_by_label("Price, Monthly").fill("4.99")
    await page.get_by_label("Setup fee, Monthly").fill("10.00")
    await page.get_by_label("Price, Annually").fill("49.90")
    await page.get_by_role("button", name="Create price").click()
    await expect(page.get_by_role("status")).to_have_text("The price was created.")
    await expect(page.get_by_role("cell", name="€49.90")).to_be_visible()
    await screenshot(page, "admin-catalog-product-priced")

    # The unpaid invoice: found in the list, marked paid (once), refunded, its PDF downloaded.
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    await page.get_by_label("Status").select_option("unpaid")
    await page.get_by_role("button", name="Filter").click()
    await screenshot(page, "admin-invoices-unpaid")
    await page.get_by_role("link", name=str(invoice["number"])).click()
    await expect(page.get_by_role("heading", name=f"Invoice {invoice['number']}")).to_be_visible()
    await screenshot(page, "admin-invoice-unpaid")
    await page.get_by_label("Transaction reference").fill("VIR-2026-12-001")
    await page.get_by_role("button", name="Mark paid").click()
    await expect(page.get_by_role("status")).to_have_text("The payment was recorded: the invoice is paid.")
    await expect(page.get_by_role("cell", name="VIR-2026-12-001")).to_be_visible()
    await screenshot(page, "admin-invoice-paid")
    await page.get_by_role("button", name="Refund invoice").click()
    await expect(page.get_by_role("status")).to_have_text("The invoice was refunded.")
    await screenshot(page, "admin-invoice-refunded")
    await page.set_viewport_size({"width": 390, "height": 844})  # a phone
    await screenshot(page, "admin-invoice-refunded-phone")
    await page.set_viewport_size({"width": 1280, "height": 900})
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download PDF").click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert (await download.path()).read_bytes().startswith(b"%PDF")

    # The audit log holds each of those changes.
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    await expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    for action in (
        "group.create",
        "product.create",
        "pricing.create",
        "payment.create",
        "invoice.paid",
        "invoice.refund",
    ):
        await expect(page.locator("code", has_text=action).first).to_be_visible()
    await screenshot(page, "admin-audit")
    await page.get_by_label("Object type").fill("invoice")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.locator("code", has_text="group.create")).to_have_count(0)
    await screenshot(page, "admin-audit-invoices")

    # The customer orders the new product: the order, its invoice and its pending service.
    async with runtime.db.transaction() as session:
        placed = await orders.place_order(
            session,
            Principal.system(),
            OrderCreate(
                customer_id=int(customer["id"]),
                items=[OrderItemIn(product_id=product_id, billing=BillingCycle.ANNUALLY)],
            ),
        )
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    await expect(page.get_by_role("link", name=f"#{placed['id']}")).to_be_visible()
    await screenshot(page, "admin-orders")
    await page.get_by_role("link", name=f"#{placed['id']}").click()
    await expect(page.get_by_role("heading", name=f"Order #{placed['id']}")).to_be_visible()
    await expect(page.get_by_role("cell", name="€59.88")).to_be_visible()  # 49.90 + 20 % tax
    await screenshot(page, "admin-order")
