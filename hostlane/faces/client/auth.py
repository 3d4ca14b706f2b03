"""Personal access tokens of the client API (``Authorization: Bearer <token>``) and the abilities routes need.

A token from ``/auth/login`` (or ``/auth/register``, or ``/auth/2fa/verify``) holds ``client-api``, which every
business route needs; the token a login with a second factor answers holds ``2fa:pending`` only, which
``/auth/2fa/verify`` alone takes (anything else: 403, Sanctum's "Invalid ability provided."). No token, or one that
no longer holds (logged out, expired, its customer's sessions ended), is a 401; too many bad tokens from an address
are a 429 (the application face's throttle). An application API key is recognised and refused with 403: a real
credential, only not one for this API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from hostlane.core.errors import Forbidden, Unauthenticated
from hostlane.customers import sessions as customer_sessions
from hostlane.customers.sessions import FULL_ACCESS, SECOND_FACTOR_PENDING, ApiLogin
from hostlane.faces.common import ClientIp, RuntimeDep, bearer_token, livemode_of
from hostlane.faces.idempotency import claiming
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal

INVALID_ABILITY = "Invalid ability provided."


async def api_login(request: Request, runtime: RuntimeDep, ip: ClientIp) -> ApiLogin:
    """The login of the request's token, whatever its abilities."""
    token = bearer_token(request)
    if token is None:
        raise Unauthenticated()
    await runtime.key_throttle.check(ip)
    try:
        login = await customer_sessions.api_login(runtime.db, runtime.settings.secret_key, token, ip=ip)
    except Unauthenticated:
        if await _is_api_key(runtime.db, token, ip):
            raise Forbidden(INVALID_ABILITY) from None
        await runtime.key_throttle.failed(ip)
        raise
    if login.principal.livemode != livemode_of(request, runtime.settings.test_hosts):
        raise Unauthenticated()
    return login


async def _is_api_key(db: Any, token: str, ip: str) -> bool:
    if token.count(".") == 2:  # a JWT: never an API key
        return False
    try:
        async with db.reader() as session:
            await identity.authenticate_api_key(session, token, ip=ip)
    except Unauthenticated:
        return False
    return True


Login = Annotated[ApiLogin, Depends(api_login)]


async def full_access(login: Login) -> Principal:
    """The customer of a token holding ``client-api``."""
    if FULL_ACCESS not in login.abilities:
        raise Forbidden(INVALID_ABILITY)
    return login.principal


# The caller of a business route, claiming the request's Idempotency-Key (``faces.idempotency``); a route whose
# answer holds a secret shown once (recovery codes) takes ``Unclaimed``, so that no replay keeps it.
Customer = Annotated[Principal, Depends(claiming(full_access))]
Unclaimed = Annotated[Principal, Depends(full_access)]


async def pending_second_factor(login: Login) -> ApiLogin:
    """The login of a token waiting for its second factor (``2fa:pending``)."""
    if SECOND_FACTOR_PENDING not in login.abilities:
        raise Forbidden(INVALID_ABILITY)
    return login


async def customer(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Principal:
    """The face's authentication as the seam knows it (``Face.auth``): any valid token's customer."""
    return (await api_login(request, runtime, ip)).principal
