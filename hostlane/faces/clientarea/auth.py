"""HTTP Basic (e-mail + password) on any call, or ``Authorization: Bearer <token>`` from ``POST /login``."""

from __future__ import annotations

import base64
import binascii

from fastapi import Request

from hostlane.core.errors import Unauthenticated
from hostlane.customers import sessions as customer_sessions
from hostlane.faces.common import ClientIp, RuntimeDep, bearer_token, livemode_of
from hostlane.identity.principal import Principal

CHALLENGE = {"WWW-Authenticate": 'Basic realm="Hostlane client area"'}


def basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, separator, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, password) if separator else None


async def customer(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Principal:
    livemode = livemode_of(request, runtime.settings.test_hosts)
    if (credentials := basic_credentials(request)) is not None:
        account = await customer_sessions.check_password(
            runtime.db,
            runtime.login_guard,
            ip=ip,
            email=credentials[0],
            password=credentials[1],
            livemode=livemode,
            basic=True,
        )
        return customer_sessions.customer_principal(account.id, account.livemode, ip)
    if (token := bearer_token(request)) is not None:
        principal = await customer_sessions.principal_from_access_token(
            runtime.db, runtime.settings.secret_key, token, ip=ip
        )
        if principal.livemode != livemode:
            raise Unauthenticated(headers=CHALLENGE)
        return principal
    raise Unauthenticated(headers=CHALLENGE)
