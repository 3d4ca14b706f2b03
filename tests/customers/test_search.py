"""Searching customers by name, e-mail address or company (the admin panel's customer search)."""

from __future__ import annotations

from hostlane.core.pagination import ListQuery
from hostlane.customers import service as customers
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer

SYSTEM = Principal.system()


async def _names(runtime: Runtime, text: str, principal: Principal = SYSTEM, **filters: str) -> list[str]:
    async with runtime.db.reader() as session:
        page = await customers.search_customers(session, principal, ListQuery(filters=dict(filters)), text=text)
    return [f"{row['firstname']} {row['lastname']}" for row in page.items]


async def test_each_word_matches_a_name_an_address_or_a_company(runtime: Runtime) -> None:
    await make_customer(runtime, firstname="Ada", lastname="Lovelace", companyname="Analytical Engines")
    await make_customer(runtime, firstname="Grace", lastname="Hopper", email="grace@navy.example")
    await make_customer(runtime, firstname="Alan", lastname="Turing", companyname="Bletchley 100%")
    assert await _names(runtime, "ada") == ["Ada Lovelace"]
    assert await _names(runtime, "  ADA   love ") == ["Ada Lovelace"]
    assert await _names(runtime, "engines") == ["Ada Lovelace"]
    assert await _names(runtime, "navy.example") == ["Grace Hopper"]
    assert await _names(runtime, "ada hopper") == []  # every word must match
    assert await _names(runtime, "100%") == ["Alan Turing"]  # % and _ are plain characters
    assert await _names(runtime, "_") == []
    assert len(await _names(runtime, "")) == 3  # blank: everyone


async def test_search_keeps_the_lists_filters_and_scope(runtime: Runtime) -> None:
    await make_customer(runtime, firstname="Ada", lastname="Live")
    await make_customer(runtime, firstname="Ada", lastname="Test", livemode=False)
    await make_customer(runtime, firstname="Ada", lastname="Banned", status="banned")
    assert sorted(await _names(runtime, "ada")) == ["Ada Banned", "Ada Live"]
    assert await _names(runtime, "ada", status="banned") == ["Ada Banned"]
    assert await _names(runtime, "ada", Principal.system(livemode=False)) == ["Ada Test"]
