"""The XCI document's Python 3 example, run as printed against Hostlane served over real HTTP.

Only its base URL (``""`` in the document) is replaced. Before it runs, the administrator ``admin`` /
``superpass`` exists and a XiVO with two entities is set up through the API (the example selects ``entities[1]``).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from contextlib import redirect_stdout

import httpx
import pytest

from hostlane.app import create_app
from hostlane.config import Settings
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.fixtures.live import LiveServer

# The document's example, verbatim (its indentation restored: the document's text keeps the code on one line).
EXAMPLE = """#!/usr/bin/env python3
# -*- coding: utf-8 -*-

from urllib.parse import urlencode
from urllib.request import Request, urlopen
import json, sys

class XCIApiExample:
    base_url = None
    cookie = None

    def __init__(self, base_url, login, password):
        self.base_url = base_url
        self.make_login(login, password)

    def make_login(self, login, password):
        data = {"login": login, "password": password}
        response = self.make_post_request("/login", data)
        self.cookie = response.info()["Set-Cookie"]

    def get_entities(self):
        response = self.make_get_request("/entities")
        return self.handle_json_response(response)

    def get_available_numbers(self, entity):
        response = self.make_get_request("/entities/" + entity["combinedId"] + "/available_numbers")
        return self.handle_json_response(response)

    def create_line_template(self, data):
        self.make_post_request("/templates", data)

    def get_line_templates(self):
        response = self.make_get_request("/templates")
        return self.handle_json_response(response)

    def create_user(self, data):
        self.make_post_request("/users", data)

    def make_get_request(self, method):
        request = Request(self.base_url + method, headers = {"Cookie": self.cookie})
        response = urlopen(request)
        return response

    def make_post_request(self, method, data):
        header = {"Content-Type": "application/json", "Cookie": self.cookie if self.cookie else ""}
        request = Request(self.base_url + method, json.dumps(data).encode(), header)
        response = urlopen(request)
        return response

    def handle_json_response(self, response):
        return json.loads(response.read().decode())

# Initialize API
api_example = XCIApiExample("", "admin", "superpass")

# Get an entity and its XiVO
entities = api_example.get_entities()["items"]
if (len(entities) == 0):
    sys.exit("There isn't any XiVO configured yet or they don't have any entity !")
else:
    entity = entities[1]
    xivo = entity["xivo"]
    print("Selected entity \\"%s\\" in XiVO \\"%s\\""%(entity["name"], xivo["name"]))

# Create a line template
template_data = {
    "name": "My line template",
    "xivos": [xivo["id"]],
    "entities": [entity["combinedId"]],
    "peerSipName": "auto",
    "ringingTime": 30,
    "routedInbound": False,
    "callerIdMode": "anonymous",
    "voiceMailEnabled": False
}
api_example.create_line_template(template_data)
line_template = api_example.get_line_templates()[0]
print("New line template created")

# Create a user
user_data = {
    "entityCId": entity["combinedId"],
    "templateId": line_template["id"],
    "firstName": "Alice",
    "lastName": "In Wonderland",
    "internalNumber": api_example.get_available_numbers(entity)["items"][0]
}
api_example.create_user(user_data)
print("New user created")
"""


@pytest.fixture
def live(settings: Settings) -> Iterator[str]:
    """Hostlane over real HTTP: its own runtime and connections (the server has its own event loop)."""
    served = settings.model_copy(update={"inprocess_jobs": False})
    with LiveServer(create_app(served)) as server:
        yield server.url


async def test_the_documents_python_example_runs_unchanged(runtime: Runtime, live: str) -> None:
    async with runtime.db.transaction() as session:
        await identity.create_administrator(
            session,
            Principal.system(),
            login="admin",
            email="admin@example.test",
            password="superpass",
            super_admin=True,
        )
    async with httpx.AsyncClient(base_url=f"{live}/api/1.0") as api:
        assert (await api.post("/login", json={"login": "admin", "password": "superpass"})).status_code == 204
        xivo = (await api.post("/xivo", json={"name": "xivo-221", "host": "", "configure": False})).json()
        for name, intervals in (
            ("default", [{"start": "1700", "end": "1799"}]),
            ("default_analogique", [{"start": "3990000", "end": "3999999"}]),
        ):
            created = await api.post(
                "/entities",
                json={"name": name, "displayName": name, "xivoId": xivo["id"], "intervals": intervals},
            )
            assert created.status_code == 201, created.text

    code = EXAMPLE.replace('XCIApiExample("", ', f'XCIApiExample("{live}/api/1.0", ')
    assert code.count(live) == 1
    printed = io.StringIO()

    def run() -> None:
        with redirect_stdout(printed):
            exec(compile(code, "xci_example.py", "exec"), {"__name__": "__main__"})  # noqa: S102 - the document's code

    await asyncio.to_thread(run)
    assert printed.getvalue().splitlines() == [
        'Selected entity "default_analogique" in XiVO "xivo-221"',
        "New line template created",
        "New user created",
    ]
    async with httpx.AsyncClient(base_url=f"{live}/api/1.0") as api:
        await api.post("/login", json={"login": "admin", "password": "superpass"})
        [user] = (await api.get("/users")).json()["items"]
        [template] = (await api.get("/templates")).json()
    assert (user["firstName"], user["lastName"], user["internalNumber"]) == ("Alice", "In Wonderland", "3990000")
    assert user["entity"]["name"] == "default_analogique"
    assert (template["name"], template["callerIdMode"], template["entities"]) == (
        "My line template",
        "anonymous",
        [user["entity"]["combinedId"]],
    )
