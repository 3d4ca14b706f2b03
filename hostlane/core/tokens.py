"""Signed tokens (JWT, HS256 only) with an audience, an issuer and an expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt

from hostlane.core import clock

ISSUER = "hostlane"
ALGORITHM = "HS256"


class InvalidToken(Exception):
    """Malformed, forged, expired, or meant for something else."""


def issue(secret: str, *, audience: str, lifetime: timedelta, claims: dict[str, Any]) -> str:
    now = clock.now()
    payload = {
        **claims,
        "iss": ISSUER,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def read(secret: str, token: str, *, audience: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=ISSUER,
            # PyJWT would check exp and iat against the wall clock; Hostlane's clock may be moved (tests, --date), so
            # both are checked below against it (a token issued under a clock moved ahead is not "immature").
            options={"require": ["exp", "iat", "aud", "iss", "sub"], "verify_exp": False, "verify_iat": False},
            leeway=0,
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    now = int(clock.now().timestamp())
    expires, issued = claims["exp"], claims["iat"]
    if not isinstance(expires, int) or not isinstance(issued, int):
        raise InvalidToken("exp and iat must be integers")
    if expires <= now:
        raise InvalidToken("expired")
    if issued > now:
        raise InvalidToken("issued in the future")
    return claims
