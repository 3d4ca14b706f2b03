"""Time-based one-time passwords (RFC 6238, over RFC 4226's HOTP): the six-digit codes of an authenticator app."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """A fresh shared secret: 160 random bits in base32 without padding, as authenticator apps take it."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    text = secret.strip().replace(" ", "").upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def is_secret(secret: str) -> bool:
    """Whether ``secret`` is base32 an authenticator app could hold (at least 80 bits)."""
    try:
        return len(_key(secret)) >= 10
    except (ValueError, TypeError):
        return False


def code_at(secret: str, moment: float) -> str:
    """The code of ``secret`` for the 30-second step holding ``moment`` (seconds since the epoch)."""
    counter = int(moment // STEP_SECONDS)
    digest = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def verify(secret: str, code: str, moment: float, *, drift_steps: int = 1) -> bool:
    """Whether ``code`` is the code of ``secret`` at ``moment``, or of a step either side (a clock a little off)."""
    if len(code) != DIGITS or not code.isdigit() or not is_secret(secret):
        return False
    return any(
        hmac.compare_digest(code_at(secret, moment + step * STEP_SECONDS), code)
        for step in range(-drift_steps, drift_steps + 1)
    )


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (from a QR code of it, or typed)."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode({"secret": secret, "issuer": issuer, "digits": DIGITS, "period": 30})
