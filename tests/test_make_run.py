"""``make run`` as a new user runs it: the address it prints is the one it serves on, and ``hostlane migrate``
either prepares the database (creating a missing PostgreSQL schema) or says in one line why it cannot."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from hostlane.cli import base_url
from tests.fixtures.database import postgres_url
from tests.test_readme import make_run_environment, run_recipe


def run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**make_run_environment(), **env}
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=120)  # noqa: S603


def hostlane(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "hostlane"), *args]


def test_make_run_prints_the_address_it_serves_on(tmp_path: Path) -> None:
    """``make run PORT=8123``: the demo banner names port 8123, as ``hostlane serve`` listens there."""
    migrate, demo, serve = run_recipe(8123)
    assert demo[demo.index("--port") + 1] == serve[serve.index("--port") + 1] == "8123"
    assert demo[demo.index("--host") + 1] == serve[serve.index("--host") + 1]
    assert demo[demo.index("--test-hosts") + 1] == serve[serve.index("--test-hosts") + 1] == "test.localhost"
    for command in (migrate, demo):
        done = run(command, tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
    banner = done.stdout
    assert "API documentation        http://127.0.0.1:8123/api/documentation" in banner
    assert "http://127.0.0.1:8123/api/application/health" in banner and ":8000" not in banner
    assert "client area (browser)    http://127.0.0.1:8123/portal/" in banner
    assert "admin panel (browser)    http://127.0.0.1:8123/admin/" in banner
    assert "partner API (test)       http://test.localhost:8123/api/platform" in banner


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000"),
        ("0.0.0.0", 8080, "http://127.0.0.1:8080"),  # noqa: S104 - every interface: reached on the loopback one
        ("::", 9000, "http://[::1]:9000"),
        ("::1", 9000, "http://[::1]:9000"),
        ("billing.example.net", 80, "http://billing.example.net:80"),
    ],
)
def test_the_printed_address(host: str, port: int, url: str) -> None:
    assert base_url(host, port) == url


@pytest.mark.parametrize(
    ("database_url", "reason"),
    [
        ("postgresql+asyncpg://nobody:not-shown@127.0.0.1:1/hostlane", "Connect call failed"),
        ("sqlite+aiosqlite:////nonexistent-directory/hostlane.db", "unable to open database file"),
        ("not a url", "Could not parse SQLAlchemy URL"),
    ],
)
def test_migrate_says_in_one_line_why_it_cannot_reach_the_database(
    tmp_path: Path, database_url: str, reason: str
) -> None:
    done = run(hostlane("migrate"), tmp_path, HOSTLANE_DATABASE_URL=database_url)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "not-shown" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith("Error: cannot prepare the database ") and reason in done.stderr


@pytest.mark.skipif(postgres_url() is None, reason="HOSTLANE_TEST_DATABASE_URL is not set (no PostgreSQL to try)")
def test_migrate_creates_a_missing_postgresql_schema(tmp_path: Path) -> None:
    url = postgres_url()
    assert url is not None
    schema = f"hostlane_migrate_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        first = run(hostlane("migrate"), tmp_path, HOSTLANE_DATABASE_URL=url, HOSTLANE_DATABASE_SCHEMA=schema)
        assert first.returncode == 0, first.stdout + first.stderr
        assert first.stdout.splitlines() == [f"Created the PostgreSQL schema {schema}.", "Database is up to date."]
        again = run(hostlane("migrate"), tmp_path, HOSTLANE_DATABASE_URL=url, HOSTLANE_DATABASE_SCHEMA=schema)
        assert again.returncode == 0 and again.stdout.splitlines() == ["Database is up to date."]
        assert "customers" in asyncio.run(_tables(url, schema))
    finally:
        asyncio.run(_drop(url, schema))


async def _tables(url: str, schema: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            query = sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :schema")
            return set(await connection.scalars(query, {"schema": schema}))
    finally:
        await engine.dispose()


async def _drop(url: str, schema: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        await engine.dispose()
