"""XCI's session cookie: ``POST /login`` checks an administrator's login and password (the shared ban counts the
failures) and sets one cookie naming a server-side session; every other route needs it (else 401).

The document's Python example echoes the whole ``Set-Cookie`` value back as ``Cookie`` (attributes included);
the cookie parser takes the session's name=value pair out of it and ignores the rest.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request, Response

from hostlane.core.errors import Unauthenticated
from hostlane.faces.common import ClientIp, RuntimeDep
from hostlane.faces.face import came_over_https
from hostlane.identity import service as identity
from hostlane.identity.sessions import AdminSessionStore, admin_sessions
from hostlane.runtime import Runtime
from hostlane.telephony import service as telephony
from hostlane.telephony.schemas import Operator

COOKIE = "XCI_SESSION"
PATH = "/api/1.0"


def sessions(runtime: Runtime) -> AdminSessionStore:
    return admin_sessions(runtime.db, runtime.redis)


def lifetime(runtime: Runtime) -> timedelta:
    return timedelta(minutes=runtime.settings.xci_session_minutes)


def set_session_cookie(request: Request, response: Response, runtime: Runtime, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(lifetime(runtime).total_seconds()),
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=came_over_https(request, runtime.settings),
    )


def clear_session_cookie(request: Request, response: Response, runtime: Runtime) -> None:
    response.delete_cookie(
        COOKIE, path=PATH, httponly=True, samesite="lax", secure=came_over_https(request, runtime.settings)
    )


async def operator(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Operator:
    """The administrator of the request's session, with the entities it may see; 401 without a live session."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise Unauthenticated()
    admin_id = await sessions(runtime).resolve(token)
    if admin_id is None:
        raise Unauthenticated()
    async with runtime.db.reader() as session:
        admin = await identity.active_administrator(session, admin_id)
        if admin is None:
            raise Unauthenticated()
        principal = telephony.admin_principal(admin.id, ip=ip)
        return await telephony.operator_for(session, principal, super_admin=admin.is_super_admin)


OperatorDep = Annotated[Operator, Depends(operator)]
