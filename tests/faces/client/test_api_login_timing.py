"""CLIENTXCMS's ``ApiLoginTimingTest`` over HTTP: an unknown address is refused as a wrong password is, after a
password verification all the same (so its answer takes as long), and never matches a password."""

from __future__ import annotations

import uuid

import httpx
import pytest

from hostlane.core import passwords
from hostlane.runtime import Runtime
from tests.faces.client.kit import assert_client_error, customer, login


async def test_api_login_with_unknown_email_performs_password_hash_check(
    runtime: Runtime, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str | None] = []
    real = passwords.verify_password

    def spy(password_hash: str | None, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", spy)
    unknown = await login(client, f"nobody-{uuid.uuid4().hex}@example.com", "whatever-password")
    row = await customer(runtime)
    wrong = await login(client, row["email"], "whatever-password")
    assert_client_error(unknown, 422, "These credentials do not match our records.")
    assert unknown.json() == wrong.json()
    assert len(checked) == 2  # one verification each: the unknown address is not answered faster


async def test_unknown_email_is_refused_whatever_the_password(client: httpx.AsyncClient) -> None:
    for password in ("", "x", "password123456"):
        answer = await login(client, f"nobody-{uuid.uuid4().hex}@example.com", password)
        assert answer.status_code == 422
