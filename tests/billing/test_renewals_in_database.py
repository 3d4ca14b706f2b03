"""The daily run's renewals written inside PostgreSQL (one INSERT … SELECT statement per batch) write exactly the
rows the Python path writes: one scenario with every rule the renewals apply (tax levels by country and state, an
exempt customer, rounding, cycles anchored on the 31st, a free service, a suspended one, metered displays, credit,
both modes, a numbering sequence already started) runs through each, and every row written is compared."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import sqlalchemy as sa

from hostlane.billing import payments, renewals, tax
from hostlane.catalog import service as catalog
from hostlane.core import clock
from hostlane.customers import service as customers
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.models import BillingCycle, PartnerUsage, Service, ServiceStatus
from hostlane.runtime import Runtime
from hostlane.services import service as services
from tests.conftest import empty_all_tables
from tests.fixtures.factories import make_customer, make_product
from tests.fixtures.invoices import make_invoice

FAN_OUT = "notifications.fan_out"
DUE = dt.date(2027, 1, 31)
RUN_DAY = DUE - dt.timedelta(days=14)
NOW = dt.datetime.combine(RUN_DAY, dt.time(3), tzinfo=dt.UTC)
# What the run writes, and what it changes: compared row by row, every column.
WRITTEN = ("invoices", "invoice_items", "invoice_sequences", "credit_entries")
CHANGED = {
    "services": "id, status, next_due_date, price_minor",
    "partner_usage": "id, service_id, month, billed_invoice_id",
    "customers": "id, credit_minor",
}


async def _scenario(runtime: Runtime) -> dict[str, int]:
    """Customers, tax rules and services as the tests of every path build them; the services' ids by name."""
    live, test = Principal.system(livemode=True), Principal.system(livemode=False)
    async with runtime.db.transaction() as session:
        for principal, country, state, level, rate in (
            (live, "*", "", 1, "10"),
            (live, "FR", "", 1, "20"),
            (live, "US", "", 1, "8.875"),
            (live, "US", "", 2, "1"),
            (live, "US", "NY", 2, "4.5"),
            (test, "*", "", 1, "5"),
        ):
            await tax.set_tax_rule(session, principal, country=country, state=state, level=level, rate=rate)
    people = {
        "fr": await make_customer(runtime, email="fr@example.com", country="FR"),
        "ny": await make_customer(runtime, email="ny@example.com", country="US", state="NY"),
        "ca": await make_customer(runtime, email="ca@example.com", country="US", state="CA"),
        "exempt": await make_customer(runtime, email="exempt@example.com", country="DE", taxexempt=True),
        "rich": await make_customer(runtime, email="rich@example.com", country="DE"),
        "sandbox": await make_customer(runtime, livemode=False, email="sandbox@example.com", country="FR"),
    }
    await make_invoice(runtime, int(str(people["fr"]["id"])))  # the month's sequence starts before the run
    async with runtime.db.transaction() as session:
        await payments.add_credit(session, live, int(str(people["rich"]["id"])), 500, reason="goodwill")
    products = {True: await make_product(runtime, type="simulator"), False: await make_product(runtime, livemode=False)}
    made: dict[str, int] = {}
    for name, owner, cycle, price, extra in (
        ("fr-monthly", "fr", BillingCycle.MONTHLY, 999, {}),
        ("ny-quarterly", "ny", BillingCycle.QUARTERLY, 1234, {}),
        ("ca-annually", "ca", BillingCycle.ANNUALLY, 10001, {}),
        ("exempt-monthly", "exempt", BillingCycle.MONTHLY, 500, {}),
        ("rich-monthly", "rich", BillingCycle.MONTHLY, 300, {}),
        ("fr-free", "fr", BillingCycle.MONTHLY, 0, {}),
        ("ny-suspended", "ny", BillingCycle.SEMIANNUALLY, 777, {"status": ServiceStatus.SUSPENDED}),
        ("fr-cms", "fr", BillingCycle.MONTHLY, 2000, {"data": {"units": 4}}),
        ("fr-later", "fr", BillingCycle.MONTHLY, 999, {"due": DUE + dt.timedelta(days=20)}),
        ("fr-onetime", "fr", BillingCycle.ONETIME, 999, {}),
        ("sandbox-monthly", "sandbox", BillingCycle.BIENNIALLY, 999, {}),
    ):
        customer = people[owner]
        livemode = bool(customer["livemode"])
        system = Principal.system(livemode=livemode)
        async with runtime.db.transaction() as session:
            service = await services.create_service(
                session,
                system,
                customer=await customers.get_customer(session, system, int(str(customer["id"]))),
                product=await catalog.get_product(session, system, int(str(products[livemode]["id"]))),
                billing=cycle,
                currency="EUR",
                price_minor=price,
                name=name,
                next_due_date=extra.get("due", DUE),
                billing_day=31,
                data=extra.get("data"),
            )
            made[name] = service.id
        for status in (ServiceStatus.ACTIVE, extra.get("status")):
            if status is not None:
                async with runtime.db.transaction() as session:
                    await services.transition(session, system, made[name], status)
                await drain(runtime)
    async with runtime.db.transaction() as session:
        for month, displays in ((dt.date(2026, 11, 1), 6), (dt.date(2026, 12, 1), 3)):
            session.add(
                PartnerUsage(
                    livemode=True,
                    customer_id=int(str(people["fr"]["id"])),
                    service_id=made["fr-cms"],
                    month=month,
                    displays=displays,
                    storage_bytes=0,
                    bandwidth_bytes=0,
                )
            )
    return made


async def _rows(runtime: Runtime, table: str, columns: str = "*", *, after: int = 0) -> list[dict[str, Any]]:
    order = "livemode, period" if table == "invoice_sequences" else "id"
    where = f"WHERE id > {after}" if after else ""
    async with runtime.db.reader() as session:
        result = await session.execute(sa.text(f"SELECT {columns} FROM {table} {where} ORDER BY {order}"))  # noqa: S608
        return [dict(row) for row in result.mappings()]


async def _renew(runtime: Runtime, *, in_database: bool | None) -> tuple[int, dict[str, list[dict[str, Any]]]]:
    """Build the scenario, run the renewals (batches of 4), and return what they wrote and changed."""
    with clock.frozen_at(NOW - dt.timedelta(days=1)):
        await _scenario(runtime)
    first_job = max([row["id"] for row in await _rows(runtime, "jobs", "id")], default=0)
    first_audit = max([row["id"] for row in await _rows(runtime, "audit_log", "id")], default=0)
    with clock.frozen_at(NOW):
        renewed = await renewals.renew_due_services(runtime.db, RUN_DAY, batch=4, in_database=in_database)
    rows = {table: await _rows(runtime, table) for table in WRITTEN}
    rows |= {table: await _rows(runtime, table, columns) for table, columns in CHANGED.items()}
    rows["jobs"] = await _rows(runtime, "jobs", "name, payload, key, status, run_after, max_attempts", after=first_job)
    rows["audit_log"] = await _rows(runtime, "audit_log", after=first_audit)
    return renewed, rows


async def test_the_renewals_bill_every_rule_as_they_did(runtime: Runtime) -> None:
    """On every backend (the default path of each): what the scenario's invoices say, worked out by hand."""
    renewed, rows = await _renew(runtime, in_database=None)
    assert renewed == 9  # every recurring active or suspended service due by the horizon, both modes
    by_service = {item["service_id"]: item for item in rows["invoice_items"] if item["type"] == "service"}
    invoices = {invoice["id"]: invoice for invoice in rows["invoices"]}
    names = {row["id"]: row for row in rows["services"]}

    def invoice_of(service_id: int) -> dict[str, Any]:
        return invoices[by_service[service_id]["invoice_id"]]

    wanted = {  # name: (number, subtotal, tax, tax2, total, status, next due date)
        1: ("2027/1/2", 999, 200, 0, 1199, "unpaid", dt.date(2027, 2, 28)),  # FR 20 %: 199.8 rounds up
        2: ("2027/1/3", 1234, 110, 56, 1400, "unpaid", dt.date(2027, 4, 30)),  # US/NY 8.875 % and 4.5 %
        3: ("2027/1/4", 10001, 888, 100, 10989, "unpaid", dt.date(2028, 1, 31)),  # US/CA 8.875 % and US 1 %
        4: ("2027/1/5", 500, 0, 0, 500, "unpaid", dt.date(2027, 2, 28)),  # exempt
        5: ("2027/1/6", 300, 30, 0, 330, "paid", dt.date(2027, 2, 28)),  # everyone's 10 %, paid with its credit
        6: ("2027/1/7", 0, 0, 0, 0, "paid", dt.date(2027, 2, 28)),  # free: paid as it is made
        7: ("2027/1/8", 777, 69, 35, 881, "unpaid", dt.date(2027, 7, 31)),  # suspended services renew too
        8: ("2027/1/9", 3000, 600, 0, 3600, "unpaid", dt.date(2027, 2, 28)),  # 2000 + 2 displays over 4 at 500
    }
    service_ids = sorted(by_service)
    live = [service_id for service_id in service_ids if invoice_of(service_id)["livemode"]]
    assert len(live) == 8
    for position, service_id in enumerate(live, start=1):
        number, subtotal, tax1, tax2, total, status, following = wanted[position]
        invoice = invoice_of(service_id)
        assert (invoice["number"], invoice["subtotal_minor"], invoice["tax_minor"], invoice["tax2_minor"]) == (
            number,
            subtotal,
            tax1,
            tax2,
        )
        assert (invoice["total_minor"], invoice["status"]) == (total, status)
        assert str(names[service_id]["next_due_date"]) == following.isoformat()  # SQLite reads text
    sandbox = invoice_of(service_ids[-1])
    assert (sandbox["livemode"], sandbox["number"], sandbox["total_minor"]) == (False, "2027/1/1", 1049)
    assert str(names[service_ids[-1]]["next_due_date"]) == "2029-01-31"
    metered = [item for item in rows["invoice_items"] if item["type"] == "metered"]
    assert [(m["description"], m["amount_minor"], m["qty"], m["linetotal_minor"]) for m in metered] == [
        ("fr-cms - metered displays 2026-11: 6 used, 4 licensed", 500, 2, 1000),
        ("fr-cms - metered displays 2026-12: 3 used, 4 licensed", 500, 0, 0),
    ]
    assert {row["billed_invoice_id"] for row in rows["partner_usage"]} == {metered[0]["invoice_id"]}
    assert invoice_of(live[4])["credit_minor"] == 330  # the customer's credit is spent on it
    fan_outs = [job["payload"] for job in rows["jobs"] if job["name"] == FAN_OUT]
    mail = [(p["livemode"], p["invoice_ids"]) for p in (json.loads(p) if isinstance(p, str) else p for p in fan_outs)]
    ids = [invoice_of(service_id)["id"] for service_id in live]
    assert (
        mail
        == [  # one job per mode and batch (of 4 services): every invoice but the free one
            (True, ids[0:4]),
            (True, [ids[4], ids[6], ids[7]]),
            (False, [sandbox["id"]]),
        ]
    )


async def test_written_inside_the_database_or_in_python_the_rows_are_the_same(runtime: Runtime) -> None:
    if runtime.db.dialect_name != "postgresql":
        pytest.skip("renewals are written inside the database on PostgreSQL only")
    renewed_in_python, in_python = await _renew(runtime, in_database=False)
    await empty_all_tables(runtime.db)  # the same scenario again, from the same ids
    renewed_in_database, in_database = await _renew(runtime, in_database=True)
    assert renewed_in_database == renewed_in_python == 9
    assert in_python["invoices"], "the scenario bills something"
    for table, rows in in_python.items():
        assert in_database[table] == rows, table


async def test_the_database_path_is_refused_where_it_cannot_run(runtime: Runtime) -> None:
    if runtime.db.dialect_name == "postgresql":
        pytest.skip("PostgreSQL runs it")
    with pytest.raises(ValueError):
        await renewals.renew_due_services(runtime.db, RUN_DAY, in_database=True)
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Service)) == 0
