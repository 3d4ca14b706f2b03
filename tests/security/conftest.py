"""What the security tests share: the app serving a runtime that knows a Stripe webhook secret, and its signature."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from hostlane.config import Settings, use_settings
from hostlane.core.db import Database
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory

WEBHOOK_SECRET = "whsec_hostlane_security"


def stripe_signature(payload: bytes, secret: str = WEBHOOK_SECRET) -> str:
    """The ``Stripe-Signature`` Stripe sends with ``payload``, signed now with ``secret``."""
    moment = int(time.time())
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={moment},v1={digest}"


@pytest.fixture
async def webhook_runtime(
    runtime: Runtime, database: Database, shared_app: FastAPI, client_for: ClientFactory
) -> AsyncIterator[Runtime]:
    """The suite's runtime knowing ``WEBHOOK_SECRET`` (no Stripe API key: nothing is called), served by the shared
    app to every client of ``client_for``."""
    before = runtime.settings
    configured = Runtime.build(
        Settings(**{**before.model_dump(), "stripe_webhook_secret": WEBHOOK_SECRET}), db=database
    )
    shared_app.state.runtime = configured
    yield configured
    use_settings(before)  # the settings in force are the process's: put the suite's back
    shared_app.state.runtime = runtime
