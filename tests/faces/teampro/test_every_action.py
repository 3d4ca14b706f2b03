"""Every resource action of the document's reference, in each URL form and each format: its code, its envelope
and the resource it answers under."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from hostlane.config import Settings
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from hostlane.support import service as support
from hostlane.support.schemas import TicketOpen
from tests.conftest import settings_of
from tests.faces.teampro.conftest import FORMATS, FORMS, Api, decoded
from tests.fixtures.database import Backend
from tests.fixtures.factories import make_customer, make_department


@pytest.fixture
def settings(backend: Backend, tmp_path: Path) -> Settings:
    return settings_of(backend).model_copy(update={"files_dir": tmp_path / "files"})


async def _world(api: Api, runtime: Runtime) -> dict[str, Any]:
    customer = await make_customer(runtime)
    department = await make_department(runtime)
    async with runtime.db.transaction() as session:
        ticket = await support.open_ticket(
            session,
            Principal.system(),
            TicketOpen(department_id=int(str(department["id"])), subject="Help", body="Please"),
            customer_id=int(str(customer["id"])),
        )
    pid = (await api.ok("POST", ["projects"], {"title": "P", "client_id": customer["id"]}))["project"]["project_id"]
    aid = (await api.ok("POST", ["actions"], {"project_id": pid, "title": "A"}))["action"]["action_id"]
    tid = (await api.ok("POST", ["topics"], {"action_id": aid, "title": "T"}))["topic"]["topic_id"]
    lid = (await api.ok("POST", ["timelogs"], {"action_id": aid, "start": "2026-12-01 09:00", "duration": 60}))[
        "timelog"
    ]["timelog_id"]
    content = base64.b64encode(b"hello").decode()
    fid = (await api.ok("POST", ["files"], {"action_id": aid, "name": "a.txt", "content": content}))["file"]["file_id"]
    xid = (await api.ok("POST", ["ticketxrefs"], {"ticket_id": ticket["id"], "action_id": aid}))["ticketxref"][
        "xref_id"
    ]
    return {
        "project": pid,
        "action": aid,
        "topic": tid,
        "timelog": lid,
        "file": fid,
        "xref": xid,
        "ticket": ticket["id"],
    }


def _reads(w: dict[str, Any]) -> list[tuple[list[str], list[str]]]:
    """(resource keys, the resources the answer holds) of every read action."""
    p, a = str(w["project"]), str(w["action"])
    return [
        (["api", "resources"], ["resources"]),
        (["config"], ["config"]),
        (["projects"], ["projects"]),
        (["projects", p], ["project"]),
        (["projects", p, "actions"], ["project", "actions"]),
        (["projects", p, "topics"], ["project", "topics"]),
        (["projects", p, "files"], ["project", "files"]),
        (["projects", p, "whmcstickets"], ["project", "whmcstickets"]),
        (["projects", p, "timelogs"], ["project", "timelogs"]),
        (["actions"], ["actions"]),
        (["actions", a], ["action"]),
        (["actions", a, "topics"], ["action", "topics"]),
        (["actions", a, "files"], ["action", "files"]),
        (["actions", a, "whmcstickets"], ["action", "whmcstickets"]),
        (["actions", a, "timelogs"], ["action", "timelogs"]),
        (["topics"], ["topics"]),
        (["topics", "bythread"], ["topics"]),
        (["topics", str(w["topic"])], ["topic"]),
        (["files"], ["files"]),
        (["files", "bythread"], ["files"]),
        (["files", str(w["file"])], ["file"]),
        (["whmcstickets"], ["whmcstickets"]),
        (["whmcstickets", str(w["ticket"])], ["whmcsticket"]),
        (["ticketxrefs"], ["ticketxrefs"]),
        (["ticketxrefs", str(w["xref"])], ["ticketxref"]),
        (["timelogs"], ["timelogs"]),
        (["timelogs", str(w["timelog"])], ["timelog"]),
    ]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("fmt", FORMATS)
async def test_every_action_in_every_form_and_format(
    api: Api, runtime: Runtime, settings: Settings, form: str, fmt: str
) -> None:
    world = await _world(api, runtime)
    for keys, held in _reads(world):
        response = await api.call("GET", keys, form=form, fmt=fmt)
        assert response.status_code == 200, (keys, response.text)
        body = decoded(response)
        assert body["request"]["action"] == "/".join(keys) and body["request"]["format"] == fmt, keys
        assert set(body["response"]) == {"data", *held}, (keys, list(body["response"]))
    download = await api.call("GET", ["files", str(world["file"]), "download"], form=form, fmt=fmt)
    assert download.content == b"hello"
    changes = {
        "projects": ("project", {"title": "P2"}, "title", "P2"),
        "actions": ("action", {"title": "A2"}, "title", "A2"),
        "topics": ("topic", {"message": "M2"}, "message", "M2"),
        "timelogs": ("timelog", {"description": "D2"}, "description", "D2"),
        "files": ("file", {"name": "b.txt"}, "name", "b.txt"),
        "ticketxrefs": ("ticketxref", {"project_id": world["project"]}, "action_id", None),
    }
    ids = {
        "projects": "project",
        "actions": "action",
        "topics": "topic",
        "timelogs": "timelog",
        "files": "file",
        "ticketxrefs": "xref",
    }
    for plural, (single, params, name, value) in changes.items():
        response = await api.call("PUT", [plural, str(world[ids[plural]])], params, form=form, fmt=fmt)
        assert response.status_code == 200, (plural, response.text)
        shown = decoded(response)["response"][single][name]
        assert shown == value or (fmt == "xml" and value is None and shown is None), (plural, shown)
    for plural in ("ticketxrefs", "files", "timelogs", "topics", "actions", "projects"):
        response = await api.call("DELETE", [plural, str(world[ids[plural]])], form=form, fmt=fmt)
        assert response.status_code == 200, (plural, response.text)
        assert (await api.call("GET", [plural, str(world[ids[plural]])], form=form, fmt=fmt)).status_code == 404
