"""wbTeamPro's files over HTTP: upload as multipart or base64, versions in threads, download with the right type
and name, the size limit, names that cannot reach outside the store, and the bytes gone with the row."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from hostlane.config import Settings
from tests.conftest import settings_of
from tests.faces.teampro.conftest import Api, url, with_query
from tests.fixtures.database import Backend
from tests.fixtures.http import assert_teampro_error


@pytest.fixture
def settings(backend: Backend, tmp_path: Path) -> Settings:
    """The suite's settings, with a file store of this test's own and a small upload limit."""
    return settings_of(backend).model_copy(update={"files_dir": tmp_path / "files", "max_upload_bytes": 4096})


def stored(settings: Settings) -> list[Path]:
    root = settings.files_dir
    assert root is not None
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_files_upload_version_download_and_delete(api: Api, settings: Settings) -> None:
    pid = (await api.ok("POST", ["projects"], {"title": "Site"}))["project"]["project_id"]
    auth = {"username": api.username, "password": api.password}
    response = await api.client.post(
        with_query(url("clean", ["files"]), auth),
        data={"params[project_id]": str(pid), "params[description]": "The brief"},
        files={"file": ("../../etc/brief.pdf", b"%PDF-1.4 brief", "application/pdf")},
    )
    assert response.status_code == 201, response.text
    first = response.json()["response"]["file"]
    assert {k: first[k] for k in ("project_id", "name", "size", "type", "description", "thread_id")} == {
        "project_id": pid,
        "name": "brief.pdf",
        "size": 14,
        "type": "application/pdf",
        "description": "The brief",
        "thread_id": None,
    }
    second = await api.ok(
        "POST",
        ["files"],
        {
            "thread_id": first["file_id"],
            "name": "brief-v2.txt",
            "type": "text/plain",
            "content": base64.b64encode(b"version two").decode(),
        },
        form="direct",
    )
    assert second["file"]["thread_id"] == first["file_id"] and second["file"]["project_id"] == pid
    assert len(stored(settings)) == 2
    assert all(path.is_relative_to(settings.files_dir) for path in stored(settings))  # type: ignore[arg-type]
    threads = await api.ok("GET", ["files", "bythread"], {"project_id": pid}, form="rewrite", fmt="xml")
    assert [v["name"] for v in threads["files"][0]["versions"]] == ["brief-v2.txt"]
    of_project = await api.ok("GET", ["projects", str(pid), "files"])
    assert [f["name"] for f in of_project["files"]] == ["brief.pdf", "brief-v2.txt"]
    for form in ("clean", "rewrite", "direct"):
        download = await api.client.get(with_query(url(form, ["files", str(first["file_id"]), "download"]), auth))
        assert download.status_code == 200 and download.content == b"%PDF-1.4 brief"
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"] == 'attachment; filename="brief.pdf"'
    renamed = await api.ok("PUT", ["files", str(first["file_id"])], {"name": "../secret/plan.pdf"})
    assert renamed["file"]["name"] == "plan.pdf"
    assert (await api.ok("GET", ["files", str(first["file_id"])]))["file"]["name"] == "plan.pdf"
    await api.ok("DELETE", ["files", str(first["file_id"])])
    assert stored(settings) == []  # the version went with its first file, bytes too
    missing = await api.client.get(with_query(url("clean", ["files", str(first["file_id"]), "download"]), auth))
    assert_teampro_error(missing, 404, "File not found.")


async def test_a_file_too_large_or_without_content_is_refused(api: Api, settings: Settings) -> None:
    pid = (await api.ok("POST", ["projects"], {"title": "Site"}))["project"]["project_id"]
    big = base64.b64encode(b"x" * 5000).decode()
    refused = await api.call("POST", ["files"], {"project_id": pid, "name": "big.bin", "content": big})
    assert_teampro_error(refused, 422, "content: The file may not be larger than 4 kilobytes.")
    empty = await api.call("POST", ["files"], {"project_id": pid, "name": "none.bin"})
    assert_teampro_error(empty, 422)
    assert "content" in empty.json()["response"]["errors"]
    bad = await api.call("POST", ["files"], {"project_id": pid, "name": "x", "content": "***"})
    assert_teampro_error(bad, 422, "content: Must be the file's bytes in base64.")
    assert stored(settings) == []
