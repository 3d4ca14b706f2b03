"""The admin panel's orders: the list and its filters, an order with its items, its invoice and its services, and
cancelling a pending order (once), each behind its permission."""

from __future__ import annotations

from typing import Any

from hostlane.billing import service as billing
from hostlane.identity.principal import Principal
from hostlane.models import BillingCycle
from hostlane.orders import service as orders
from hostlane.orders.schemas import OrderCreate, OrderItemIn
from hostlane.runtime import Runtime
from tests.faces.web.admin_access import limited_admin
from tests.faces.web.conftest import Web
from tests.fixtures.factories import make_customer, make_group, make_pricing, make_product

SYSTEM = Principal.system()


async def place(runtime: Runtime, customer_id: int, product_id: int) -> dict[str, Any]:
    data = OrderCreate(
        customer_id=customer_id, items=[OrderItemIn(product_id=product_id, billing=BillingCycle.MONTHLY)]
    )
    async with runtime.db.transaction() as session:
        return await orders.place_order(session, SYSTEM, data)


async def product(runtime: Runtime, name: str = "Starter hosting") -> int:
    group = await make_group(runtime)
    made = await make_product(runtime, group_id=group["id"], name=name)
    await make_pricing(runtime, int(made["id"]))  # type: ignore[call-overload]
    return int(made["id"])  # type: ignore[call-overload]


async def test_the_list_filters_by_status_and_customer(admin: Web, runtime: Runtime, customer: dict[str, Any]) -> None:
    product_id = await product(runtime)
    other = await make_customer(runtime, firstname="Jean", lastname="Martin")
    mine = await place(runtime, int(customer["id"]), product_id)
    theirs = await place(runtime, int(other["id"]), product_id)  # type: ignore[call-overload]
    await admin.post(f"/admin/orders/{theirs['id']}/cancel")

    page = await admin.get("/admin/orders")
    assert page.status_code == 200
    assert f'href="/admin/orders/{mine["id"]}">#{mine["id"]}' in page.text
    assert f'href="/admin/orders/{theirs["id"]}">#{theirs["id"]}' in page.text
    assert "Marie Dubois" in page.text and "Jean Martin" in page.text
    pending = await admin.get("/admin/orders", params={"status": "pending"})
    assert f'/admin/orders/{mine["id"]}"' in pending.text and f'/admin/orders/{theirs["id"]}"' not in pending.text
    by_customer = await admin.get("/admin/orders", params={"customer": str(other["id"])})
    assert (
        f'/admin/orders/{theirs["id"]}"' in by_customer.text and f'/admin/orders/{mine["id"]}"' not in by_customer.text
    )
    wrong = await admin.get("/admin/orders", params={"status": "lost"})
    assert wrong.status_code == 422
    assert '<p class="error" id="e-status">Choose one of the options.</p>' in wrong.text


async def test_an_order_shows_its_items_invoice_and_services(
    admin: Web, runtime: Runtime, customer: dict[str, Any]
) -> None:
    placed = await place(runtime, int(customer["id"]), await product(runtime, "Cloud VPS"))
    async with runtime.db.reader() as session:
        invoice = await billing.get_invoice(session, SYSTEM, placed["invoice_id"])
    page = await admin.get(f"/admin/orders/{placed['id']}")
    assert page.status_code == 200
    assert f"Order #{placed['id']}" in page.text
    assert "Cloud VPS" in page.text and "Monthly" in page.text
    assert "€9.99" in page.text and "€5.00" in page.text and "€14.99" in page.text
    assert f'href="/admin/invoices/{invoice["id"]}">{invoice["number"]}</a>' in page.text
    assert "Pending" in page.text
    assert "Cancel order" in page.text


async def test_cancelling_a_pending_order_cancels_its_invoice_once(
    admin: Web, runtime: Runtime, customer: dict[str, Any]
) -> None:
    placed = await place(runtime, int(customer["id"]), await product(runtime))
    done = await admin.post(f"/admin/orders/{placed['id']}/cancel")
    assert done.status_code == 303
    assert done.headers["location"] == f"/admin/orders/{placed['id']}?notice=order_cancelled"
    page = await admin.get(done.headers["location"])
    assert "The order was cancelled, with its invoice and its pending services." in page.text
    assert "Cancel order" not in page.text
    async with runtime.db.reader() as session:
        assert str((await orders.get_order(session, SYSTEM, placed["id"]))["status"]) == "cancelled"
        assert str((await billing.get_invoice(session, SYSTEM, placed["invoice_id"]))["status"]) == "cancelled"
    again = await admin.post(f"/admin/orders/{placed['id']}/cancel")
    assert again.headers["location"].endswith("?notice=order_not_cancellable")


async def test_csrf_login_and_missing_orders(
    admin: Web, browser_for: Any, runtime: Runtime, customer: dict[str, Any]
) -> None:
    placed = await place(runtime, int(customer["id"]), await product(runtime))
    refused = await admin.post(f"/admin/orders/{placed['id']}/cancel", csrf=False)
    assert refused.status_code == 403
    async with runtime.db.reader() as session:
        assert str((await orders.get_order(session, SYSTEM, placed["id"]))["status"]) == "pending"
    assert (await admin.get("/admin/orders/999999")).status_code == 404
    assert (await admin.post("/admin/orders/999999/cancel")).status_code == 404
    anonymous = browser_for("/admin", "127.0.0.9")
    assert (await anonymous.get("/admin/orders")).headers["location"] == "/admin/login?next=/admin/orders"


async def test_permissions_decide_pages_and_buttons(
    runtime: Runtime, browser_for: Any, customer: dict[str, Any]
) -> None:
    placed = await place(runtime, int(customer["id"]), await product(runtime))
    reader = await limited_admin(runtime, browser_for, "orders:index", "orders:show")
    page = await reader.get(f"/admin/orders/{placed['id']}")
    assert page.status_code == 200
    assert "Cancel order" not in page.text
    assert f'href="/admin/invoices/{placed["invoice_id"]}"' not in page.text
    assert (await reader.post(f"/admin/orders/{placed['id']}/cancel")).status_code == 403
    async with runtime.db.reader() as session:
        assert str((await orders.get_order(session, SYSTEM, placed["id"]))["status"]) == "pending"
    lister = await limited_admin(runtime, browser_for, "orders:index", ip="127.0.0.3")
    assert (await lister.get("/admin/orders")).status_code == 200
    assert (await lister.get(f"/admin/orders/{placed['id']}")).status_code == 403
    nobody = await limited_admin(runtime, browser_for, "invoices:index", ip="127.0.0.4")
    assert (await nobody.get("/admin/orders")).status_code == 403
