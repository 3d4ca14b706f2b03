"""An order item's ``units`` and ``name``: each service costs the unit price times its units (its renewals too), the
setup fee is charged once per service, and the services bear the item's name."""

from __future__ import annotations

from hostlane.billing import service as billing
from hostlane.identity.principal import Principal
from hostlane.models import BillingCycle
from hostlane.orders import service as orders
from hostlane.orders.schemas import OrderCreate, OrderItemIn
from hostlane.runtime import Runtime
from hostlane.services import service as services
from tests.fixtures.factories import make_customer, make_pricing, make_product


async def test_units_multiply_the_price_and_the_name_names_the_services(runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    product = await make_product(runtime, name="CMS Cloud")
    await make_pricing(runtime, int(product["id"]), monthly="4.50", setup_monthly="10.00")  # type: ignore[call-overload]
    system = Principal.system()
    item = OrderItemIn(product_id=int(product["id"]), billing=BillingCycle.MONTHLY, qty=2, units=3, name="Lobby")  # type: ignore[call-overload]
    async with runtime.db.transaction() as session:
        placed = await orders.place_order(
            session,
            system,
            OrderCreate(customer_id=int(customer["id"]), items=[item]),  # type: ignore[call-overload]
        )
        invoice = await billing.get_invoice(session, system, placed["invoice_id"])
        service_ids = await billing.service_ids_on(session, invoice["id"])
        rows = [await services.get_service(session, system, service_id) for service_id in service_ids]
    assert placed["items"][0]["price_minor"] == 450 and placed["items"][0]["options"] == {"units": 3, "name": "Lobby"}
    assert invoice["subtotal_minor"] == 2 * (3 * 450 + 1000)
    assert [line["amount_minor"] for line in invoice["items"]] == [1350, 1000, 1350, 1000]
    assert invoice["items"][0]["description"].startswith("Lobby (monthly) x 3 ")
    assert len(rows) == 2
    for row in rows:
        assert row["name"] == "Lobby" and row["price_minor"] == 1350 and row["data"] == {"units": 3, "name": "Lobby"}
