"""Bearer API keys of the application face, and the permission each route needs."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request

from hostlane.core.errors import Unauthenticated
from hostlane.faces.common import ClientIp, RuntimeDep, bearer_token
from hostlane.faces.idempotency import claim
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal


async def api_key_principal(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Principal:
    """The caller's Principal. A valid key always works; after too many bad keys an IP gets 429."""
    token = bearer_token(request)
    if token is None:
        raise Unauthenticated()
    try:
        async with runtime.db.reader() as session:
            return await identity.authenticate_api_key(session, token, ip=ip)
    except Unauthenticated:
        await runtime.key_throttle.check(ip)
        await runtime.key_throttle.failed(ip)
        await runtime.key_throttle.check(ip)
        raise


def needs(permission: str, *or_else: str) -> Any:
    """A dependency that yields the caller's Principal if its key holds ``permission`` (or one of ``or_else``, or
    ``*``), and claims the request's Idempotency-Key for that key (once it may call the route: a refusal is not
    kept). A refusal names ``permission``."""

    async def require(request: Request, principal: Principal = Depends(api_key_principal)) -> Principal:
        if not any(principal.can(name) for name in or_else):
            principal.require(permission)
        await claim(request, principal)
        return principal

    return Depends(require)
