"""All SQL of customers. Every read starts from ``CUSTOMER`` (scoped to who is asking)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.pagination import ListQuery, ListSpec, Match, Page, fetch_page
from hostlane.core.repository import Scoped
from hostlane.customers.errors import CustomerNotFound
from hostlane.identity.principal import Principal
from hostlane.models import Customer, CustomerStatus, TokenFamily

TABLE = cast(sa.Table, Customer.__table__)
# Columns a customer is rendered from: never a secret (the password hash, the second factor), nor the session
# epoch. (``deleted_at`` is always null in a read: a deleted customer is never read.)
SECRET_COLUMNS = ("password_hash", "session_epoch", "two_factor_secret", "two_factor_recovery_codes")
COLUMNS = [column for column in TABLE.c if column.name not in SECRET_COLUMNS]

# CLIENTXCMS's filters and sorts (id, email, firstname, lastname, phone, created_at, updated_at), and Hostlane's
# country, status and currency. Its includes are its relations: services here; invoices and metadata are
# attached by the face (billing sits above customers).
LIST_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "email": Match.PARTIAL,
        "firstname": Match.PARTIAL,
        "lastname": Match.PARTIAL,
        "phone": Match.PARTIAL,
        "created_at": Match.TIME,
        "updated_at": Match.TIME,
        "country": Match.EXACT,
        "status": Match.EXACT,
        "currency": Match.EXACT,
    },
    sorts=frozenset({"id", "email", "firstname", "lastname", "phone", "created_at", "updated_at", "country", "status"}),
    includes=frozenset({"services"}),
)


# A customer principal sees only itself; nobody sees a deleted customer.
CUSTOMER = Scoped(
    Customer,
    tenant="id",
    columns=COLUMNS,
    always=lambda table: [table.c.deleted_at.is_(None)],
    spec=LIST_SPEC,
    missing=CustomerNotFound,
)


def _contains(column: sa.ColumnElement[Any], lowered: str) -> sa.ColumnElement[bool]:
    escaped = lowered.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(column).like(f"%{escaped}%", escape="\\")


def matching(text: str) -> sa.ColumnElement[bool]:
    """Customers whose first name, last name, e-mail address or company contains each word of ``text``
    (``ada love`` finds Ada Lovelace), case-insensitively."""
    fields = (TABLE.c.firstname, TABLE.c.lastname, TABLE.c.email, TABLE.c.companyname)
    words = text.lower().split()
    return sa.and_(*(sa.or_(*(_contains(column, word) for column in fields)) for word in words))


async def search(session: AsyncSession, principal: Principal, query: ListQuery, text: str) -> Page:
    """One page of the customers ``matching(text)``, with the query's filters and sort (the same two queries
    as a plain list: the page, and a count when the page is not the whole list)."""
    readable = CUSTOMER.readable(principal).where(matching(text))
    return await fetch_page(session, readable, TABLE.c, LIST_SPEC, query)


def by_email_statement(livemode: bool, email: str) -> sa.Select[Customer]:
    """The login lookup: served by ``ix_customers_livemode_lower_email`` (HTTP Basic runs it on every call)."""
    return sa.select(Customer).where(
        Customer.livemode.is_(livemode),
        Customer.deleted_at.is_(None),
        sa.func.lower(Customer.email) == email.lower(),
    )


async def by_email(session: AsyncSession, livemode: bool, email: str) -> Customer | None:
    return await session.scalar(by_email_statement(livemode, email))


async def account(session: AsyncSession, principal: Principal, customer_id: int) -> Customer | None:
    """The customer's row as an object (its epoch and e-mail too), if ``principal`` can see it; no lock."""
    return await session.scalar(sa.select(Customer).where(TABLE.c.id == customer_id, *CUSTOMER.scope(principal)))


async def count(session: AsyncSession, principal: Principal) -> dict[str, int]:
    rows = await session.execute(
        sa.select(TABLE.c.status, sa.func.count()).where(*CUSTOMER.scope(principal)).group_by(TABLE.c.status)
    )
    return {str(status): int(n) for status, n in rows.all()}


async def record_login(
    session: AsyncSession,
    customer_id: int,
    *,
    session_epoch: int,
    at: datetime,
    ip: str,
    host: str | None,
    password_hash: str | None,
) -> bool:
    """Write the login on the customer if it is still active, not deleted and at ``session_epoch`` (no
    password change since the password was checked); False, writing nothing, otherwise. The update locks
    the row, so a concurrent change either waits for this login (and then ends its session) or wins."""
    result = await session.execute(
        sa.update(Customer)
        .where(
            Customer.id == customer_id,
            Customer.session_epoch == session_epoch,
            Customer.status == CustomerStatus.ACTIVE,
            Customer.deleted_at.is_(None),
        )
        .values(last_login_at=at, last_login_ip=ip, last_login_host=host, password_hash=password_hash)
        .execution_options(synchronize_session=False)
    )
    return cast(sa.CursorResult[Any], result).rowcount == 1


async def revoke_token_families(session: AsyncSession, customer_id: int, *, at: datetime) -> None:
    """Revoke every token family (client-area login) of the customer that is not revoked yet."""
    await session.execute(
        sa.update(TokenFamily)
        .where(TokenFamily.customer_id == customer_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=at)
        .execution_options(synchronize_session=False)
    )


async def billing_profiles(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """What invoicing needs of each customer (tax place and exemption, credit, currency), by id."""
    rows = await session.execute(
        sa.select(
            TABLE.c.id, TABLE.c.country, TABLE.c.state, TABLE.c.taxexempt, TABLE.c.credit_minor, TABLE.c.currency
        ).where(TABLE.c.id.in_(ids))
    )
    return {row["id"]: dict(row) for row in rows.mappings()}
