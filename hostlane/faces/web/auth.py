"""Who is looking at a web page: the customer of a client-area login or the administrator of an admin-panel login.

A login is a server-side web session (``identity.sessions``) named by an HttpOnly, SameSite=Lax cookie scoped to
its realm's path (Secure over HTTPS). Every request re-reads the account: a suspended customer, a disabled
administrator, a changed password or "log out everywhere" ends the login at once. The data shown is the host's
mode, as on the APIs: a test host name (``HOSTLANE_TEST_HOSTS``) shows the test environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from hostlane.core.errors import Unauthenticated
from hostlane.customers import sessions as customer_sessions
from hostlane.faces import common
from hostlane.faces.common import ClientIp, RuntimeDep
from hostlane.faces.web import kit
from hostlane.faces.web.kit import ADMIN, PORTAL, Realm
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.identity.sessions import WebLogin, WebSessionStore, web_sessions
from hostlane.runtime import Runtime


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person a page is for, and the ``Principal`` every service call of the page is made with."""

    principal: Principal
    name: str
    email: str
    language: str
    currency: str = "EUR"
    is_super_admin: bool = False
    partner: bool = False  # a customer in the partner programme (My Account → Security)

    @property
    def livemode(self) -> bool:
        return self.principal.livemode

    def can(self, permission: str) -> bool:
        return self.principal.can(permission)


def store(runtime: Runtime) -> WebSessionStore:
    return web_sessions(runtime.db, runtime.redis)


def livemode_of(request: Request, runtime: Runtime) -> bool:
    return common.livemode_of(request, runtime.settings.test_hosts)


async def _login(request: Request, runtime: Runtime, realm: Realm) -> WebLogin:
    token = request.cookies.get(realm.cookie)
    login = await store(runtime).resolve(token) if token else None
    if login is None or login.realm != realm.name or login.livemode != livemode_of(request, runtime):
        raise Unauthenticated()
    return login


async def customer(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Viewer:
    """The customer of the request's client-area login; a redirect to the login page without one."""
    login = await _login(request, runtime, PORTAL)
    async with runtime.db.reader() as session:
        found = await customer_sessions.signed_in_customer(
            session, login.subject_id, livemode=login.livemode, epoch=login.epoch, ip=ip
        )
    if found is None:
        raise Unauthenticated()
    account, principal = found
    viewer = Viewer(
        principal=principal,
        name=f"{account.firstname} {account.lastname}".strip() or account.email,
        email=account.email,
        language=kit.language_of(request, account.locale),
        currency=account.currency,
        partner=bool(account.partner),
    )
    _seen(request, viewer)
    return viewer


def admin_principal(admin_id: int, permissions: list[str], *, super_admin: bool, livemode: bool, ip: str) -> Principal:
    """An administrator acts with the permissions it was granted (a super-administrator with all of them)."""
    granted = frozenset({"*"}) if super_admin else frozenset(permissions)
    return Principal(PrincipalKind.ADMIN, admin_id, granted, livemode, None, ip)


async def administrator(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Viewer:
    """The administrator of the request's admin-panel login; a redirect to the login page without one."""
    login = await _login(request, runtime, ADMIN)
    async with runtime.db.reader() as session:
        admin = await identity.active_administrator(session, login.subject_id)
    if admin is None:
        raise Unauthenticated()
    viewer = Viewer(
        principal=admin_principal(
            admin.id, list(admin.permissions or []), super_admin=admin.is_super_admin, livemode=login.livemode, ip=ip
        ),
        name=admin.name or admin.login,
        email=admin.email,
        language=kit.language_of(request),
        is_super_admin=admin.is_super_admin,
    )
    _seen(request, viewer)
    return viewer


def _seen(request: Request, viewer: Viewer) -> None:
    request.state.viewer = viewer  # the error page shows the same header
    kit.use_language(viewer.language)


async def open_login(request: Request, runtime: Runtime, login: WebLogin) -> str:
    token = await store(runtime).open(login, kit.SESSION_LIFETIME)
    request.state.login_token = token  # the next page's CSRF token is bound to the new login
    return token


async def language_only(request: Request) -> None:
    """Pages without a login (the login form) are in the browser's language."""
    kit.use_language(kit.language_of(request))


CustomerViewer = Annotated[Viewer, Depends(customer)]
AdminViewer = Annotated[Viewer, Depends(administrator)]
Anonymous = Depends(language_only)
