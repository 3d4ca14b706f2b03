"""The README is tested: every shell example in it works as typed against ``make run``'s demo data.

Hostlane starts as ``make run`` starts it: the commands of the Makefile's ``run`` recipe (``hostlane migrate``,
``hostlane demo``, ``hostlane serve``) run as subprocesses of this environment's ``hostlane`` script, in a fresh
directory (its own ``./hostlane.db`` and generated ``.env``, no ``HOSTLANE_`` variable: SQLite whatever backend
the suite tests), the server on a free loopback port. The credentials are read from what ``hostlane demo``
prints. Then every ``curl`` of the README (in its ``sh`` blocks and inline in its prose) runs in bash, in README
order against that one server (an example may change what a later one sees), exactly as typed but for the port
and the placeholders the README tells the reader to fill from ``make run``'s output; the variable lines of its
block (``C=…``, ``KEY=…``) run before it. ``curl`` is wrapped as ``curl -sS --fail-with-body``: an answer of 400
or more fails the test, naming the README line.

A shell line that is not a ``curl`` must be listed in ``NOT_CURL`` with how it is covered, so that a new example
is either run here or accounted for.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MAKEFILE = ROOT / "Makefile"
README_URL = "http://127.0.0.1:8000"
# make run serves the test environment on this name (the Makefile's TEST_HOSTS); the README's partner examples use it.
TEST_HOST = "test.localhost"
README_TEST_URL = f"http://{TEST_HOST}:8000"

# What the README tells the reader to fill from `make run`'s output, and which printed credential fills it.
PLACEHOLDERS: dict[str, str] = {
    r"<key>": "api_key",  # curl -H "Authorization: Bearer <key>" …
    r"<customer>": "customer_email",  # curl -u <customer>:<password> …
    r"<password>": "customer_password",
    r"\bPASSWORD\b": "customer_password",  # C=marie.dubois@example.com:PASSWORD   # printed by `make run`
    r"\bhl_live_\.\.\.": "api_key",  # KEY=hl_live_...   # printed by `make run`
    r"\bhl_test_\.\.\.": "test_api_key",  # KEY=hl_test_...   # the test-mode API key printed by `make run`
    r"\bCLIENT_ID\b": "partner_client_id",  # P=CLIENT_ID:CLIENT_SECRET   # the partner's, printed by `make run`
    r"\bCLIENT_SECRET\b": "partner_client_secret",
    r"\bADMIN_MD5\b": "admin_md5",  # wbTeamPro's login: password=ADMIN_MD5 (the MD5 of the admin password)
    r"\bADMIN_PASSWORD\b": "admin_password",  # XCI's login: {"login": "admin", "password": "ADMIN_PASSWORD"}
}
# A variable line of a block: `NAME=value   # comment`, or `NAME=$(command)` (a token read from an answer), run
# (placeholders filled) before each curl of its block.
ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=(\S*|\$\(.*\))\s*(#.*)?$")

# Every shell line that is not a curl or a variable line, with why it is not run here and what covers it.
NOT_CURL: dict[str, str] = {
    "make run": "run here: the commands of the Makefile's run recipe, but for its pip install into .venv",
    "make test": "what CI runs: `make lint`, `make types` and the suite this test is part of",
    "export HOSTLANE_DATABASE_URL=postgresql+asyncpg://hostlane:secret@db.internal/hostlane": (
        "a production host; the suite runs on PostgreSQL when HOSTLANE_TEST_DATABASE_URL is set "
        "(tests/test_migrations.py and every test of the `backend` fixture)"
    ),
    "export HOSTLANE_REDIS_URL=redis://cache.internal:6379/0": (
        "a production host; Redis is tested with HOSTLANE_TEST_REDIS_URL (tests/jobs/test_broker.py, "
        "tests/identity/test_login_ban.py)"
    ),
    "export HOSTLANE_SECRET_KEY=...": "a value to choose; the secret key and what derives from it: tests/test_cli.py",
    ".venv/bin/hostlane migrate": "run here (make run's first command); the schema: tests/test_migrations.py",
    "HOSTLANE_INPROCESS_JOBS=false .venv/bin/hostlane serve --host 0.0.0.0 --port 8000 --workers 4": (
        "listens on every interface with 4 processes; `hostlane serve` runs here, a server without in-process "
        "jobs in tests/faces/clientarea/test_document_examples.py"
    ),
    ".venv/bin/hostlane worker": (
        "runs until stopped; its parts: tests/jobs/test_broker.py (Dramatiq on Redis), tests/jobs/test_scheduler.py"
    ),
}


@dataclass(frozen=True)
class Example:
    line: int  # in README.md
    text: str
    block: int  # examples of one ``sh`` block share its variable lines; an inline example is a block of its own

    @property
    def command(self) -> str:
        """The line without its trailing comment (a comment starts at `#` after blanks)."""
        return re.split(r"\s+#", self.text, maxsplit=1)[0].strip()

    @property
    def is_curl(self) -> bool:
        return self.text.startswith("curl ")


def readme_examples() -> list[Example]:
    """Every line of the README's ``sh`` blocks and every inline ``curl …`` of its prose, in README order."""
    examples: list[Example] = []
    fence: str | None = None
    block = 0
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("```"):
            fence = stripped[3:].strip() if fence is None else None
            block += 1
            continue
        if fence is not None:
            if fence in ("sh", "bash", "shell", "console") and stripped and not stripped.startswith("#"):
                examples.append(Example(number, stripped, block))
            continue
        for inline in re.findall(r"`(curl [^`]+)`", line):
            block += 1
            examples.append(Example(number, inline, block))
    return examples


def literally(value: str) -> Callable[[re.Match[str]], str]:
    """A replacement for re.sub that is the value itself, never read as a template."""
    return lambda _: value


def fill(text: str, credentials: dict[str, str], base_url: str) -> str:
    for pattern, name in PLACEHOLDERS.items():
        text = re.sub(pattern, literally(credentials[name]), text)
    return text.replace(README_URL, base_url).replace(README_TEST_URL, base_url.replace("127.0.0.1", TEST_HOST))


def test_every_shell_line_is_run_or_accounted_for() -> None:
    examples = readme_examples()
    assert sum(example.is_curl for example in examples) >= 10, "the README's curl examples were not found"
    others = {example.command for example in examples if not example.is_curl and not ASSIGNMENT.match(example.text)}
    unlisted = sorted(others - NOT_CURL.keys())
    assert not unlisted, f"README shell lines neither run by tests/test_readme.py nor listed in NOT_CURL: {unlisted}"
    stale = sorted(NOT_CURL.keys() - others)
    assert not stale, f"NOT_CURL lists lines the README no longer has: {stale}"
    for example in examples:
        if example.is_curl or ASSIGNMENT.match(example.text):
            left = re.findall(r"<[a-z_-]+>", fill(example.command, dict.fromkeys(PLACEHOLDERS.values(), "x"), ""))
            assert not left, f"README.md:{example.line}: placeholder {left} that no credential of make run fills"


# Starting Hostlane as `make run` does


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_recipe(port: int) -> list[list[str]]:
    """The commands of the Makefile's ``run`` target, with this environment's scripts and a free port."""
    makefile = MAKEFILE.read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None, "the Makefile has no run target"
    variables = {
        "BIN": str(Path(sys.executable).parent),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "TEST_HOSTS": TEST_HOST,
    }
    commands = []
    for line in recipe.group(1).splitlines():
        command = re.sub(r"\$\((\w+)\)", lambda m: variables[m.group(1)], line.strip())
        commands.append(shlex.split(command))
    assert [c[1] for c in commands] == ["migrate", "demo", "serve"], f"make run's recipe changed: {commands}"
    return commands


def make_run_environment() -> dict[str, str]:
    """The caller's environment without any HOSTLANE_ setting (make run uses the defaults), importing this tree."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("HOSTLANE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def parse_credentials(printed: str) -> dict[str, str]:
    key = re.search(r"application API key\s+(hl_live_\w+)", printed)
    customer = re.search(r"client-area customer\s+(\S+) / (\S+)", printed)
    admin = re.search(r"administrator password\s+(\S+)", printed)
    admin_md5 = re.search(r"wbTeamPro API password\s+(\S+)", printed)
    test_key = re.search(r"test-mode API key\s+(hl_test_\w+)", printed)
    client_id = re.search(r"partner API clientId\s+(\w+)", printed)
    client_secret = re.search(r"partner API secret\s+(\w+)", printed)
    assert key and customer and admin and admin_md5 and test_key and client_id and client_secret, (
        f"hostlane demo did not print the credentials the README names:\n{printed}"
    )
    return {
        "api_key": key.group(1),
        "customer_email": customer.group(1),
        "customer_password": customer.group(2),
        "admin_password": admin.group(1),
        "admin_md5": admin_md5.group(1),
        "test_api_key": test_key.group(1),
        "partner_client_id": client_id.group(1),
        "partner_client_secret": client_secret.group(1),
    }


@dataclass
class Demo:
    url: str
    credentials: dict[str, str]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    port = free_port()
    migrate, load, serve = run_recipe(port)
    env = make_run_environment()
    for command in (migrate, load):
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)  # noqa: S603
        assert done.returncode == 0, f"{shlex.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    credentials = parse_credentials(done.stdout)
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(serve, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"hostlane serve exited:\n{(tmp_path / 'serve.log').read_text()}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "hostlane serve did not listen within 30 s"
                time.sleep(0.1)
        yield Demo(f"http://127.0.0.1:{port}", credentials)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


CURL = 'curl() { command curl -sS --fail-with-body --max-time 20 "$@"; }\n'


def test_every_curl_of_the_readme_works_against_the_demo(demo: Demo) -> None:
    bash = shutil.which("bash")
    if shutil.which("curl") is None or bash is None:
        pytest.skip("curl (or bash) is not installed; CI machines have both")
    examples = readme_examples()
    failures = []
    ran = 0
    for example in examples:
        if not example.is_curl:
            continue
        variables = [
            fill(e.text, demo.credentials, demo.url)
            for e in examples
            if e.block == example.block and e.line < example.line and ASSIGNMENT.match(e.text)
        ]
        script = CURL + "".join(f"{line}\n" for line in variables) + fill(example.text, demo.credentials, demo.url)
        done = subprocess.run([bash, "-c", script], capture_output=True, text=True, timeout=30)  # noqa: S603
        ran += 1
        if done.returncode != 0:
            failures.append(
                f"README.md:{example.line}: {example.text}\n  ran: {script.splitlines()[-1]}\n"
                f"  curl exit {done.returncode}: {done.stderr.strip()}\n  answer: {done.stdout.strip()[:500]}"
            )
    assert ran >= 10
    assert not failures, "README examples that do not work against make run's demo data:\n" + "\n".join(failures)
