"""``orders.quote_product`` (with ``billing.quote``): the price with tax a customer sees before ordering is what
the order's invoice then charges."""

from __future__ import annotations

import pytest

from hostlane.billing import service as billing
from hostlane.catalog.errors import ProductNotFound
from hostlane.core.errors import ValidationFailed
from hostlane.customers.sessions import customer_principal
from hostlane.identity.principal import Principal
from hostlane.models import BillingCycle
from hostlane.orders import service as orders
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer, make_pricing, make_product


async def _taxes(runtime: Runtime) -> None:
    async with runtime.db.transaction() as session:
        await billing.set_tax_rule(session, Principal.system(), country="FR", state="", level=1, rate="20")
        await billing.set_tax_rule(session, Principal.system(), country="FR", state="", level=2, rate="5.5")


@pytest.mark.parametrize("taxexempt", [False, True])
async def test_the_quote_is_what_the_order_invoices(runtime: Runtime, taxexempt: bool) -> None:
    await _taxes(runtime)
    customer = await make_customer(runtime, country="FR", taxexempt=taxexempt)
    product = await make_product(runtime)
    await make_pricing(runtime, int(product["id"]), monthly="9.99", setup_monthly="5.00")  # type: ignore[call-overload]
    principal = customer_principal(int(customer["id"]), True, None)
    async with runtime.db.reader() as session:
        quote = await orders.quote_product(session, principal, int(product["id"]), cycle=BillingCycle.MONTHLY)  # type: ignore[call-overload]
    async with runtime.db.transaction() as session:
        placed = await orders.order_product(
            session,
            principal,
            int(product["id"]),
            cycle=BillingCycle.MONTHLY,
            options={},  # type: ignore[call-overload]
        )
    invoice = placed.invoice
    assert (quote.price_minor, quote.setup_minor, quote.subtotal_minor) == (999, 500, 1499)
    assert (quote.tax_minor, quote.tax2_minor, quote.total_minor) == (
        invoice["tax_minor"], invoice["tax2_minor"], invoice["total_minor"],
    )  # fmt: skip
    assert (quote.taxrate_milli, quote.taxrate2_milli) == ((0, 0) if taxexempt else (20000, 5500))
    if not taxexempt:
        assert (quote.tax_minor, quote.tax2_minor, quote.total_minor) == (300, 82, 1881)


async def test_a_cycle_not_offered_or_an_unknown_product_is_refused(runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    product = await make_product(runtime)
    await make_pricing(runtime, int(product["id"]), monthly="9.99")  # type: ignore[call-overload]
    principal = customer_principal(int(customer["id"]), True, None)
    async with runtime.db.reader() as session:
        with pytest.raises(ValidationFailed) as refused:
            await orders.quote_product(session, principal, int(product["id"]), cycle=BillingCycle.ANNUALLY)  # type: ignore[call-overload]
        assert list(refused.value.fields) == ["cycle"]
        with pytest.raises(ProductNotFound):
            await orders.quote_product(session, principal, 999_999, cycle=BillingCycle.MONTHLY)
