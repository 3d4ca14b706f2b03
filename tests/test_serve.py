"""``hostlane serve`` as an operator runs it: a real server in a process of its own, and its access log."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from tests.test_readme import free_port, make_run_environment

PASSWORD = "hunter2-in-a-query-string"
EMAIL = "jo.query@example.com"


def hostlane(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "hostlane"), *args]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A migrated SQLite database with one customer, served by ``hostlane serve`` on a free loopback port; yields
    its URL and the file the server's output (uvicorn's access log included) goes to."""
    env = make_run_environment()
    for command in (hostlane("migrate"), hostlane("create-customer", EMAIL, "--password", PASSWORD)):
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)  # noqa: S603
        assert done.returncode == 0, done.stdout + done.stderr
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603
            hostlane("serve", "--port", str(port)), cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert server.poll() is None, log_path.read_text()
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "hostlane serve did not listen within 30 s"
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}", log_path
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_credentials_in_a_query_string_never_reach_the_access_log(served: tuple[str, Path]) -> None:
    url, log_path = served
    with httpx.Client(base_url=url, timeout=20) as client:
        login = client.post(f"/api/login?{urlencode({'username': EMAIL, 'password': PASSWORD})}")
        assert login.status_code == 200, login.text  # logged in by the query string, as HostBill's libraries do
        refresh = login.json()["refresh"]
        rotated = client.post(f"/api/token?{urlencode({'refresh_token': refresh})}")
        assert rotated.status_code == 200, rotated.text
        revoked = client.post(f"/api/revoke?{urlencode({'refresh_token': rotated.json()['refresh']})}")
        assert revoked.status_code == 200, revoked.text
        listed = client.get("/api/details", auth=(EMAIL, PASSWORD))
        assert listed.status_code == 200
    deadline = time.monotonic() + 10
    while "/api/revoke" not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)  # the server writes its access log line after the answer
    log = log_path.read_text()
    for secret in (PASSWORD, refresh, rotated.json()["refresh"], rotated.json()["token"]):
        assert secret not in log
    assert f'"POST /api/login?{urlencode({"username": EMAIL})}&password=[REDACTED] HTTP/1.1" 200' in log
    assert '"POST /api/token?refresh_token=[REDACTED] HTTP/1.1" 200' in log
    assert '"POST /api/revoke?refresh_token=[REDACTED] HTTP/1.1" 200' in log
    assert '"GET /api/details HTTP/1.1" 200' in log
