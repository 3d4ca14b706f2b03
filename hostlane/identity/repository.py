"""All SQL of the identity domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.models import Administrator, ApiKey


async def administrator_by_email(session: AsyncSession, email: str) -> Administrator | None:
    return await session.scalar(sa.select(Administrator).where(sa.func.lower(Administrator.email) == email.lower()))


async def administrator_by_login(session: AsyncSession, login: str) -> Administrator | None:
    return await session.scalar(
        sa.select(Administrator).where(
            sa.or_(Administrator.login == login, sa.func.lower(Administrator.email) == login.lower())
        )
    )


async def administrator_emails(session: AsyncSession) -> Sequence[str]:
    return (await session.scalars(sa.select(Administrator.email).order_by(Administrator.id))).all()


async def administrator_exists(
    session: AsyncSession, login: str, email: str | None, *, except_id: int | None = None
) -> bool:
    """Whether another administrator holds this login (or e-mail) as its login or e-mail."""
    names = [login] if email is None else [login, email]
    held = sa.or_(
        *(sa.or_(Administrator.login == name, sa.func.lower(Administrator.email) == name.lower()) for name in names)
    )
    statement = sa.select(sa.literal(1)).where(held)
    if except_id is not None:
        statement = statement.where(Administrator.id != except_id)
    return await session.scalar(statement.limit(1)) is not None


async def api_key_by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    return await session.scalar(sa.select(ApiKey).where(ApiKey.prefix == prefix))


# Built once: the one query of every API-key request (no statement to build nor cache key to compute per request,
# and a plain row, not an ORM object to track, for a key that is only read).
_API_KEYS = cast(sa.Table, ApiKey.__table__)
_ACTIVE_API_KEY = (
    sa.select(*_API_KEYS.c)
    .join(Administrator, Administrator.id == ApiKey.administrator_id)
    .where(
        ApiKey.prefix == sa.bindparam("prefix", type_=ApiKey.prefix.type),
        ApiKey.revoked_at.is_(None),
        Administrator.is_active.is_(True),
    )
)


async def active_api_key_by_prefix(session: AsyncSession, prefix: str) -> sa.Row[Any] | None:
    """The key with this prefix if it can still be used (its owner active, the key not revoked), as a row of the
    table's columns (``key.secret_hash``, ``key.permissions`` …)."""
    return (await session.execute(_ACTIVE_API_KEY, {"prefix": prefix})).first()


async def touch_api_key(session: AsyncSession, key_id: int, at: datetime) -> None:
    await session.execute(sa.update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))


async def count_administrators(session: AsyncSession) -> int:
    return int(await session.scalar(sa.select(sa.func.count()).select_from(Administrator)) or 0)


async def count_active_api_keys(session: AsyncSession, *, livemode: bool) -> int:
    return int(
        await session.scalar(
            sa.select(sa.func.count())
            .select_from(ApiKey)
            .where(ApiKey.revoked_at.is_(None), ApiKey.livemode.is_(livemode))
        )
        or 0
    )


async def record_admin_login(session: AsyncSession, admin_id: int, at: datetime, password_hash: str | None) -> None:
    """Remember the login time, and the password's hash if it was upgraded to current parameters."""
    await session.execute(
        sa.update(Administrator)
        .where(Administrator.id == admin_id)
        .values(last_login_at=at, password_hash=password_hash)
    )


async def administrators(session: AsyncSession) -> Sequence[Administrator]:
    return (await session.scalars(sa.select(Administrator).order_by(Administrator.id))).all()


async def administrator_by_id(session: AsyncSession, admin_id: int, *, lock: bool = False) -> Administrator | None:
    statement = sa.select(Administrator).where(Administrator.id == admin_id)
    return await session.scalar(statement.with_for_update() if lock else statement)


async def api_keys(session: AsyncSession, *, livemode: bool) -> Sequence[tuple[ApiKey, str]]:
    """The keys of one mode, newest first, each with its owner's login (one query)."""
    rows = await session.execute(
        sa.select(ApiKey, Administrator.login)
        .join(Administrator, Administrator.id == ApiKey.administrator_id)
        .where(ApiKey.livemode.is_(livemode))
        .order_by(ApiKey.id.desc())
    )
    return [(key, login) for key, login in rows.all()]
