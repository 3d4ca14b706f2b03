"""The client area's ordering pages: the catalogue, a product's cycles, the confirmation with tax, the order."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from hostlane.billing import service as billing
from hostlane.identity.principal import Principal
from hostlane.models import Invoice, Order, Service
from hostlane.runtime import Runtime
from tests.faces.web.conftest import Web
from tests.faces.web.portal_setup import catalogue
from tests.fixtures.factories import make_product


@pytest.fixture
async def shop(runtime: Runtime) -> dict[str, Any]:
    async with runtime.db.transaction() as session:
        await billing.set_tax_rule(session, Principal.system(), country="FR", state="", level=1, rate="20")
    return await catalogue(runtime)


async def _count(runtime: Runtime, model: type[Any]) -> int:
    async with runtime.db.reader() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


async def test_the_catalogue_shows_groups_products_and_prices(portal: Web, shop: dict[str, Any]) -> None:
    page = await portal.get("/portal/order")
    assert page.status_code == 200
    assert "Web hosting" in page.text and "Starter hosting" in page.text
    assert "€9.99" in page.text and "€99.00" in page.text and "€5.00" in page.text
    assert f'href="/portal/order/{shop["product"]["id"]}"' in page.text


async def test_the_confirmation_shows_the_price_with_tax(portal: Web, shop: dict[str, Any]) -> None:
    product_id = shop["product"]["id"]
    chosen = await portal.get(f"/portal/order/{product_id}")
    assert chosen.status_code == 200 and 'value="monthly" checked' in chosen.text and 'value="annually"' in chosen.text
    confirm = await portal.get(f"/portal/order/{product_id}/confirm?cycle=monthly")
    assert confirm.status_code == 200
    assert "€14.99" in confirm.text and "Tax (20%)" in confirm.text and "€3.00" in confirm.text
    assert '<td class="number" id="total">€17.99</td>' in confirm.text


async def test_placing_the_order_makes_its_invoice_to_pay(runtime: Runtime, portal: Web, shop: dict[str, Any]) -> None:
    product_id = shop["product"]["id"]
    placed = await portal.post(f"/portal/order/{product_id}", {"cycle": "annually"})
    assert placed.status_code == 303
    location = placed.headers["location"]
    assert location.startswith("/portal/invoices/") and location.endswith("?notice=order_placed")
    async with runtime.db.reader() as session:
        invoice = await session.scalar(sa.select(Invoice))
        service = await session.scalar(sa.select(Service))
    assert invoice is not None and invoice.total_minor == 11880 and service is not None
    assert service.status == "pending" and service.billing == "annually"
    page = await portal.get(location)
    assert "Your order is placed." in page.text and "€118.80" in page.text


async def test_a_cycle_not_offered_is_refused_next_to_the_choice(
    runtime: Runtime, portal: Web, shop: dict[str, Any]
) -> None:
    product_id = shop["product"]["id"]
    refused = await portal.post(f"/portal/order/{product_id}", {"cycle": "quarterly"})
    assert refused.status_code == 422
    assert 'id="e-cycle">The product Starter hosting is not offered quarterly in EUR.' in refused.text
    nonsense = await portal.get(f"/portal/order/{product_id}/confirm?cycle=weekly")
    assert nonsense.status_code == 422 and "Choose a billing cycle." in nonsense.text
    assert await _count(runtime, Order) == 0 and await _count(runtime, Invoice) == 0


async def test_a_product_of_the_other_mode_is_not_found(runtime: Runtime, portal: Web) -> None:
    hidden = await make_product(runtime, livemode=False)
    assert (await portal.get(f"/portal/order/{hidden['id']}")).status_code == 404
    assert (await portal.post(f"/portal/order/{hidden['id']}", {"cycle": "monthly"})).status_code == 404


async def test_without_csrf_no_order(runtime: Runtime, portal: Web, shop: dict[str, Any]) -> None:
    answer = await portal.post(f"/portal/order/{shop['product']['id']}", {"cycle": "monthly"}, csrf=False)
    assert answer.status_code == 403 and await _count(runtime, Order) == 0


async def test_not_logged_in_goes_to_the_login(browser_for: Any, shop: dict[str, Any]) -> None:
    answer = await browser_for("/portal").get("/portal/order")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/portal/login")


async def test_product_names_are_text(runtime: Runtime, portal: Web, shop: dict[str, Any]) -> None:
    from tests.fixtures.factories import make_pricing

    product = await make_product(runtime, group_id=int(shop["group"]["id"]), name="<b>x</b>{{7*7}}")
    await make_pricing(runtime, int(product["id"]))  # type: ignore[call-overload]
    page = await portal.get("/portal/order")
    assert "&lt;b&gt;x&lt;/b&gt;{{7*7}}" in page.text and "<b>x</b>" not in page.text


async def test_an_order_the_credit_covers_is_paid_at_once(
    runtime: Runtime, portal: Web, customer: dict[str, Any], shop: dict[str, Any]
) -> None:
    async with runtime.db.transaction() as session:
        await billing.add_credit(session, Principal.system(), int(customer["id"]), 5000, reason="test")
    placed = await portal.post(f"/portal/order/{shop['product']['id']}", {"cycle": "monthly"})
    assert placed.headers["location"].endswith("?notice=order_paid")
    page = await portal.get(placed.headers["location"])
    assert "Your order is placed and paid from your account credit." in page.text and "Paid" in page.text


async def test_the_order_form_places_one_order_however_often_it_is_sent(
    runtime: Runtime, portal: Web, shop: dict[str, Any]
) -> None:
    """A double click, a reload or the back button sends the confirmation's form again: one order, one invoice."""
    product_id = shop["product"]["id"]
    confirm = await portal.get(f"/portal/order/{product_id}/confirm?cycle=monthly")
    key = confirm.text.split('name="form_key" value="')[1].split('"')[0]
    assert len(key) >= 24
    first = await portal.post(f"/portal/order/{product_id}", {"cycle": "monthly", "form_key": key})
    again = await portal.post(f"/portal/order/{product_id}", {"cycle": "monthly", "form_key": key})
    invoice_url = first.headers["location"].split("?")[0]
    assert again.status_code == 303 and again.headers["location"] == f"{invoice_url}?notice=order_placed_once"
    assert await _count(runtime, Order) == 1 and await _count(runtime, Invoice) == 1
    shown = await portal.get(again.headers["location"])
    assert "This order was already placed: here is its invoice. Nothing was ordered twice." in shown.text
    # A new confirmation is a new order.
    other = (await portal.get(f"/portal/order/{product_id}/confirm?cycle=monthly")).text
    other_key = other.split('name="form_key" value="')[1].split('"')[0]
    assert other_key != key
    await portal.post(f"/portal/order/{product_id}", {"cycle": "monthly", "form_key": other_key})
    assert await _count(runtime, Order) == 2


async def test_a_refused_order_frees_its_form_key(runtime: Runtime, portal: Web, shop: dict[str, Any]) -> None:
    product_id = shop["product"]["id"]
    refused = await portal.post(f"/portal/order/{product_id}", {"cycle": "biennially", "form_key": "k" * 32})
    assert refused.status_code == 422 and await _count(runtime, Order) == 0
    placed = await portal.post(f"/portal/order/{product_id}", {"cycle": "monthly", "form_key": "k" * 32})
    assert placed.status_code == 303 and await _count(runtime, Order) == 1


async def _coupon(runtime: Runtime, code: str, **fields: Any) -> None:
    from decimal import Decimal

    from hostlane.billing import coupons
    from hostlane.billing.coupon_schemas import CouponCreate, CouponValueIn

    data = CouponCreate.model_validate({"code": code, "type": "percent", "applied_month": 0, **fields})
    data.values = [CouponValueIn(currency="EUR", amounts={"monthly": Decimal(10)})]
    async with runtime.db.transaction() as session:
        await coupons.create_coupon(session, Principal.system(), data)


async def test_a_coupon_code_discounts_the_confirmation_and_the_order(
    runtime: Runtime, portal: Web, shop: dict[str, Any]
) -> None:
    await _coupon(runtime, "WELCOME10")
    product_id = shop["product"]["id"]
    chosen = await portal.get(f"/portal/order/{product_id}")
    assert 'name="coupon"' in chosen.text
    # 9.99 + 5.00 setup, less 10 % of 9.99 (1.00): 13.99; 20 % tax: 2.80; 16.79.
    confirm = await portal.get(f"/portal/order/{product_id}/confirm?cycle=monthly&coupon=welcome10")
    assert confirm.status_code == 200, confirm.text
    assert '<td class="number" id="discount">-€1.00</td>' in confirm.text and "Coupon welcome10" in confirm.text
    assert '<td class="number" id="total">€16.79</td>' in confirm.text
    assert '<input type="hidden" name="coupon" value="welcome10">' in confirm.text
    placed = await portal.post(f"/portal/order/{product_id}", {"cycle": "monthly", "coupon": "welcome10"})
    assert placed.status_code == 303
    async with runtime.db.reader() as session:
        invoice = await session.scalar(sa.select(Invoice))
    assert invoice is not None and invoice.total_minor == 1679 and invoice.tax_minor == 280


async def test_a_bad_coupon_code_is_refused_next_to_its_field_in_french(
    runtime: Runtime, portal: Web, shop: dict[str, Any]
) -> None:
    product_id = shop["product"]["id"]
    confirm = await portal.get(f"/portal/order/{product_id}/confirm?cycle=monthly&coupon=NOPE")
    assert confirm.status_code == 422
    assert 'id="e-coupon">The coupon does not exist.</p>' in confirm.text and 'value="NOPE"' in confirm.text
    await portal.get("/portal/language/fr?next=/portal/order")  # the reader chooses French
    refused = await portal.post(f"/portal/order/{product_id}", {"cycle": "monthly", "coupon": "NOPE"})
    assert refused.status_code == 422
    assert 'id="e-coupon">Ce code promo n\u2019existe pas.</p>' in refused.text
    assert await _count(runtime, Order) == 0 and await _count(runtime, Invoice) == 0
