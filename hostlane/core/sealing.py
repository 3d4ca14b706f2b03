"""Secrets Hostlane must read back (a provisioning server's password, a customer's TOTP secret), kept encrypted at
rest: Fernet (AES-128-CBC with HMAC-SHA256) under a key derived by HKDF from the instance's secret key, so a copy of the
database alone reveals none of them."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hostlane.config import get_settings

CREDENTIALS = b"hostlane: sealed credentials v1"  # each use its own key: one leaked key opens no other use's values


class SealingUnavailable(RuntimeError):
    """No secret key is configured, or a sealed value was made under another one."""


def _box(secret_key: str | None, purpose: bytes) -> Fernet:
    key = get_settings().secret_key if secret_key is None else secret_key
    if not key:
        raise SealingUnavailable("HOSTLANE_SECRET_KEY is not set: credentials cannot be stored encrypted")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(plain: str | None, *, secret_key: str | None = None, purpose: bytes = CREDENTIALS) -> str | None:
    """``plain`` encrypted under the key of ``purpose`` (None stays None)."""
    return None if plain is None else _box(secret_key, purpose).encrypt(plain.encode()).decode()


def unseal(sealed: str | None, *, secret_key: str | None = None, purpose: bytes = CREDENTIALS) -> str | None:
    """What ``seal`` encrypted; ``SealingUnavailable`` if the secret key changed since."""
    if sealed is None:
        return None
    try:
        return _box(secret_key, purpose).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        raise SealingUnavailable("a sealed credential does not open with the configured secret key") from None
