"""Client-area sessions: HTTP Basic on every call, or a login that returns a short-lived access token
and a refresh token. Refresh tokens rotate: each is good once, and presenting a used one revokes its
whole family (someone copied it). Revoking or logging out ends the family, and with it every access
token of that login, since each request checks its family.

Every session of a customer ends at once when the account does (a password change, a status other than
active, deletion: ``customers.end_sessions``): each token carries the customer's session epoch (``ep``),
and every request and refresh reads the family together with the customer, refusing a revoked family, a
customer that is not active or is deleted, and an epoch that has moved on.

A customer's logins belong to the customers domain (they read and update the customer); identity lends the
password check, the login guard and the ``Principal``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core import clock, tokens
from hostlane.core.db import Database
from hostlane.core.errors import NotFound, Unauthenticated, ValidationFailed
from hostlane.customers import service as customers
from hostlane.customers.schemas import CustomerUpdate
from hostlane.identity.bans import LoginGuard
from hostlane.identity.errors import InvalidCredentials
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.identity.service import login_with_password
from hostlane.identity.verified import VerifiedCredentials
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


def _what_a_basic_check_depends_on(customer: Customer) -> tuple[int, str]:
    """Besides the stored password hash: the session epoch ("log out everywhere", a password change) and the
    status, so that either change makes the next Basic call verify the password again."""
    return customer.session_epoch, customer.status.value


# Successful Basic checks of the last minute (``password_cache_seconds``), in this process: Basic sends the
# password on every call, and a full argon2 verification each time would make every client-area call cost one.
_VERIFIED_BASIC = VerifiedCredentials(_what_a_basic_check_depends_on)


async def check_password(
    db: Database, guard: LoginGuard, *, ip: str, email: str, password: str, livemode: bool, basic: bool = False
) -> Customer:
    """The customer with this e-mail and password (the shared ban applies); active accounts only.

    ``basic``: the credentials come with every call (HTTP Basic), so a success with this password, this stored
    hash and this session epoch is remembered for a minute (``hostlane.identity.verified``). The account is
    loaded and its status checked on every call all the same, and a banned address is refused.
    """

    async def load() -> Customer | None:
        async with db.reader() as session:
            customer = await customers.by_email(session, livemode, email)
        return customer if customer is not None and customer.status is CustomerStatus.ACTIVE else None

    verified = _VERIFIED_BASIC if basic else None
    return await login_with_password(guard, ip=ip, password=password, load=load, verified=verified)


async def _issue(session: AsyncSession, secret: str, family: TokenFamily, session_epoch: int) -> TokenPair:
    jti = str(uuid.uuid4())
    session.add(RefreshToken(jti=jti, family_id=family.id, expires_at=clock.now() + REFRESH_LIFETIME))
    claims = {"sub": str(family.customer_id), "fam": family.id, "live": family.livemode, "ep": session_epoch}
    return TokenPair(
        token=tokens.issue(secret, audience=ACCESS_AUDIENCE, lifetime=ACCESS_LIFETIME, claims=claims),
        refresh=tokens.issue(
            secret, audience=REFRESH_AUDIENCE, lifetime=REFRESH_LIFETIME, claims={**claims, "jti": jti}
        ),
    )


def _epoch_of(claims: dict[str, Any]) -> int:
    """The session epoch a token was issued under (0 for tokens issued before epochs existed)."""
    value = claims.get("ep", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _session_of(family_id: str) -> sa.Select[datetime | None, int, CustomerStatus, datetime | None, int]:
    """What decides whether a login still holds: its family's revocation, and its customer's id, status,
    deletion and session epoch."""
    return (
        sa.select(TokenFamily.revoked_at, Customer.id, Customer.status, Customer.deleted_at, Customer.session_epoch)
        .join(Customer, Customer.id == TokenFamily.customer_id)
        .where(TokenFamily.id == family_id)
    )


def _holds(
    found: sa.Row[datetime | None, int, CustomerStatus, datetime | None, int] | None, claims: dict[str, Any]
) -> bool:
    """The login is not revoked, and the customer the token names is active, not deleted, and still at the
    token's session epoch."""
    if found is None:
        return False
    revoked_at, customer_id, status, deleted_at, session_epoch = found
    return (
        revoked_at is None
        and str(customer_id) == str(claims.get("sub"))
        and status == CustomerStatus.ACTIVE
        and deleted_at is None
        and session_epoch == _epoch_of(claims)
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
    return await open_session(db, secret, customer, ip=ip, host=host)


async def _new_family(session: AsyncSession, customer: Customer, *, ip: str, host: str | None) -> TokenFamily:
    """A new login (token family) for a customer whose password was just checked. Refused if the account
    changed since that check (suspended, deleted, its password changed): the check no longer holds."""
    if not await customers.record_login(
        session,
        customer.id,
        session_epoch=customer.session_epoch,
        ip=ip,
        host=host,
        password_hash=customer.password_hash,
    ):
        raise InvalidCredentials()
    family = TokenFamily(id=str(uuid.uuid4()), customer_id=customer.id, livemode=customer.livemode)
    session.add(family)
    await session.flush()
    return family


async def open_session(db: Database, secret: str, customer: Customer, *, ip: str, host: str | None) -> TokenPair:
    """A new login (token family) with its access and refresh tokens (``_new_family``)."""
    async with db.transaction() as session:
        family = await _new_family(session, customer, ip=ip, host=host)
        return await _issue(session, secret, family, customer.session_epoch)


# Personal access tokens (CLIENTXCMS's client API, Laravel Sanctum's kind): one long-lived bearer token per login,
# no refresh. Each is a login of its own (a token family) holding the abilities it was issued with: the full
# ``client-api``, or ``2fa:pending`` for the few minutes between a password and its second factor. Logging out
# revokes its family; every end of the customer's sessions (a password change, a suspension) ends it as it ends
# every other login.
API_TOKEN_AUDIENCE = "hostlane:client-api"  # noqa: S105 - a JWT audience, not a secret
API_TOKEN_LIFETIME = timedelta(days=365)
PENDING_TOKEN_LIFETIME = timedelta(minutes=5)
FULL_ACCESS = "client-api"
SECOND_FACTOR_PENDING = "2fa:pending"


@dataclass(frozen=True)
class ApiLogin:
    """The customer behind a personal access token, what the token may do, and its login (to end it)."""

    principal: Principal
    abilities: frozenset[str]
    family_id: str


async def open_api_session(
    db: Database,
    secret: str,
    customer: Customer,
    *,
    ip: str,
    host: str | None,
    abilities: frozenset[str],
    lifetime: timedelta = API_TOKEN_LIFETIME,
) -> str:
    """A personal access token: a new login of a customer whose password (and second factor) was just checked."""
    async with db.transaction() as session:
        family = await _new_family(session, customer, ip=ip, host=host)
        claims = {
            "sub": str(customer.id),
            "fam": family.id,
            "live": customer.livemode,
            "ep": customer.session_epoch,
            "ab": sorted(abilities),
        }
        return tokens.issue(secret, audience=API_TOKEN_AUDIENCE, lifetime=lifetime, claims=claims)


async def api_login(db: Database, secret: str, token: str, *, ip: str | None) -> ApiLogin:
    """The login of a personal access token, while it holds (``_holds``): one read by primary keys."""
    try:
        claims = tokens.read(secret, token, audience=API_TOKEN_AUDIENCE)
    except tokens.InvalidToken:
        raise Unauthenticated() from None
    family_id = str(claims.get("fam"))
    async with db.reader() as session:
        found = (await session.execute(_session_of(family_id))).one_or_none()
    if not _holds(found, claims):
        raise Unauthenticated()
    abilities = claims.get("ab")
    held = frozenset(str(item) for item in abilities) if isinstance(abilities, list) else frozenset()
    return ApiLogin(customer_principal(int(claims["sub"]), bool(claims["live"]), ip), held, family_id)


async def end_login(db: Database, family_id: str) -> None:
    """End one login (a personal access token's, or a token pair's)."""
    async with db.transaction() as session:
        await session.execute(
            sa.update(TokenFamily)
            .where(TokenFamily.id == family_id, TokenFamily.revoked_at.is_(None))
            .values(revoked_at=clock.now())
        )


async def refresh(db: Database, secret: str, refresh_token: str) -> TokenPair:
    """A new pair for a refresh token that was never used; a used one revokes its family. Refused once
    the customer's sessions ended (its family is revoked then, and its epoch moved on)."""
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
        if not _holds((await session.execute(_session_of(family.id))).one_or_none(), claims):
            raise Unauthenticated("The refresh token is not valid.")
        if row.used_at is not None:
            family.revoked_at = clock.now()  # a stolen copy is in use: end the whole login
            reused = True
        else:
            row.used_at = clock.now()
            return await _issue(session, secret, family, _epoch_of(claims))
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
    """The customer of an access token, if its login (family) is not revoked and the customer is still
    active, not deleted and at the token's session epoch: one read by primary keys per request."""
    try:
        claims = tokens.read(secret, token, audience=ACCESS_AUDIENCE)
    except tokens.InvalidToken:
        raise Unauthenticated() from None
    async with db.reader() as session:
        found = (await session.execute(_session_of(str(claims["fam"])))).one_or_none()
    if not _holds(found, claims):
        raise Unauthenticated()
    return customer_principal(int(claims["sub"]), bool(claims["live"]), ip)


async def signed_in_customer(
    session: AsyncSession, customer_id: int, *, livemode: bool, epoch: int, ip: str | None
) -> tuple[Customer, Principal] | None:
    """The customer of a browser login made at session epoch ``epoch``, and its principal, while that login holds:
    the account is active, not deleted, of this mode, and no change ended its sessions since."""
    principal = customer_principal(customer_id, livemode, ip)
    customer = await customers.account(session, principal, customer_id)
    if (
        customer is None
        or customer.status is not CustomerStatus.ACTIVE
        or customer.deleted_at is not None
        or customer.session_epoch != epoch
    ):
        return None
    return customer, principal


async def end_every_session(db: Database, customer_id: int, *, livemode: bool, ip: str | None) -> None:
    """ "Log out everywhere": every login of the customer ends, on every face (its API tokens too)."""
    async with db.transaction() as session:
        customer = await customers.lock_customer(session, customer_principal(customer_id, livemode, ip), customer_id)
        await customers.end_sessions(session, customer)


async def change_password(
    db: Database, guard: LoginGuard, principal: Principal, *, ip: str, current: str, new: str
) -> Customer:
    """The customer changes its own password: the current one is checked as a login is (a wrong one counts
    toward the shared ban), then the new one is set, which ends every session (``update_customer``). Returns the
    account as it is now (its new session epoch, for the caller's own login to carry on)."""
    customer_id = principal.scope or 0
    async with db.reader() as session:
        account = await customers.account(session, principal, customer_id)
    if account is None:
        raise NotFound()
    if len(new) < 8 or len(new) > 256:
        raise ValidationFailed.field("new_password", "The password needs 8 to 256 characters.")
    try:
        await check_password(db, guard, ip=ip, email=account.email, password=current, livemode=principal.livemode)
    except InvalidCredentials:
        raise ValidationFailed.field("current_password", "This is not your current password.") from None
    async with db.transaction() as session:
        await customers.update_customer(session, principal, customer_id, CustomerUpdate(password=new))
        changed = await customers.account(session, principal, customer_id)
    assert changed is not None
    return changed
