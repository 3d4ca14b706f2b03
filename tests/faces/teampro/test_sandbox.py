"""The API Developers Sandbox at /modules/addons/wbteampro/sandbox: the login form, the resource list from
``api.resources``, a request sent in each URL form and format with its URL and answer shown; in a real headless
Chromium too; and the page's MD5 (the password is hashed in the page) against Python's."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from hostlane.app import create_app
from hostlane.config import Settings
from hostlane.faces.teampro import sandbox
from hostlane.runtime import Runtime
from tests.faces.teampro.conftest import Api
from tests.fixtures.live import LiveServer

PAGE = "/modules/addons/wbteampro/sandbox"


async def test_the_page_asks_for_the_api_url_user_and_password(api: Api) -> None:
    response = await api.client.get(PAGE)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert 'name="api_url" value="http://testserver/modules/addons/wbteampro/api.php"' in response.text
    assert 'name="username"' in response.text and 'id="plain"' in response.text
    assert "script-src 'self' 'sha256-" in response.headers["content-security-policy"]
    assert (
        "<script src=" not in response.text and "http" not in response.text.split("<script>")[1].split("</script>")[0]
    )
    assert 'id="resources"' not in response.text


@pytest.mark.parametrize(
    ("form", "fmt", "shown"),
    [
        ("clean", "json", "/api.php/v1/projects/json?params="),
        ("rewrite", "xml", "/modules/addons/wbteampro/api/v1/projects/xml?params="),
        ("direct", "json", "/api.php?action=v1.projects.json&amp;params="),
    ],
)
async def test_a_request_in_each_url_form_shows_its_url_and_answer(api: Api, form: str, fmt: str, shown: str) -> None:
    await api.ok("POST", ["projects"], {"title": "Mail migration"})
    query = {
        "username": api.username,
        "password": api.password,
        "resource": "GET projects",
        "form": form,
        "format": fmt,
        "params": '{"status":"Pending"}',
    }
    response = await api.client.get(f"{PAGE}?{urlencode(query)}")
    assert response.status_code == 200, response.text
    assert 'id="resources"' in response.text and "findProjects" in response.text
    url_line = response.text.split('<pre id="request-url">')[1].split("</pre>")[0]
    assert url_line.startswith("GET http://testserver") and shown in url_line, url_line
    assert api.password not in url_line  # the password is not shown back
    answer = response.text.split('<pre id="response">')[1].split("</pre>")[0]
    assert "Mail migration" in answer and ("&#34;code&#34;: 200" in answer or "&lt;code&gt;200" in answer)


async def test_an_action_with_an_id_and_a_wrong_password(api: Api) -> None:
    project = (await api.ok("POST", ["projects"], {"title": "Site"}))["project"]
    query = {
        "username": api.username,
        "password": api.password,
        "resource": "GET projects.{project_id}.actions",
        "id": str(project["project_id"]),
    }
    response = await api.client.get(f"{PAGE}?{urlencode(query)}")
    assert f"/api.php/v1/projects/{project['project_id']}/actions/json" in response.text
    wrong = await api.client.get(f"{PAGE}?{urlencode({'username': api.username, 'password': '0' * 32})}")
    assert "These credentials do not match our records." in wrong.text and 'id="resources"' not in wrong.text


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_pages_md5_is_md5() -> None:
    script = (Path(sandbox.__file__).parent / "templates" / "md5.js").read_text()
    samples = ["", "abc", "correct horse battery", "é" * 70]
    run = subprocess.run(  # noqa: S603 - a fixed program and our own script
        [
            str(NODE),
            "-e",
            script + "\nfor (const s of JSON.parse(process.argv[1])) console.log(md5hex(s))",
            json.dumps(samples),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert run.stdout.split() == [hashlib.md5(s.encode()).hexdigest() for s in samples]  # noqa: S324


@pytest.fixture
def live(settings: Settings) -> Iterator[str]:
    served = settings.model_copy(update={"inprocess_jobs": False})
    with LiveServer(create_app(served)) as server:
        yield server.url


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


async def test_the_sandbox_in_a_headless_chromium(api: Api, runtime: Runtime, live: str) -> None:
    if CHROMIUM is None:
        if os.environ.get("HOSTLANE_TEST_REQUIRE_CHROMIUM") == "1":
            pytest.fail("chromium is not installed, and HOSTLANE_TEST_REQUIRE_CHROMIUM=1 requires it")
        pytest.skip("Debian's chromium is not installed (CI installs it)")
    await api.ok("POST", ["projects"], {"title": "Mail migration"})
    query = {
        "api_url": f"{live}/modules/addons/wbteampro/api.php",
        "username": api.username,
        "password": api.password,
        "resource": "GET projects",
        "form": "direct",
        "format": "json",
    }
    command = [
        CHROMIUM or "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--dump-dom",
        f"{live}{PAGE}?{urlencode(query)}",
    ]
    run = await asyncio.to_thread(
        subprocess.run,
        command,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    dom = run.stdout
    assert 'id="request-url"' in dom, run.stderr[-2000:]
    assert f"GET {live}/modules/addons/wbteampro/api.php?action=v1.projects.json" in dom
    assert "Mail migration" in dom and "findProjects" in dom
