"""Invoices, taxes, numbering, credit and payments, through the billing service."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from hostlane.billing import service as billing
from hostlane.billing.errors import DuplicatePayment, InvoiceStateError
from hostlane.billing.service import NewItem
from hostlane.core import clock
from hostlane.identity.principal import Principal
from hostlane.models import CreditEntry, Customer, InvoiceStatus, Payment, TaxRule
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer

SYSTEM = Principal.system()


async def _tax(
    runtime: Runtime, country: str, rate_milli: int, *, level: int = 1, state: str = "", livemode: bool = True
) -> None:
    async with runtime.db.transaction() as session:
        session.add(
            TaxRule(
                livemode=livemode,
                name=f"{country}{state}{level}",
                level=level,
                country=country,
                state=state,
                rate_milli=rate_milli,
            )
        )


async def _issue(
    runtime: Runtime, customer_id: int, *items: NewItem, on: dt.date | None = None, principal: Principal = SYSTEM
) -> dict[str, object]:
    async with runtime.db.transaction() as session:
        invoice = await billing.issue_invoice(
            session, principal, customer_id, items=list(items), due_on=dt.date(2030, 1, 1), invoice_date=on
        )
        invoice_id = invoice.id
    async with runtime.db.reader() as session:
        return await billing.get_invoice(session, principal, invoice_id)


async def test_the_documents_example_invoice_adds_up(runtime: Runtime) -> None:
    """003's example: 15.00 + 1.24 at 21 % is 16.24 + 3.41 = 19.65, numbered 2016/12/1."""
    await _tax(runtime, "US", 21000)
    customer = await make_customer(runtime, country="US", currency="USD")
    invoice = await _issue(
        runtime,
        int(customer["id"]),
        NewItem("Example Service", 1500),  # type: ignore[call-overload]
        NewItem("PayPal Payment Fee", 124),
        on=dt.date(2016, 12, 30),
    )
    assert invoice["number"] == "2016/12/1"
    assert (invoice["subtotal_minor"], invoice["tax_minor"], invoice["total_minor"]) == (1624, 341, 1965)
    assert invoice["taxrate_milli"] == 21000 and invoice["status"] == InvoiceStatus.UNPAID
    second = await _issue(runtime, int(customer["id"]), NewItem("More", 100), on=dt.date(2016, 12, 31))  # type: ignore[call-overload]
    january = await _issue(runtime, int(customer["id"]), NewItem("More", 100), on=dt.date(2017, 1, 1))  # type: ignore[call-overload]
    assert second["number"] == "2016/12/2" and january["number"] == "2017/1/1"


async def test_two_tax_levels_by_country_and_state_and_exemption(runtime: Runtime) -> None:
    await _tax(runtime, "CA", 5000)  # GST everywhere in Canada
    await _tax(runtime, "CA", 9975, level=2, state="Quebec")  # QST only in Quebec
    await _tax(runtime, "", 10000)  # a 10 % default for everyone else
    quebec = await make_customer(runtime, country="CA", state="Quebec", currency="USD")
    ontario = await make_customer(runtime, country="CA", state="Ontario", currency="USD")
    elsewhere = await make_customer(runtime, country="DE", currency="EUR")
    exempt = await make_customer(runtime, country="CA", state="Quebec", currency="USD")
    async with runtime.db.transaction() as session:
        await session.execute(sa.update(Customer).where(Customer.id == exempt["id"]).values(taxexempt=True))
    line = NewItem("Plan", 10000)
    untaxed = NewItem("Deposit", 5000, taxed=False)
    q = await _issue(runtime, int(quebec["id"]), line, untaxed)  # type: ignore[call-overload]
    assert (q["tax_minor"], q["tax2_minor"], q["total_minor"]) == (500, 998, 16498)
    o = await _issue(runtime, int(ontario["id"]), line)  # type: ignore[call-overload]
    assert (o["tax_minor"], o["tax2_minor"]) == (500, 0)
    e = await _issue(runtime, int(elsewhere["id"]), line)  # type: ignore[call-overload]
    assert (e["tax_minor"], e["taxrate_milli"]) == (1000, 10000)
    x = await _issue(runtime, int(exempt["id"]), line)  # type: ignore[call-overload]
    assert (x["tax_minor"], x["tax2_minor"], x["taxexempt"], x["total_minor"]) == (0, 0, True, 10000)


async def test_credit_is_applied_on_issue_and_when_added(runtime: Runtime) -> None:
    customer = await make_customer(runtime, balance="30.00")
    customer_id = int(customer["id"])  # type: ignore[call-overload]
    covered = await _issue(runtime, customer_id, NewItem("Small", 1000))
    assert covered["status"] == InvoiceStatus.PAID and covered["credit_minor"] == 1000
    partly = await _issue(runtime, customer_id, NewItem("Large", 5000))
    assert partly["status"] == InvoiceStatus.UNPAID and partly["credit_minor"] == 2000
    async with runtime.db.transaction() as session:
        left = await billing.add_credit(session, SYSTEM, customer_id, 4000, reason="Goodwill")
    assert left == 1000
    async with runtime.db.reader() as session:
        paid = await billing.get_invoice(session, SYSTEM, int(partly["id"]))  # type: ignore[call-overload]
        ledger = (await session.scalars(sa.select(CreditEntry.amount_minor).order_by(CreditEntry.id))).all()
    assert paid["status"] == InvoiceStatus.PAID and paid["credit_minor"] == 5000
    assert ledger == [3000, -1000, -2000, 4000, -3000]  # opening balance, spent, spent, added, spent
    assert sum(ledger) == 1000


async def test_one_payment_per_gateway_reference(runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    first = await _issue(runtime, int(customer["id"]), NewItem("A", 1000))  # type: ignore[call-overload]
    second = await _issue(runtime, int(customer["id"]), NewItem("B", 1000))  # type: ignore[call-overload]
    async with runtime.db.transaction() as session:
        await billing.record_payment(
            session,
            SYSTEM,
            int(first["id"]),
            gateway="bank",
            reference="TX-1",  # type: ignore[call-overload]
            amount_minor=400,
        )
    with pytest.raises(DuplicatePayment):
        async with runtime.db.transaction() as session:
            await billing.record_payment(
                session,
                SYSTEM,
                int(second["id"]),
                gateway="bank",
                reference="TX-1",  # type: ignore[call-overload]
                amount_minor=1000,
            )
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
        partial = await billing.get_invoice(session, SYSTEM, int(first["id"]))  # type: ignore[call-overload]
    assert partial["status"] == InvoiceStatus.UNPAID and partial["paid_minor"] == 400


async def test_overpayment_becomes_credit_and_a_paid_invoice_refuses_more(runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    invoice = await _issue(runtime, int(customer["id"]), NewItem("A", 1000))  # type: ignore[call-overload]
    async with runtime.db.transaction() as session:
        await billing.record_payment(
            session,
            SYSTEM,
            int(invoice["id"]),
            gateway="bank",
            reference="TX-9",  # type: ignore[call-overload]
            amount_minor=1500,
        )
    async with runtime.db.reader() as session:
        credit = await session.scalar(sa.select(Customer.credit_minor).where(Customer.id == customer["id"]))
    assert credit == 500
    with pytest.raises(InvoiceStateError):
        async with runtime.db.transaction() as session:
            await billing.record_payment(
                session,
                SYSTEM,
                int(invoice["id"]),
                gateway="bank",
                reference="TX-10",  # type: ignore[call-overload]
                amount_minor=100,
            )


async def test_cancel_returns_credit_and_refund_goes_to_credit(runtime: Runtime) -> None:
    customer = await make_customer(runtime, balance="5.00")
    customer_id = int(customer["id"])  # type: ignore[call-overload]
    unpaid = await _issue(runtime, customer_id, NewItem("A", 2000))
    async with runtime.db.transaction() as session:
        await billing.cancel_invoice(session, SYSTEM, int(unpaid["id"]))  # type: ignore[call-overload]
    paid = await _issue(runtime, customer_id, NewItem("B", 300))
    async with runtime.db.transaction() as session:
        await billing.refund_invoice(session, SYSTEM, int(paid["id"]))  # type: ignore[call-overload]
        with pytest.raises(InvoiceStateError):
            await billing.refund_invoice(session, SYSTEM, int(paid["id"]))  # type: ignore[call-overload]
    async with runtime.db.reader() as session:
        credit = await session.scalar(sa.select(Customer.credit_minor).where(Customer.id == customer_id))
        statuses = (await session.execute(sa.text("SELECT status FROM invoices ORDER BY id"))).scalars().all()
    assert credit == 500 and statuses == [InvoiceStatus.CANCELLED.value, InvoiceStatus.REFUNDED.value]


async def test_test_mode_invoices_are_invisible_to_live(runtime: Runtime) -> None:
    customer = await make_customer(runtime, livemode=False)
    invoice = await _issue(
        runtime,
        int(customer["id"]),
        NewItem("A", 100),  # type: ignore[call-overload]
        principal=Principal.system(livemode=False),
    )
    from hostlane.billing.errors import InvoiceNotFound

    async with runtime.db.reader() as session:
        with pytest.raises(InvoiceNotFound):
            await billing.get_invoice(session, SYSTEM, int(invoice["id"]))  # type: ignore[call-overload]
    assert str(invoice["number"]).startswith(f"{clock.today().year}/")
