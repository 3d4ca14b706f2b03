"""TOTP codes match RFC 6238's test vectors (SHA-1), and a code verifies only within one step of its time."""

from __future__ import annotations

import base64

import pytest

from hostlane.core import totp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("moment", "eight_digits"),
    [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"), (1234567890, "89005924"),
     (2000000000, "69279037"), (20000000000, "65353130")],
)  # fmt: skip
def test_codes_are_rfc_6238s(moment: int, eight_digits: str) -> None:
    assert totp.code_at(RFC_SECRET, moment) == eight_digits[-6:]


def test_a_code_verifies_within_one_step_only() -> None:
    now = 1_800_000_000.0
    code = totp.code_at(RFC_SECRET, now)
    assert totp.verify(RFC_SECRET, code, now)
    assert totp.verify(RFC_SECRET, code, now + totp.STEP_SECONDS)
    assert not totp.verify(RFC_SECRET, code, now + 2 * totp.STEP_SECONDS)
    assert not totp.verify(RFC_SECRET, "12345", now) and not totp.verify(RFC_SECRET, "abcdef", now)
    assert not totp.verify("not base32!", code, now)


def test_a_new_secret_is_160_bits_and_its_uri_carries_it() -> None:
    secret = totp.new_secret()
    assert totp.is_secret(secret) and len(secret) == 32 and secret != totp.new_secret()
    uri = totp.provisioning_uri(secret, account="ada@example.com", issuer="Hostlane")
    assert uri.startswith("otpauth://totp/Hostlane%3Aada%40example.com?") and f"secret={secret}" in uri
