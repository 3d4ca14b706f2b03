"""Fixtures shared by every test: a migrated database per backend, the runtime, an HTTP client."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI

from hostlane.app import create_app
from hostlane.config import Settings
from hostlane.core.db import Database
from hostlane.drivers import provisioning
from hostlane.drivers.provisioning.simulator import SimulatorModule
from hostlane.runtime import Runtime
from tests.fixtures.database import Backend, backend_names, drop, empty_all_tables, open_database, prepare
from tests.fixtures.http import app_client

pytest_plugins = [
    "tests.fixtures.bans",
    "tests.fixtures.kamailio",
    "tests.fixtures.mail",
    "tests.fixtures.powerdns",
    "tests.fixtures.slapd",
    "tests.fixtures.stripe_standin",
]


def pytest_report_header() -> str:
    databases = ", ".join(backend_names())
    redis = "Redis too" if os.environ.get("HOSTLANE_TEST_REDIS_URL") else "no Redis (HOSTLANE_TEST_REDIS_URL unset)"
    note = "" if "postgresql" in databases else " (HOSTLANE_TEST_DATABASE_URL unset: SQLite only)"
    return f"hostlane: databases {databases}{note}; {redis}"


@pytest.fixture(scope="session", params=backend_names())
async def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Backend]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    backend = await prepare(request.param, worker, tmp_path_factory.mktemp("db"))
    yield backend
    await drop(backend)


@pytest.fixture(scope="session")
async def database(backend: Backend) -> AsyncIterator[Database]:
    db = open_database(backend)
    yield db
    await db.dispose()


def settings_of(backend: Backend) -> Settings:
    return Settings(
        database_url=backend.url,
        database_schema=backend.schema,
        secret_key="test-secret-key-of-the-suite-0123456789abcdefghijkl",
        redis_url=None,
        _env_file=None,
    )  # type: ignore[call-arg]


@pytest.fixture
def settings(backend: Backend) -> Settings:
    return settings_of(backend)


@pytest.fixture
async def runtime(settings: Settings, database: Database) -> AsyncIterator[Runtime]:
    runtime = Runtime.build(settings, db=database)
    yield runtime
    await empty_all_tables(database)


ClientFactory = Callable[..., httpx.AsyncClient]


@pytest.fixture(scope="session")
def shared_app(backend: Backend, database: Database) -> FastAPI:
    """One app per backend and worker: building its routes costs more than most tests, so each test
    gives it its own runtime instead of building it again."""
    settings = settings_of(backend)
    return create_app(settings, Runtime.build(settings, db=database))


@pytest.fixture
async def client_for(runtime: Runtime, shared_app: FastAPI) -> AsyncIterator[ClientFactory]:
    """Make HTTP clients of the real app, optionally from a given client IP."""
    app = shared_app
    app.state.runtime = runtime
    clients: list[httpx.AsyncClient] = []

    def make(ip: str = "127.0.0.1", **kwargs: object) -> httpx.AsyncClient:
        client = app_client(app, ip, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def client(client_for: ClientFactory) -> httpx.AsyncClient:
    return client_for()


@pytest.fixture
def namespace() -> str:
    return f"hostlane-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2id with its smallest cost: the tests check what is hashed and verified, not its strength."""
    from argon2 import PasswordHasher

    from hostlane.core import passwords

    real = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = real


@pytest.fixture(autouse=True)
def simulator() -> Iterator[SimulatorModule]:
    """The provisioning simulator, fresh for every test."""
    module = provisioning.get("simulator")
    assert isinstance(module, SimulatorModule)
    module.reset()
    yield module
    module.reset()
