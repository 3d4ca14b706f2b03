"""The API Developers Sandbox at /modules/addons/wbteampro/sandbox: the login form, the resource list from
``api.resources``, a request sent in each URL form and format with its URL and answer shown; a developer logging
in and listing the projects in a real headless Chromium (Debian's, driven by Playwright); and the page's MD5 (the
password is hashed in the page) against Python's."""

from __future__ import annotations

import hashlib
import importlib.util
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
from tests.faces.teampro.conftest import Api
from tests.fixtures.factories import ADMIN_PASSWORD
from tests.fixtures.live import LiveServer

PAGE = "/modules/addons/wbteampro/sandbox"


async def test_the_page_asks_for_the_api_url_user_and_password(api: Api) -> None:
    response = await api.client.get(PAGE)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert 'name="api_url" value="http://testserver/modules/addons/wbteampro/api.php"' in response.text
    assert 'name="username"' in response.text and 'id="plain"' in response.text
    assert "script-src 'self' 'sha256-" in response.headers["content-security-policy"]
    script = response.text.split("<script>")[1].split("</script>")[0]
    assert "<script src=" not in response.text and "http" not in script
    assert "function md5hex" in script and "&amp;" not in script and "&lt;" not in script  # inlined unescaped
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


def _require_chromium() -> str:
    """Debian's chromium, or a skip (a failure when HOSTLANE_TEST_REQUIRE_CHROMIUM=1, as in CI)."""
    missing = None
    if CHROMIUM is None:
        missing = "Debian's chromium is not installed (CI installs it)"
    elif importlib.util.find_spec("playwright") is None:
        missing = "Playwright for Python is not installed (the dev extra has it)"
    if missing is None:
        return str(CHROMIUM)
    if os.environ.get("HOSTLANE_TEST_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"{missing}, and HOSTLANE_TEST_REQUIRE_CHROMIUM=1 requires it")
    pytest.skip(missing)


@pytest.mark.parametrize(
    ("form", "fmt", "path", "listed"),
    [
        ("direct", "json", "/modules/addons/wbteampro/api.php?action=v1.projects.json&", '"title": "Mail migration"'),
        ("rewrite", "xml", "/modules/addons/wbteampro/api/v1/projects/xml?", "<title>Mail migration</title>"),
    ],
)
async def test_a_developer_logs_in_and_lists_the_projects_in_a_headless_chromium(
    api: Api, live: str, form: str, fmt: str, path: str, listed: str
) -> None:
    """As a developer would: open the page, give the API URL, user and password, log in, pick
    ``v1.projects`` (GET), the URL form and the format, send, and read the request URL and the project list."""
    executable = _require_chromium()
    from playwright.async_api import async_playwright, expect

    await api.ok("POST", ["projects"], {"title": "Mail migration"})
    api_url = f"{live}/modules/addons/wbteampro/api.php"
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        try:
            page = await browser.new_page()
            await page.goto(f"{live}{PAGE}")
            await page.get_by_label("API URL").fill(api_url)
            await page.get_by_label("API User").fill(api.username)
            await page.get_by_label("API Pass").fill(ADMIN_PASSWORD)
            await page.get_by_role("button", name="Log in").click()

            await expect(page.get_by_role("table")).to_contain_text("findProjects")
            # The page sent the MD5 of the password, never the password itself.
            assert f"password={api.password}" in page.url and "horse" not in page.url, page.url

            await page.get_by_label("Resource action").select_option("GET projects")
            await page.get_by_label("URL form").select_option(form)
            await page.get_by_label("Format").select_option(fmt)
            await page.get_by_role("button", name="Send the request").click()

            shown = page.locator("#request-url")
            await expect(shown).to_contain_text(f"GET {live}{path}")
            assert api.password not in await shown.inner_text()  # the password is not shown back
            answer = page.locator("#response")
            await expect(answer).to_contain_text(listed)
            await expect(page.get_by_role("heading", name="Response (200)")).to_be_visible()
        finally:
            await browser.close()
