"""Bearer API keys of the application face, and the permission each route needs."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request

from hostlane.core.errors import Forbidden, Unauthenticated
from hostlane.customers import sessions as customer_sessions
from hostlane.faces.clientarea.auth import basic_credentials
from hostlane.faces.common import ClientIp, RuntimeDep, bearer_token, livemode_of
from hostlane.faces.idempotency import claim
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime


async def api_key_principal(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Principal:
    """The caller's Principal. A valid key always works; after too many bad keys an IP gets 429.

    A customer's own credential (its client-area access token, or its e-mail and password over HTTP Basic) is
    recognised and refused with 403: it is a real credential, only not one for this API. A wrong password counts
    toward the shared login ban, as on every login route."""
    token = bearer_token(request)
    if token is None:
        if (credentials := basic_credentials(request)) is not None:
            await customer_sessions.check_password(
                runtime.db,
                runtime.login_guard,
                ip=ip,
                email=credentials[0],
                password=credentials[1],
                livemode=livemode_of(request, runtime.settings.test_hosts),
                basic=True,
            )
            raise Forbidden()
        raise Unauthenticated()
    try:
        async with runtime.db.reader() as session:
            return await identity.authenticate_api_key(session, token, ip=ip)
    except Unauthenticated:
        if await _is_customer_token(runtime, token, ip):
            raise Forbidden() from None
        await runtime.key_throttle.check(ip)
        await runtime.key_throttle.failed(ip)
        await runtime.key_throttle.check(ip)
        raise


async def _is_customer_token(runtime: Runtime, token: str, ip: str) -> bool:
    """Whether ``token`` is a customer's client-area access token whose login still holds."""
    if token.count(".") != 2:  # not a JWT: no signature to check, no read
        return False
    try:
        await customer_sessions.principal_from_access_token(runtime.db, runtime.settings.secret_key, token, ip=ip)
    except Unauthenticated:
        return False
    return True


def needs(permission: str, *or_else: str, idempotent: bool = True) -> Any:
    """A dependency that yields the caller's Principal if its key holds ``permission`` (or one of ``or_else``, or
    ``*``), and claims the request's Idempotency-Key for that key (once it may call the route: a refusal is not
    kept). A refusal names ``permission``. ``idempotent=False`` never claims: a route whose answer holds a secret
    shown once (a partner's clientSecret) must not have it stored for a replay."""

    async def require(request: Request, principal: Principal = Depends(api_key_principal)) -> Principal:
        if not any(principal.can(name) for name in or_else):
            principal.require(permission)
        if idempotent:
            await claim(request, principal)
        return principal

    return Depends(require)
