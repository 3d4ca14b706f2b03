"""CLIENTXCMS's ``ApiResetPasswordEnumerationTest`` over HTTP: a reset with a bad token answers the same for an
address with an account and one without."""

from __future__ import annotations

import uuid

import httpx

from hostlane.runtime import Runtime
from tests.faces.client.kit import API, assert_client_error, customer


async def test_api_reset_password_answers_identically_for_unknown_and_known_email(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    row = await customer(runtime)
    payload = {"token": "a" * 64, "password": "N3w-Passw0rd-Long!", "password_confirmation": "N3w-Passw0rd-Long!"}
    unknown = await client.post(
        f"{API}/auth/reset-password", json={**payload, "email": f"nobody-{uuid.uuid4().hex}@example.com"}
    )
    known = await client.post(f"{API}/auth/reset-password", json={**payload, "email": row["email"]})
    assert_client_error(known, 422, "This password reset token is invalid.")
    assert list(known.json()["errors"]) == ["email"]
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
