"""Rules of identity: administrators, API keys, password logins and the ban around them."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core import clock
from hostlane.core.db import Database
from hostlane.core.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from hostlane.core.passwords import (
    hash_password_off_loop,
    hash_secret,
    needs_rehash,
    random_token,
    secret_matches,
    verify_password_off_loop,
)
from hostlane.drivers.ldap import DirectoryUnreachable, LdapDirectory
from hostlane.identity import audit, permissions
from hostlane.identity import repository as repo
from hostlane.identity.bans import LoginGuard
from hostlane.identity.errors import (
    AdministratorExists,
    AdministratorNotFound,
    ApiKeyNotFound,
    DirectoryUnavailable,
    InvalidCredentials,
    UnknownAdministrator,
)
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.identity.verified import VerifiedCredentials
from hostlane.models import Administrator, ApiKey

# hl_<mode>_<8-character id><40-character secret>: the first 16 characters are the visible prefix.
API_KEY_PATTERN = re.compile(r"^(hl_(?:live|test)_[A-Za-z0-9]{8})([A-Za-z0-9]{40})$")
_ID_LENGTH = 8
_SECRET_LENGTH = 40
# last_used_at is written at most this often per key, so reads stay reads.
_TOUCH_EVERY = timedelta(minutes=1)
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """A key as it is created: the only time its plaintext exists."""

    key: ApiKey
    plaintext: str


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.field("password", f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")


async def create_administrator(
    session: AsyncSession,
    principal: Principal,
    *,
    login: str,
    email: str,
    password: str | None,
    name: str = "",
    super_admin: bool = False,
    uses_ldap: bool = False,
) -> Administrator:
    login, email = login.strip(), email.strip().lower()
    if not login:
        raise ValidationFailed.field("login", "The login is required.")
    if "@" not in email:
        raise ValidationFailed.field("email", "The e-mail must be a valid e-mail address.")
    if password is None and not uses_ldap:
        raise ValidationFailed.field("password", "A password is required unless the account uses LDAP.")
    if password is not None:
        _check_password(password)
    if await repo.administrator_exists(session, login, email):
        raise AdministratorExists()
    admin = Administrator(
        login=login,
        email=email,
        name=name or login,
        is_super_admin=super_admin,
        uses_ldap=uses_ldap,
        password_hash=await hash_password_off_loop(password) if password else None,
        md5_password_hash=await _md5_hash(password) if password else None,
    )
    await audit.created(
        session, principal, admin, "administrator", {"login": login, "email": email, "super_admin": super_admin}
    )
    return admin


async def disable_administrator(session: AsyncSession, principal: Principal, login: str) -> Administrator:
    """Disable the administrator with this login (or e-mail): its API keys stop working on their next
    request (every key is checked together with its owner) and it can no longer log in. Disabling a
    disabled administrator changes nothing."""
    admin = await repo.administrator_by_login(session, login.strip())
    if admin is None:
        raise NotFound(f"No administrator has the login '{login.strip()}'.")
    if admin.is_active:
        admin.is_active = False
        await session.flush()
        audit.record(session, principal, "administrator.disable", "administrator", admin.id, {"login": admin.login})
    return admin


def _new_key_text(livemode: bool, identifier: str | None = None, secret: str | None = None) -> str:
    mode = "live" if livemode else "test"
    return f"hl_{mode}_{identifier or random_token(_ID_LENGTH)}{secret or random_token(_SECRET_LENGTH)}"


async def create_api_key(
    session: AsyncSession,
    principal: Principal,
    *,
    name: str,
    admin_email: str,
    permission_names: Iterable[str],
    livemode: bool = True,
    plaintext: str | None = None,
) -> IssuedApiKey:
    """Create a key for the administrator with ``admin_email``; the plaintext is returned once, never stored.

    ``plaintext`` fixes the key's text (the demo key, derived from the secret key); otherwise it is random.
    """
    name = name.strip()
    if not name:
        raise ValidationFailed.field("name", "The key needs a name.")
    granted = permissions.normalize(permission_names)
    if not granted:
        raise ValidationFailed.field("permissions", "Give the key at least one permission (`*` for all).")
    admin = await repo.administrator_by_email(session, admin_email.strip())
    if admin is None:
        raise UnknownAdministrator(admin_email, list(await repo.administrator_emails(session)))
    text = plaintext or _new_key_text(livemode)
    match = API_KEY_PATTERN.match(text)
    if match is None or match.group(1).startswith("hl_live_") != livemode:
        raise ValidationFailed.field("key", "The key text does not have the key format of its mode.")
    key = ApiKey(
        name=name,
        administrator_id=admin.id,
        prefix=match.group(1),
        secret_hash=hash_secret(text),
        permissions=granted,
        livemode=livemode,
    )
    await audit.created(
        session,
        principal,
        key,
        "api_key",
        {"name": name, "prefix": key.prefix, "permissions": granted, "livemode": livemode},
    )
    return IssuedApiKey(key, text)


async def list_api_keys(session: AsyncSession, principal: Principal) -> list[dict[str, Any]]:
    """The API keys of the principal's mode, newest first, as staff see them (never a secret: the prefix, the
    name, the owner, the permissions, when it was created, last used and revoked)."""
    principal.require("*")
    return [
        {
            "id": key.id,
            "prefix": key.prefix,
            "name": key.name,
            "owner": login,
            "permissions": list(key.permissions or []),
            "livemode": key.livemode,
            "created_at": key.created_at,
            "last_used_at": key.last_used_at,
            "revoked_at": key.revoked_at,
        }
        for key, login in await repo.api_keys(session, livemode=principal.livemode)
    ]


async def revoke_api_key(session: AsyncSession, principal: Principal, prefix: str) -> ApiKey:
    key = await repo.api_key_by_prefix(session, prefix.strip())
    if key is None:
        raise ApiKeyNotFound()
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        audit.record(session, principal, "api_key.revoke", "api_key", key.id, {"prefix": key.prefix})
    return key


async def authenticate_api_key(session: AsyncSession, presented: str, *, ip: str | None) -> Principal:
    """The Principal of a presented API key; ``Unauthenticated`` if it is malformed, unknown or revoked, or
    its administrator is disabled (checked on every request, in the same read as the key)."""
    match = API_KEY_PATTERN.match(presented)
    if match is None:
        raise Unauthenticated()
    key = await repo.active_api_key_by_prefix(session, match.group(1))
    if key is None or not secret_matches(presented, key.secret_hash):
        raise Unauthenticated()
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at >= _TOUCH_EVERY:
        await repo.touch_api_key(session, key.id, now)
    return Principal(PrincipalKind.API_KEY, key.id, frozenset(key.permissions), key.livemode, None, ip)


class HasPassword(Protocol):
    id: int
    password_hash: str | None


Account = TypeVar("Account", bound=HasPassword)


async def login_with_password(
    guard: LoginGuard,
    *,
    ip: str,
    password: str,
    load: Callable[[], Awaitable[Account | None]],
    verified: VerifiedCredentials[Account] | None = None,
) -> Account:
    """The one password check behind every login route of every face.

    Each attempt reserves one try of its address before its password is verified (``guard.reserve``): a
    banned address, or one whose tries of the window are all taken (by attempts still running, too), is
    refused unverified, even with the right password. So however many guesses arrive at once, at most the
    allowed number are verified. A wrong login or password keeps its try counted; a success clears the count.
    The verification runs in the password threads, off the event loop.

    With ``verified`` (HTTP Basic, which sends the password on every call), a password verified for this
    account as it is now (its stored hash, and what ``verified`` binds besides) less than a minute ago passes
    without argon2, and calls with the same credentials while one is being verified wait for its answer rather
    than each taking a try. Anything else is verified, and counted, as without it. A banned address is refused
    all the same.
    """
    account = await load()
    if verified is None or account is None or (presented := verified.presented(account, password)) is None:
        return await _verify(guard, ip, account, password)
    if verified.holds(presented):
        await guard.check(ip)
        return account
    while (running := verified.running(presented)) is not None:
        outcome = await asyncio.shield(running)
        if outcome is not None:
            await guard.check(ip)
            if not outcome:
                raise InvalidCredentials()
            return account
    if not verified.start(presented):  # another password of this account is being verified: this one alone
        account = await _verify(guard, ip, account, password)
        verified.remember(presented)
        return account
    outcome = None
    try:
        account = await _verify(guard, ip, account, password)
        outcome = True
        verified.remember(presented)
        return account
    except InvalidCredentials:
        outcome = False
        raise
    finally:
        verified.finish(presented, outcome)


async def _verify(guard: LoginGuard, ip: str, account: Account | None, password: str) -> Account:
    """Reserve a try, verify the password (off the loop), clear the count on success."""
    await guard.reserve(ip)
    stored = account.password_hash if account else None
    if not await verify_password_off_loop(stored, password) or account is None:
        raise InvalidCredentials()
    await guard.succeeded(ip)
    if stored and needs_rehash(stored):
        account.password_hash = await hash_password_off_loop(password)
    return account


async def login_administrator(
    db: Database,
    guard: LoginGuard,
    *,
    ip: str,
    login: str,
    password: str,
    directory: LdapDirectory | None = None,
) -> Administrator:
    """Check an administrator's password: its own (argon2id), or, for an administrator marked ``ldap``, the one
    ``directory`` holds for its login (none configured: it cannot log in). Either way a failure counts toward
    the same ban. The account is read outside any write transaction, so the ban's own short transactions never
    wait behind the caller's."""
    async with db.reader() as session:
        found = await repo.administrator_by_login(session, login)
    account = found if found is not None and found.is_active else None

    async def load() -> Administrator | None:
        return account if account is not None and not account.uses_ldap else None

    if account is not None and account.uses_ldap:
        admin = await _login_with_directory(guard, directory, ip=ip, account=account, password=password)
    else:
        admin = await login_with_password(guard, ip=ip, password=password, load=load)
    async with db.transaction() as session:
        await repo.record_admin_login(session, admin.id, clock.now(), admin.password_hash)
    return admin


async def _md5_hash(password: str) -> str:
    """The slow hash (argon2) of the MD5 hex of ``password``: what the wbTeamPro API's login is checked against.
    The MD5 hex is a password equivalent there, so it is stored only under argon2, never as it is."""
    return await hash_password_off_loop(hashlib.md5(password.encode()).hexdigest())  # noqa: S324 - the document's


@dataclass(slots=True)
class _Md5Account:
    id: int
    password_hash: str | None
    admin: Administrator


_VERIFIED_MD5: VerifiedCredentials[_Md5Account] = VerifiedCredentials()


async def login_administrator_md5(
    db: Database, guard: LoginGuard, *, ip: str, login: str, md5_hex: str
) -> Administrator:
    """Check an administrator's login and the MD5 hex of its password (the wbTeamPro API sends it on every call)
    against the argon2 hash of that MD5; failures count toward the shared ban. A check that passed a few seconds
    ago is not re-run (``VerifiedCredentials``), as the credential comes with every request."""
    async with db.reader() as session:
        found = await repo.administrator_by_login(session, login)
    account = (
        _Md5Account(found.id, found.md5_password_hash, found)
        if found is not None and found.is_active and not found.uses_ldap
        else None
    )

    async def load() -> _Md5Account | None:
        return account

    verified = await login_with_password(guard, ip=ip, password=md5_hex.lower(), load=load, verified=_VERIFIED_MD5)
    return verified.admin


def has_system(admin: Administrator, system: str) -> bool:
    """The administrator may use ``system`` (``projects``): a super-administrator, or one granted ``system:*``
    (or ``*``)."""
    granted = set(admin.permissions or [])
    return admin.is_super_admin or "*" in granted or f"{system}:*" in granted


async def grant_systems(
    session: AsyncSession, principal: Principal, admin_id: int, names: Iterable[str]
) -> Administrator:
    """Set the systems an administrator is granted (``projects:*``), replacing the previous ones."""
    admin = await repo.administrator_by_id(session, admin_id, lock=True)
    if admin is None:
        raise AdministratorNotFound()
    admin.permissions = permissions.normalize(names)
    await session.flush()
    audit.record(
        session, principal, "administrator.grant", "administrator", admin_id, {"permissions": admin.permissions}
    )
    return admin


async def _login_with_directory(
    guard: LoginGuard, directory: LdapDirectory | None, *, ip: str, account: Administrator, password: str
) -> Administrator:
    """Reserve a try, ask the directory, clear the count on success. A directory that does not answer is a 503,
    and its try stays counted: a guess cannot be told from a real attempt."""
    await guard.reserve(ip)
    if directory is None:
        raise InvalidCredentials()
    try:
        accepted = await directory.authenticate(account.login, password)
    except DirectoryUnreachable as exc:
        raise DirectoryUnavailable() from exc
    if not accepted:
        raise InvalidCredentials()
    await guard.succeeded(ip)
    return account


async def counts(session: AsyncSession, *, livemode: bool) -> dict[str, int]:
    """Administrators, and the API keys of one mode that still work."""
    return {
        "administrators": await repo.count_administrators(session),
        "api_keys": await repo.count_active_api_keys(session, livemode=livemode),
    }


async def administrator_by_email(session: AsyncSession, email: str) -> Administrator | None:
    return await repo.administrator_by_email(session, email)


# Administrators as a resource (the XCI face's ``/administrators``).


async def list_administrators(session: AsyncSession) -> list[Administrator]:
    return list(await repo.administrators(session))


async def get_administrator(session: AsyncSession, admin_id: int) -> Administrator:
    admin = await repo.administrator_by_id(session, admin_id)
    if admin is None:
        raise AdministratorNotFound()
    return admin


async def update_administrator(
    session: AsyncSession,
    principal: Principal,
    admin_id: int,
    *,
    login: str | None = None,
    name: str | None = None,
    password: str | None = None,
    super_admin: bool | None = None,
    uses_ldap: bool | None = None,
) -> Administrator:
    """Change what is given (``None`` leaves a field as it is). A new password is hashed; an account that stops
    using LDAP needs a password."""
    admin = await repo.administrator_by_id(session, admin_id, lock=True)
    if admin is None:
        raise AdministratorNotFound()
    changes: dict[str, object] = {}
    if login is not None and login.strip() != admin.login:
        login = login.strip()
        if not login:
            raise ValidationFailed.field("login", "The login is required.")
        if await repo.administrator_exists(session, login, None, except_id=admin_id):
            raise AdministratorExists()
        admin.login = changes["login"] = login
    if name is not None:
        admin.name = changes["name"] = name
    if super_admin is not None:
        admin.is_super_admin = changes["super_admin"] = super_admin
    if uses_ldap is not None:
        admin.uses_ldap = changes["uses_ldap"] = uses_ldap
    if password is not None:
        _check_password(password)
        admin.password_hash = await hash_password_off_loop(password)
        admin.md5_password_hash = await _md5_hash(password)
        changes["password"] = password
    if not admin.uses_ldap and admin.password_hash is None:
        raise ValidationFailed.field("password", "A password is required unless the account uses LDAP.")
    await session.flush()
    audit.record(session, principal, "administrator.update", "administrator", admin_id, changes)
    return admin


async def delete_administrator(session: AsyncSession, principal: Principal, admin_id: int) -> Administrator:
    """Delete an administrator (its API keys and sessions go with it); no one deletes their own account."""
    admin = await repo.administrator_by_id(session, admin_id, lock=True)
    if admin is None:
        raise AdministratorNotFound()
    if principal.kind is PrincipalKind.ADMIN and principal.id == admin_id:
        raise Conflict("An administrator cannot delete its own account.")
    await session.delete(admin)
    await session.flush()
    audit.record(session, principal, "administrator.delete", "administrator", admin_id, {"login": admin.login})
    return admin


async def active_administrator(session: AsyncSession, admin_id: int) -> Administrator | None:
    admin = await repo.administrator_by_id(session, admin_id)
    return admin if admin is not None and admin.is_active else None
