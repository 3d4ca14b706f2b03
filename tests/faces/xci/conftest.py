"""The XCI face's fixtures: a super-administrator logged in, and the document's XiVO with two entities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hostlane.identity import service as identity
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory

PASSWORD = "superpass-123"


async def create_admin(runtime: Runtime, login: str, *, super_admin: bool) -> int:
    async with runtime.db.transaction() as session:
        admin = await identity.create_administrator(
            session,
            Principal.system(),
            login=login,
            email=f"{login}@example.test",
            password=PASSWORD,
            super_admin=super_admin,
        )
        return admin.id


async def logged_in(client: httpx.AsyncClient, login: str, password: str = PASSWORD) -> httpx.AsyncClient:
    response = await client.post("/api/1.0/login", json={"login": login, "password": password})
    assert response.status_code == 204, response.text
    return client


@pytest.fixture
async def admin(runtime: Runtime, client_for: ClientFactory) -> httpx.AsyncClient:
    """A client logged in as the super-administrator ``admin``."""
    await create_admin(runtime, "admin", super_admin=True)
    return await logged_in(client_for(), "admin")


Maker = Callable[..., Any]


@pytest.fixture
async def world(admin: httpx.AsyncClient) -> dict[str, Any]:
    """The document's shapes: a XiVO with two entities (one owning the ranges of its second example), and a
    template available to the XiVO."""
    xivo = (await admin.post("/api/1.0/xivo", json={"name": "xivo-221", "host": "", "configure": False})).json()
    default = await admin.post(
        "/api/1.0/entities",
        json={
            "name": "default",
            "displayName": "default",
            "xivoId": xivo["id"],
            "intervals": [
                {"start": "1700", "end": "1799"},
                {"start": "1961", "end": ""},
                {"start": "2600", "end": "2799"},
            ],
            "presentedNumber": "inbNo",
        },
    )
    analog = await admin.post(
        "/api/1.0/entities",
        json={
            "name": "default_analogique",
            "displayName": "default_analogique",
            "xivoId": xivo["id"],
            "intervals": [{"start": "3990000", "end": "3999999"}, {"start": "39990000", "end": "39999999"}],
            "presentedNumber": "inbNo",
        },
    )
    assert default.status_code == analog.status_code == 201, (default.text, analog.text)
    template = await admin.post(
        "/api/1.0/templates",
        json={
            "name": "Modèle 220",
            "xivos": [xivo["id"]],
            "entities": [],
            "peerSipName": "auto",
            "ringingTime": 30,
            "routedInbound": False,
            "callerIdMode": "incomingNo",
            "voiceMailEnabled": False,
        },
    )
    assert template.status_code == 201, template.text
    return {"xivo": xivo, "default": default.json(), "analog": analog.json(), "template": template.json()}
