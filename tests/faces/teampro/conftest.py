"""The wbTeamPro face's fixtures: an administrator granted the projects system, and a caller that speaks the
document's three URL forms in either format."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest

from hostlane.core.formats import load_xml
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import ADMIN_PASSWORD, make_admin

BASE = "/modules/addons/wbteampro"
FORMS = ("clean", "rewrite", "direct")
FORMATS = ("json", "xml")


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - the document's login


def url(form: str, keys: list[str], fmt: str = "json") -> str:
    if form == "clean":
        return f"{BASE}/api.php/v1/{'/'.join(keys)}/{fmt}"
    if form == "rewrite":
        return f"{BASE}/api/v1/{'/'.join(keys)}/{fmt}"
    return f"{BASE}/api.php?action=v1.{'.'.join(keys)}.{fmt}"


def with_query(target: str, query: dict[str, str]) -> str:
    """``target`` with ``query`` added to the query it may hold (httpx's ``params=`` would replace it)."""
    path, _, rest = target.partition("?")
    return f"{path}?{urlencode({**dict(parse_qsl(rest)), **query})}"


def decoded(response: httpx.Response) -> Any:
    if response.headers["content-type"].startswith("application/xml"):
        return load_xml(response.content)
    return response.json()


@dataclass
class Api:
    """Calls the API as one administrator."""

    client: httpx.AsyncClient
    username: str
    password: str  # the MD5 hex

    async def call(
        self,
        method: str,
        keys: list[str],
        params: dict[str, Any] | None = None,
        *,
        form: str = "clean",
        fmt: str = "json",
    ) -> httpx.Response:
        query: dict[str, str] = {"username": self.username, "password": self.password}
        if params is not None:
            query["params"] = json.dumps(params)
        return await self.client.request(method, with_query(url(form, keys, fmt), query))

    async def ok(self, method: str, keys: list[str], params: dict[str, Any] | None = None, **kw: str) -> Any:
        response = await self.call(method, keys, params, **kw)
        assert response.status_code in (200, 201), response.text
        body = decoded(response)
        assert int(body["request"]["code"]) == response.status_code
        return body["response"]


async def granted_admin(runtime: Runtime, *, systems: list[str]) -> tuple[int, str]:
    admin = await make_admin(runtime)
    if systems:
        async with runtime.db.transaction() as session:
            await identity.grant_systems(session, Principal.system(), admin.id, systems)
    return admin.id, admin.login


@pytest.fixture
async def api(runtime: Runtime, client_for: ClientFactory) -> Api:
    _, login = await granted_admin(runtime, systems=["projects:*"])
    return Api(client_for(), login, md5(ADMIN_PASSWORD))
