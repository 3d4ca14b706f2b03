"""Client-area sessions: HTTP Basic on every call, or a login that returns a short-lived access token
and a refresh token. Refresh tokens rotate: each is good once, and presenting a used one revokes its
whole family (someone copied it). Revoking or logging out ends the family, and with it every access
token of that login, since each request checks its family.

A customer's logins belong to the customers domain (they read and update the customer); identity lends the
password check, the login guard and the ``Principal``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core import clock, tokens
from hostlane.core.db import Database
from hostlane.core.errors import Unauthenticated
from hostlane.core.passwords import RecentVerifications
from hostlane.customers import service as customers
from hostlane.identity.bans import LoginGuard
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.identity.service import login_with_password
from hostlane.models import Customer, CustomerStatus, RefreshToken, TokenFamily

ACCESS_AUDIENCE = "hostlane:clientarea"
REFRESH_AUDIENCE = "hostlane:clientarea:refresh"
ACCESS_LIFETIME = timedelta(minutes=15)
REFRESH_LIFETIME = timedelta(days=30)


@dataclass(frozen=True)
class TokenPair:
    token: str
    refresh: str


def customer_principal(customer_id: int, livemode: bool, ip: str | None) -> Principal:
    """A customer sees only itself: every query is scoped to its id."""
    return Principal(PrincipalKind.CUSTOMER, customer_id, frozenset({"*"}), livemode, customer_id, ip)


# Successful Basic checks of the last minute (``password_cache_seconds``): Basic sends the password on every
# call, and a full argon2 verification each time would make every client-area call cost one.
_RECENT_BASIC = RecentVerifications()


async def check_password(
    db: Database, guard: LoginGuard, *, ip: str, email: str, password: str, livemode: bool, basic: bool = False
) -> Customer:
    """The customer with this e-mail and password (the shared ban applies); active accounts only.

    ``basic``: the credentials come with every call (HTTP Basic), so a recent success with this password and
    this stored hash is remembered. The account is loaded and its status checked on every call all the same.
    """

    async def load() -> Customer | None:
        async with db.reader() as session:
            customer = await customers.by_email(session, livemode, email)
        return customer if customer is not None and customer.status is CustomerStatus.ACTIVE else None

    recent = _RECENT_BASIC if basic else None
    return await login_with_password(guard, ip=ip, password=password, load=load, recent=recent)


async def _issue(session: AsyncSession, secret: str, family: TokenFamily) -> TokenPair:
    jti = str(uuid.uuid4())
    session.add(RefreshToken(jti=jti, family_id=family.id, expires_at=clock.now() + REFRESH_LIFETIME))
    claims = {"sub": str(family.customer_id), "fam": family.id, "live": family.livemode}
    return TokenPair(
        token=tokens.issue(secret, audience=ACCESS_AUDIENCE, lifetime=ACCESS_LIFETIME, claims=claims),
        refresh=tokens.issue(
            secret, audience=REFRESH_AUDIENCE, lifetime=REFRESH_LIFETIME, claims={**claims, "jti": jti}
        ),
    )


async def login(
    db: Database,
    guard: LoginGuard,
    secret: str,
    *,
    ip: str,
    host: str | None,
    email: str,
    password: str,
    livemode: bool,
) -> TokenPair:
    customer = await check_password(db, guard, ip=ip, email=email, password=password, livemode=livemode)
    async with db.transaction() as session:
        await customers.record_login(session, customer.id, ip=ip, host=host, password_hash=customer.password_hash)
        family = TokenFamily(id=str(uuid.uuid4()), customer_id=customer.id, livemode=customer.livemode)
        session.add(family)
        await session.flush()
        return await _issue(session, secret, family)


async def refresh(db: Database, secret: str, refresh_token: str) -> TokenPair:
    """A new pair for a refresh token that was never used; a used one revokes its family."""
    try:
        claims = tokens.read(secret, refresh_token, audience=REFRESH_AUDIENCE)
    except tokens.InvalidToken:
        raise Unauthenticated("The refresh token is not valid.") from None
    reused = False
    async with db.transaction() as session:
        row = await session.scalar(
            sa.select(RefreshToken).where(RefreshToken.jti == str(claims.get("jti"))).with_for_update()
        )
        family = await session.get(TokenFamily, str(claims["fam"]), with_for_update=True)
        if row is None or family is None or family.revoked_at is not None:
            raise Unauthenticated("The refresh token is not valid.")
        if row.used_at is not None:
            family.revoked_at = clock.now()  # a stolen copy is in use: end the whole login
            reused = True
        else:
            row.used_at = clock.now()
            return await _issue(session, secret, family)
    assert reused
    raise Unauthenticated("The refresh token was already used; the session is revoked.")


async def revoke(db: Database, secret: str, token: str) -> bool:
    """End the login that ``token`` (a refresh or an access token) belongs to."""
    for audience in (REFRESH_AUDIENCE, ACCESS_AUDIENCE):
        try:
            claims = tokens.read(secret, token, audience=audience)
        except tokens.InvalidToken:
            continue
        async with db.transaction() as session:
            await session.execute(
                sa.update(TokenFamily)
                .where(TokenFamily.id == str(claims["fam"]), TokenFamily.revoked_at.is_(None))
                .values(revoked_at=clock.now())
            )
        return True
    return False


async def principal_from_access_token(db: Database, secret: str, token: str, *, ip: str | None) -> Principal:
    try:
        claims = tokens.read(secret, token, audience=ACCESS_AUDIENCE)
    except tokens.InvalidToken:
        raise Unauthenticated() from None
    async with db.reader() as session:
        revoked = await session.scalar(sa.select(TokenFamily.revoked_at).where(TokenFamily.id == str(claims["fam"])))
        exists = await session.scalar(
            sa.select(sa.func.count()).select_from(TokenFamily).where(TokenFamily.id == str(claims["fam"]))
        )
    if not exists or revoked is not None:
        raise Unauthenticated()
    return customer_principal(int(claims["sub"]), bool(claims["live"]), ip)
