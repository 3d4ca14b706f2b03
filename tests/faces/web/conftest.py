"""A browser-like HTTP client of the web pages (cookies kept, each form sent with its CSRF token), and a customer
and an administrator logged in with it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hostlane.models import Administrator
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import ADMIN_PASSWORD, make_admin, make_customer

CUSTOMER_PASSWORD = "a long customer password"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Web:
    """One browser: its cookies, and the realm (``/portal`` or ``/admin``) whose forms it sends."""

    client: httpx.AsyncClient
    prefix: str

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(path, **kwargs)

    async def token(self) -> str:
        """A CSRF token of this browser's current login, from a page of the realm (its login form renders one)."""
        page = await self.client.get(f"{self.prefix}/login")
        return csrf_of(page.text)

    async def post(
        self, path: str, fields: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """Send a form as the browser would (URL-encoded, with the CSRF token unless ``csrf=False``)."""
        data = dict(fields or {})
        if csrf:
            data.setdefault("csrf_token", await self.token())
        return await self.client.post(path, data=data, **kwargs)

    async def login(self, username: str, password: str) -> httpx.Response:
        response = await self.post(f"{self.prefix}/login", {"username": username, "password": password})
        assert response.status_code == 303, response.text
        return response


@pytest.fixture
def browser_for(client_for: ClientFactory) -> Any:
    def make(prefix: str, ip: str = "127.0.0.1") -> Web:
        return Web(client_for(ip), prefix)

    return make


@pytest.fixture
async def customer(runtime: Runtime) -> dict[str, Any]:
    return await make_customer(runtime, password=CUSTOMER_PASSWORD, firstname="Marie", lastname="Dubois")


@pytest.fixture
async def portal(browser_for: Any, customer: dict[str, Any]) -> Web:
    """A browser logged in to the client area as ``customer``."""
    web: Web = browser_for("/portal")
    await web.login(str(customer["email"]), CUSTOMER_PASSWORD)
    return web


@pytest.fixture
async def admin_user(runtime: Runtime) -> Any:
    return await make_admin(runtime, super_admin=True)


@pytest.fixture
async def admin(browser_for: Any, admin_user: Any) -> Web:
    """A browser logged in to the admin panel as a super-administrator."""
    web: Web = browser_for("/admin")
    await web.login(admin_user.login, ADMIN_PASSWORD)
    return web


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
