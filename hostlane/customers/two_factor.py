"""A customer's second factor: a TOTP secret (RFC 6238) stored encrypted, and recovery codes stored hashed.

Setting one up is two steps: ``new_setup`` draws a secret the customer puts in its authenticator app (nothing is
stored yet), then ``enable`` keeps it once a code from the app proves the app holds it, and returns the recovery
codes, shown that once. A login of an account with a second factor then needs ``check_code``: a code of the app,
or one of the recovery codes (each works once)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core import clock, sealing, totp
from hostlane.core.errors import ValidationFailed
from hostlane.customers import repository as repo
from hostlane.customers.errors import TwoFactorAlreadyEnabled, TwoFactorNotEnabled
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.models import Customer

RECOVERY_CODES = 8
INVALID_CODE = "The two-factor code is not valid."


@dataclass(frozen=True)
class Setup:
    """A secret drawn for the customer's authenticator app, and the ``otpauth://`` URI that carries it."""

    secret: str
    uri: str


TWO_FACTOR = b"hostlane: customer two-factor secret v1"


def _seal(key: str, secret: str) -> str:
    return str(sealing.seal(secret, secret_key=key, purpose=TWO_FACTOR))


def _unseal(key: str, sealed: str) -> str | None:
    try:
        return sealing.unseal(sealed, secret_key=key, purpose=TWO_FACTOR)
    except sealing.SealingUnavailable:
        return None  # sealed under another application secret: no code can match it


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().encode()).hexdigest()


def _new_codes() -> list[str]:
    return [f"{secrets.token_hex(5)}-{secrets.token_hex(5)}" for _ in range(RECOVERY_CODES)]


def _store_codes(customer: Customer, codes: list[str]) -> None:
    customer.two_factor_recovery_codes = json.dumps([_digest(code) for code in codes])


def _stored_digests(customer: Customer) -> list[str]:
    try:
        stored = json.loads(customer.two_factor_recovery_codes or "[]")
    except ValueError:
        return []
    return [str(item) for item in stored] if isinstance(stored, list) else []


def enabled(customer: Customer) -> bool:
    return customer.two_factor_secret is not None


def new_setup(customer: Customer, *, issuer: str) -> Setup:
    """A fresh secret for an account without a second factor (``TwoFactorAlreadyEnabled`` otherwise)."""
    if enabled(customer):
        raise TwoFactorAlreadyEnabled()
    secret = totp.new_secret()
    return Setup(secret, totp.provisioning_uri(secret, account=customer.email, issuer=issuer))


def _now() -> float:
    return clock.now().timestamp()


async def enable(
    session: AsyncSession, principal: Principal, customer_id: int, *, secret: str, code: str, key: str
) -> list[str]:
    """Keep ``secret`` as the customer's second factor once ``code`` proves its app holds it; the recovery codes,
    in clear this once (only their hashes are kept)."""
    customer = await repo.CUSTOMER.locked(session, principal, customer_id)
    if enabled(customer):
        raise TwoFactorAlreadyEnabled()
    if not totp.is_secret(secret):
        raise ValidationFailed.field("secret", "The secret is not a valid base32 secret.")
    if not totp.verify(secret, code.strip(), _now()):
        raise ValidationFailed.field("code", INVALID_CODE)
    customer.two_factor_secret = _seal(key, secret.strip().replace(" ", "").upper())
    codes = _new_codes()
    _store_codes(customer, codes)
    await session.flush()
    audit.record(session, principal, "customer.enable_two_factor", "customer", customer.id, {})
    return codes


def _matches_app(customer: Customer, code: str, key: str) -> bool:
    secret = _unseal(key, customer.two_factor_secret) if customer.two_factor_secret else None
    return secret is not None and totp.verify(secret, code.strip(), _now())


async def disable(session: AsyncSession, principal: Principal, customer_id: int, *, code: str, key: str) -> None:
    """The customer removes its own second factor, proving it with a code of its app."""
    customer = await repo.CUSTOMER.locked(session, principal, customer_id)
    if not enabled(customer):
        raise TwoFactorNotEnabled()
    if not _matches_app(customer, code, key):
        raise ValidationFailed.field("code", INVALID_CODE)
    customer.two_factor_secret = customer.two_factor_recovery_codes = None
    await session.flush()
    audit.record(session, principal, "customer.disable_two_factor", "customer", customer.id, {"by": "customer"})


async def renew_recovery_codes(session: AsyncSession, principal: Principal, customer_id: int) -> list[str]:
    """New recovery codes in place of the old ones (which stop working), in clear this once."""
    customer = await repo.CUSTOMER.locked(session, principal, customer_id)
    if not enabled(customer):
        raise TwoFactorNotEnabled()
    codes = _new_codes()
    _store_codes(customer, codes)
    await session.flush()
    audit.record(session, principal, "customer.renew_recovery_codes", "customer", customer.id, {})
    return codes


async def check_code(session: AsyncSession, principal: Principal, customer_id: int, *, code: str, key: str) -> bool:
    """Whether ``code`` is the second factor of the customer's login: a code of its app, or one of its recovery
    codes, which is spent. An account without a second factor has no code that passes."""
    customer = await repo.CUSTOMER.locked(session, principal, customer_id)
    if not enabled(customer):
        return False
    if _matches_app(customer, code, key):
        return True
    digests = _stored_digests(customer)
    presented = _digest(code)
    kept = [digest for digest in digests if not hmac.compare_digest(digest, presented)]
    if len(kept) == len(digests):
        return False
    customer.two_factor_recovery_codes = json.dumps(kept)
    await session.flush()
    audit.record(session, principal, "customer.use_recovery_code", "customer", customer.id, {"left": len(kept)})
    return True
