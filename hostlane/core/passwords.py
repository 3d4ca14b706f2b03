"""Password hashing (argon2id) and the hashing of high-entropy secrets (API keys, client secrets)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when an account does not exist, so a wrong login costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

_ALPHABET = string.ascii_letters + string.digits


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def random_token(length: int) -> str:
    """A random string of letters and digits (about 5.95 bits each)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def hash_secret(secret: str) -> str:
    """SHA-256 of a random secret of 190+ bits: a slow hash adds nothing there and costs every request."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)


def derived_secret(key: str, purpose: str, length: int) -> str:
    """A stable secret derived from the instance's secret key (used for the demo credentials)."""
    digest = hmac.new(key.encode(), purpose.encode(), hashlib.sha512).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest)[:length]
