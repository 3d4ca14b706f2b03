"""An administrator holding only some permissions, logged in to the admin panel (the billing parts' tests)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hostlane.models import Administrator
from hostlane.runtime import Runtime
from tests.faces.web.conftest import Web
from tests.fixtures.factories import ADMIN_PASSWORD, make_admin


async def limited_admin(runtime: Runtime, browser_for: Any, *permissions: str, ip: str = "127.0.0.2") -> Web:
    """A browser logged in as a non-super administrator granted only ``permissions``."""
    admin = await make_admin(runtime)
    async with runtime.db.transaction() as session:
        await session.execute(
            sa.update(Administrator).where(Administrator.id == admin.id).values(permissions=list(permissions))
        )
    web: Web = browser_for("/admin", ip)
    await web.login(admin.login, ADMIN_PASSWORD)
    return web
