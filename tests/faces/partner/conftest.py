"""The partner face's clients: one of the test environment's host, one of the live host."""

from __future__ import annotations

import httpx
import pytest

from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.partners import SANDBOX


@pytest.fixture
def sandbox(runtime: Runtime, client_for: ClientFactory) -> httpx.AsyncClient:
    """A client of the test environment's host."""
    runtime.settings.test_hosts = [SANDBOX]
    return client_for(base_url=f"http://{SANDBOX}")


@pytest.fixture
def live(runtime: Runtime, client_for: ClientFactory) -> httpx.AsyncClient:
    """A client of the live host (the test environment being served on its own host)."""
    runtime.settings.test_hosts = [SANDBOX]
    return client_for()
