"""A line made through the XCI face registers on a real Kamailio once its job has run, with the SIP credentials
Hostlane generated; renumbered, suspended or deleted, the old registration is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hostlane.drivers.pbx import KamailioPbx
from hostlane.jobs.runner import drain
from hostlane.models import PbxLine
from hostlane.runtime import Runtime
from hostlane.telephony import service as telephony
from tests.fixtures.kamailio import Kamailio

API = "/api/1.0"


@pytest.fixture
async def on_kamailio(runtime: Runtime, kamailio: Kamailio) -> AsyncIterator[Kamailio]:
    """Live mode's PBX driver is Kamailio for this test."""
    kamailio.empty()
    runtime.pbx = KamailioPbx(kamailio.database_url)
    yield kamailio
    await runtime.pbx.close()
    kamailio.empty()


async def credentials(runtime: Runtime, line_id: int) -> tuple[str, str]:
    async with runtime.db.reader() as session:
        line = await session.get(PbxLine, line_id)
        assert line is not None
        return line.sip_username, line.sip_secret


async def make_xivo(admin: httpx.AsyncClient, peer_sip_name: str) -> dict[str, Any]:
    xivo = await admin.post(f"{API}/xivo", json={"name": "kamailio", "host": "127.0.0.1", "configure": True})
    entity = await admin.post(
        f"{API}/entities",
        json={
            "name": "office",
            "displayName": "Office",
            "xivoId": xivo.json()["id"],
            "intervals": [{"start": "1700", "end": "1799"}],
            "presentedNumber": "",
        },
    )
    template = await admin.post(
        f"{API}/templates",
        json={
            "name": "Desk phone",
            "xivos": [xivo.json()["id"]],
            "entities": [],
            "peerSipName": peer_sip_name,
            "ringingTime": 20,
            "routedInbound": False,
            "callerIdMode": "incomingNo",
            "voiceMailEnabled": False,
        },
    )
    assert (xivo.status_code, entity.status_code, template.status_code) == (201, 201, 201), template.text
    return {"entity": entity.json(), "template": template.json()}


async def test_a_line_made_over_xci_registers_until_it_is_deleted(
    admin: httpx.AsyncClient, runtime: Runtime, on_kamailio: Kamailio
) -> None:
    made = await make_xivo(admin, "auto")
    created = await admin.post(
        f"{API}/users",
        json={
            "entityCId": made["entity"]["combinedId"],
            "templateId": made["template"]["id"],
            "firstName": "Alice",
            "lastName": "Liddell",
            "internalNumber": "1700",
        },
    )
    assert created.status_code == 201, created.text
    username, secret = await credentials(runtime, created.json()["id"])
    assert on_kamailio.register(username, secret).returncode != 0  # the answer did not wait for the PBX

    await drain(runtime)  # the server's configuration, then the line's account

    registered = on_kamailio.register(username, secret)
    assert registered.returncode == 0, registered.stdout + registered.stderr
    assert on_kamailio.register(username, "a-guess").returncode != 0
    assert secret not in str(on_kamailio.subscribers())

    deleted = await admin.delete(f"{API}/users/{created.json()['id']}")
    assert deleted.status_code == 204, deleted.text
    await drain(runtime)

    assert on_kamailio.register(username, secret).returncode != 0
    assert on_kamailio.subscribers() == []


async def test_a_renumbered_or_suspended_line_stops_registering(
    admin: httpx.AsyncClient, runtime: Runtime, on_kamailio: Kamailio
) -> None:
    made = await make_xivo(admin, "model")  # the SIP account is named after the number
    created = await admin.post(
        f"{API}/users",
        json={
            "entityCId": made["entity"]["combinedId"],
            "templateId": made["template"]["id"],
            "firstName": "Bob",
            "lastName": "",
            "internalNumber": "1701",
        },
    )
    line_id = created.json()["id"]
    await drain(runtime)
    username, secret = await credentials(runtime, line_id)
    assert username == "1701" and on_kamailio.register("1701", secret).returncode == 0

    moved = await admin.put(f"{API}/users/{line_id}", json={"internalNumber": "1702"})
    assert moved.status_code == 200, moved.text
    await drain(runtime)
    assert on_kamailio.register("1701", secret).returncode != 0
    assert on_kamailio.register("1702", secret).returncode == 0

    async with runtime.db.transaction() as session:
        line = await session.get(PbxLine, line_id)
        assert line is not None
        await telephony.set_line_suspended(session, line, suspended=True)
    await drain(runtime)
    assert on_kamailio.register("1702", secret).returncode != 0

    async with runtime.db.transaction() as session:
        line = await session.get(PbxLine, line_id)
        assert line is not None
        await telephony.set_line_suspended(session, line, suspended=False)
    await drain(runtime)
    assert on_kamailio.register("1702", secret).returncode == 0
