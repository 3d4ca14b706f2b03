"""Lists at scale (issue 16): totals that do not scan a table, deep pages that read ids, and cursor paging in
Laravel's cursor-paginator envelope, over HTTP against the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from hostlane.core import counts, pagination
from hostlane.core.counts import COUNTED
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer, make_service
from tests.fixtures.http import JSON, bearer
from tests.fixtures.invoices import make_invoice

API = "/api/application"
CUSTOMERS = f"{API}/customers"


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    engine = runtime.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def counts_over(sent: list[str], table: str) -> list[str]:
    """The statements that count rows of ``table``."""
    return [sql for sql in sent if re.search(r"\bcount\(", sql, re.I) and re.search(rf"\bFROM {table}\b", sql)]


async def get(client: httpx.AsyncClient, key: str, url: str, **params: Any) -> dict[str, Any]:
    response = await client.get(url, params=params, headers=bearer(key, Accept=JSON))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def total(client: httpx.AsyncClient, key: str, url: str, **params: Any) -> int:
    """``meta.total`` of a page of one, so the page is never the last and the total comes from the count."""
    body = await get(client, key, url, per_page=1, **params)
    value = body["meta"]["total"] if "meta" in body else body["total"]
    assert isinstance(value, int)
    return value


async def assert_counts_match_rows(runtime: Runtime) -> None:
    """Every maintained count equals a real count of the rows its list shows."""
    async with runtime.db.reader() as session:
        for table, condition in COUNTED.items():
            where = f"WHERE {condition}" if condition else ""
            real = {
                (bool(livemode), str(status)): int(n)
                for livemode, status, n in await session.execute(
                    sa.text(f"SELECT livemode, status, count(*) FROM {table} {where} GROUP BY livemode, status")  # noqa: S608
                )
            }
            kept = {
                (bool(livemode), str(status)): int(n)
                for livemode, status, n in await session.execute(
                    sa.text(
                        "SELECT livemode, status, sum(n) FROM list_counts WHERE resource = :t "
                        "GROUP BY livemode, status HAVING sum(n) <> 0"
                    ),
                    {"t": table},
                )
            }
            assert kept == real, table


# Totals


async def test_an_unfiltered_list_counts_nothing(runtime: Runtime, client: httpx.AsyncClient) -> None:
    made = [int(str((await make_customer(runtime))["id"])) for _ in range(7)]
    key = await make_api_key(runtime, "customers:index")
    with statements(runtime) as sent:
        first = await get(client, key, CUSTOMERS, per_page=2)
        deep = await get(client, key, CUSTOMERS, per_page=2, page=3)
        by_status = await get(client, key, CUSTOMERS, per_page=2, page=2, **{"filter[status]": "active"})
    assert first["meta"]["total"] == deep["meta"]["total"] == by_status["meta"]["total"] == 7
    assert first["meta"]["last_page"] == 4
    assert counts_over(sent, "customers") == []
    assert [row["id"] for row in deep["data"]] == made[4:6]
    # The deep page walked the offset over ids alone (the deferred join), then read its rows.
    assert any(re.search(r"customers\.id IN \(SELECT customers\.id FROM customers WHERE", sql) for sql in sent), sent


async def test_a_filtered_list_counts_at_most_past_the_cap(
    runtime: Runtime, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    for n in range(9):
        await make_customer(runtime, firstname=f"Marie{n}")
    await make_customer(runtime, firstname="Pierre")
    key = await make_api_key(runtime, "customers:index")
    with statements(runtime) as sent:
        few = await get(client, key, CUSTOMERS, per_page=1, **{"filter[firstname]": "marie1"})
        many = await get(client, key, CUSTOMERS, per_page=2, **{"filter[firstname]": "marie"})
    assert few["meta"]["total"] == 1
    counted = counts_over(sent, "customers")
    assert counted and "LIMIT" in counted[0], sent  # a count of at most COUNT_CAP + 1 rows first
    if runtime.db.dialect_name == "sqlite":
        assert many["meta"]["total"] == 9  # past the cap SQLite counts exactly
    else:
        assert all("LIMIT" in sql for sql in counted), counted  # past the cap, the planner's estimate
        assert any(sql.startswith("EXPLAIN (FORMAT JSON)") for sql in sent), sent
        assert many["meta"]["total"] >= 5  # never below what is known to exist
    # The last page is exact whatever the estimate: it ends the list.
    last = await get(client, key, CUSTOMERS, per_page=2, page=5, **{"filter[firstname]": "marie"})
    assert len(last["data"]) == 1 and last["meta"]["total"] == 9 and last["links"]["next"] is None


async def test_maintained_totals_follow_every_write(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime)
    test_key = await make_api_key(runtime, livemode=False)
    kept = [int(str((await make_customer(runtime))["id"])) for _ in range(3)]
    await make_customer(runtime, livemode=False)
    assert await total(client, key, CUSTOMERS) == 3
    assert await total(client, test_key, CUSTOMERS) == 1

    made = await client.post(
        CUSTOMERS,
        json={"email": "new@example.com", "firstname": "Grace", "lastname": "Hopper", "country": "US"},
        headers=bearer(key, Accept=JSON),
    )
    assert made.status_code == 201, made.text
    assert await total(client, key, CUSTOMERS) == 4
    assert await total(client, key, CUSTOMERS, **{"filter[status]": "suspended"}) == 0

    changed = await client.post(
        f"{CUSTOMERS}/{kept[0]}", json={"status": "suspended"}, headers=bearer(key, Accept=JSON)
    )
    assert changed.status_code == 200, changed.text
    assert await total(client, key, CUSTOMERS, **{"filter[status]": "suspended"}) == 1
    assert await total(client, key, CUSTOMERS, **{"filter[status]": "active"}) == 3
    assert await total(client, key, CUSTOMERS, **{"filter[status]": "active,suspended"}) == 4

    deleted = await client.delete(f"{CUSTOMERS}/{kept[1]}", headers=bearer(key, Accept=JSON))
    assert deleted.status_code in (200, 204), deleted.text
    assert await total(client, key, CUSTOMERS) == 3
    assert await total(client, test_key, CUSTOMERS) == 1

    # Services and invoices: made, moved through their states, deleted.
    await make_service(runtime, customer_id=kept[2], status="active")
    await make_service(runtime, customer_id=kept[2], status="suspended")
    assert await total(client, key, f"{API}/services") == 2
    assert await total(client, key, f"{API}/services", **{"filter[status]": "suspended"}) == 1
    pending = await make_invoice(runtime, kept[2])
    paid = await make_invoice(runtime, kept[2])
    await make_invoice(runtime, kept[2], draft=True)
    assert await total(client, key, f"{API}/invoices") >= 3  # services made with invoices may add their own
    before = await total(client, key, f"{API}/invoices")
    before_paid = await total(client, key, f"{API}/invoices", **{"filter[status]": "paid"})
    response = await client.post(
        f"{API}/invoices/{paid}/pay", json={"transaction_id": "bank-1"}, headers=bearer(key, Accept=JSON)
    )
    assert response.status_code == 200, response.text
    assert await total(client, key, f"{API}/invoices", **{"filter[status]": "paid"}) == before_paid + 1
    assert (await client.delete(f"{API}/invoices/{pending}", headers=bearer(key, Accept=JSON))).status_code == 204
    assert await total(client, key, f"{API}/invoices") == before - 1
    await assert_counts_match_rows(runtime)


async def test_compacting_keeps_every_total(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:index")
    for _ in range(3):
        await make_customer(runtime)
    await make_customer(runtime, status="suspended")
    async with runtime.db.transaction() as session:
        await counts.compact(session)
    assert await total(client, key, CUSTOMERS) == 4
    assert await total(client, key, CUSTOMERS, **{"filter[status]": "suspended"}) == 1
    async with runtime.db.reader() as session:
        rows = await session.scalar(sa.text("SELECT count(*) FROM list_counts WHERE resource = 'customers'"))
    assert rows == 2  # one per (mode, status)
    async with runtime.db.transaction() as session:
        await counts.recount(session)
    await assert_counts_match_rows(runtime)


async def test_a_customer_scoped_list_is_counted_from_its_rows(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """Tenant lists are not the maintained count (which counts every customer's rows): the client area's invoices."""
    mine = int(str((await make_customer(runtime))["id"]))
    other = int(str((await make_customer(runtime))["id"]))
    for _ in range(3):
        await make_invoice(runtime, mine)
    await make_invoice(runtime, other)
    key = await make_api_key(runtime, "invoices:index")
    assert await total(client, key, f"{API}/invoices", **{"filter[customer_id]": str(mine)}) == 3


# Deep pages


async def test_numbered_pages_cover_the_list_once(runtime: Runtime, client: httpx.AsyncClient) -> None:
    made = [int(str((await make_customer(runtime, firstname=f"F{n % 3}"))["id"])) for n in range(11)]
    key = await make_api_key(runtime, "customers:index")
    for sort in ("", "-id", "firstname", "-created_at"):
        seen: list[int] = []
        for number in range(1, 5):
            body = await get(client, key, CUSTOMERS, per_page=3, page=number, **({"sort": sort} if sort else {}))
            seen += [row["id"] for row in body["data"]]
            assert body["meta"]["total"] == 11 and body["meta"]["last_page"] == 4
        assert sorted(seen) == sorted(made), sort
        if sort == "-id":
            assert seen == sorted(made, reverse=True)
    past = await get(client, key, CUSTOMERS, per_page=3, page=9)
    assert past["data"] == [] and past["meta"]["total"] == 11


# Cursors


def cursor_of(url: str | None) -> str | None:
    if url is None:
        return None
    found = re.search(r"[?&]cursor=([^&]+)", url)
    assert found is not None, url
    return found.group(1)


async def walk(
    client: httpx.AsyncClient, key: str, url: str, *, per_page: int, between: Any = None, **params: Any
) -> tuple[list[int], list[dict[str, Any]]]:
    """Follow ``links.next`` from ``cursor=`` to the end: the ids seen, and each page's body."""
    seen: list[int] = []
    pages: list[dict[str, Any]] = []
    cursor: str | None = ""
    while cursor is not None:
        body = await get(client, key, url, per_page=per_page, cursor=cursor, **params)
        pages.append(body)
        seen += [row["id"] for row in body["data"]]
        assert body["meta"]["next_cursor"] == cursor_of(body["links"]["next"])
        cursor = body["meta"]["next_cursor"]
        if between is not None:
            await between()
        assert len(pages) < 50
    return seen, pages


async def test_a_cursor_walks_the_whole_list_in_laravels_envelope(runtime: Runtime, client: httpx.AsyncClient) -> None:
    made = [int(str((await make_customer(runtime, firstname=f"F{n % 4}"))["id"])) for n in range(13)]
    key = await make_api_key(runtime, "customers:index")
    first = await get(client, key, CUSTOMERS, per_page=5, cursor="")
    assert list(first) == ["data", "links", "meta"]
    assert list(first["links"]) == ["first", "last", "prev", "next"]
    assert first["links"]["first"] is None and first["links"]["last"] is None and first["links"]["prev"] is None
    assert list(first["meta"]) == ["path", "per_page", "next_cursor", "prev_cursor"]
    assert first["meta"]["per_page"] == 5 and first["meta"]["prev_cursor"] is None
    assert first["meta"]["path"].endswith(CUSTOMERS)
    # Laravel's cursor: base64url JSON of the sort values and the direction.
    payload = json.loads(base64.urlsafe_b64decode(first["meta"]["next_cursor"] + "=="))
    assert payload == {"id": made[4], "_pointsToNextItems": True}

    for sort in ("", "-id", "firstname", "-firstname,id", "-created_at", "email"):
        params = {"sort": sort} if sort else {}
        seen, pages = await walk(client, key, CUSTOMERS, per_page=5, **params)
        assert sorted(seen) == sorted(made) and len(seen) == len(set(seen)), sort
        numbered = [
            row["id"]
            for n in (1, 2, 3)
            for row in (await get(client, key, CUSTOMERS, per_page=5, page=n, **params))["data"]
        ]
        assert seen == numbered, sort
        assert pages[-1]["meta"]["next_cursor"] is None and pages[-1]["links"]["next"] is None
        # And back: each prev link gives the page before.
        back = pages[-1]["meta"]["prev_cursor"]
        for earlier in reversed(pages[:-1]):
            body = await get(client, key, CUSTOMERS, per_page=5, cursor=back, **params)
            assert [row["id"] for row in body["data"]] == [row["id"] for row in earlier["data"]], sort
            back = body["meta"]["prev_cursor"]
        assert back is None


async def test_rows_written_between_pages_are_neither_repeated_nor_skipped(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    made = [int(str((await make_customer(runtime))["id"])) for _ in range(9)]
    key = await make_api_key(runtime, "customers:index")
    added: list[int] = []

    async def insert() -> None:
        added.append(int(str((await make_customer(runtime))["id"])))

    seen, _ = await walk(client, key, CUSTOMERS, per_page=4, between=insert)
    assert seen[: len(made)] == made and len(seen) == len(set(seen))
    assert set(seen) <= set(made) | set(added)
    newest_first, _ = await walk(client, key, CUSTOMERS, per_page=4, between=insert, sort="-id")
    assert newest_first == sorted(newest_first, reverse=True) and len(newest_first) == len(set(newest_first))
    assert set(made) <= set(newest_first)


async def test_a_flat_list_pages_by_cursor_too(runtime: Runtime, client: httpx.AsyncClient) -> None:
    from tests.fixtures.factories import make_product

    made = [int(str((await make_product(runtime))["id"])) for _ in range(5)]
    key = await make_api_key(runtime, "products:index")
    body = await get(client, key, f"{API}/products", per_page=3, cursor="")
    assert list(body) == ["data", "path", "per_page", "next_cursor", "next_page_url", "prev_cursor", "prev_page_url"]
    following = await get(client, key, f"{API}/products", per_page=3, cursor=body["next_cursor"])
    assert sorted(row["id"] for row in body["data"] + following["data"]) == sorted(made)
    assert following["next_cursor"] is None and following["prev_cursor"] is not None


def encoded(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("cursor", "sort"),
    [
        ("!!not a cursor!!", ""),
        (encoded([1, 2]), ""),
        (encoded({"id": 1}), ""),
        (encoded({"id": "one", "_pointsToNextItems": True}), ""),
        (encoded({"id": 1, "_pointsToNextItems": True}), "email"),  # made for another sort
        (encoded({"created_at": "yesterday", "id": 1, "_pointsToNextItems": True}), "created_at"),
        ("x" * 5000, ""),
    ],
)
async def test_a_bad_cursor_is_a_400_naming_it(
    runtime: Runtime, client: httpx.AsyncClient, cursor: str, sort: str
) -> None:
    await make_customer(runtime)
    key = await make_api_key(runtime, "customers:index")
    params = {"cursor": cursor, **({"sort": sort} if sort else {})}
    response = await client.get(CUSTOMERS, params=params, headers=bearer(key, Accept=JSON))
    assert response.status_code == 400, response.text
    assert "cursor" in response.json()["errors"]


async def test_a_cursor_refuses_a_sort_by_a_field_that_may_be_empty(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await make_service(runtime)
    key = await make_api_key(runtime, "services:index")
    response = await client.get(
        f"{API}/services", params={"cursor": "", "sort": "next_due_date"}, headers=bearer(key, Accept=JSON)
    )
    assert response.status_code == 400, response.text
    assert "cursor" in response.json()["errors"] and "next_due_date" in response.json()["message"]
