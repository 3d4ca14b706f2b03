"""wbTeamPro's login, on every request: ``username`` (an administrator's login) and ``password`` (the MD5 hex of
its password), checked against the argon2 hash of that MD5; three failures from one address ban it (the shared
ban of every face's logins). Only an administrator granted the projects system may call."""

from __future__ import annotations

from typing import Any

from hostlane.core.errors import Forbidden, Unauthenticated
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.runtime import Runtime

SYSTEM = "projects"


async def caller(runtime: Runtime, params: dict[str, Any], *, ip: str) -> Principal:
    """The administrator the request's ``username`` and ``password`` name, as a principal; 401 without them or
    with wrong ones, 429 from a banned address, 403 without the projects system."""
    username, password = params.get("username"), params.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        await runtime.login_guard.check(ip)
        raise Unauthenticated("Unauthenticated.")
    admin = await identity.login_administrator_md5(
        runtime.db, runtime.login_guard, ip=ip, login=username.strip(), md5_hex=password.strip()
    )
    if not identity.has_system(admin, SYSTEM):
        raise Forbidden("This administrator is not granted access to the projects system.")
    return Principal(PrincipalKind.ADMIN, admin.id, frozenset({"*"}), True, None, ip)
