"""A customer's own password changes: ``sessions.change_password`` (the current one checked as a login is) and
``request_password_reset`` (the forgotten-password form: a link for an active account, silence for anything
else)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hostlane.core.errors import ValidationFailed
from hostlane.core.passwords import verify_password
from hostlane.customers import service as customers
from hostlane.customers import sessions
from hostlane.models import Customer, CustomerStatus, Job
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer

PASSWORD = "the old long password"


async def _row(runtime: Runtime, customer_id: int) -> Customer:
    async with runtime.db.reader() as session:
        row = await session.get(Customer, customer_id)
    assert row is not None
    return row


async def test_change_password_checks_the_current_one_and_ends_the_sessions(runtime: Runtime) -> None:
    customer = await make_customer(runtime, password=PASSWORD)
    principal = sessions.customer_principal(int(customer["id"]), True, "127.0.0.1")
    before = await _row(runtime, int(customer["id"]))
    with pytest.raises(ValidationFailed) as wrong:
        await sessions.change_password(
            runtime.db, runtime.login_guard, principal, ip="127.0.0.1", current="nope", new="a brand new one"
        )
    assert list(wrong.value.fields) == ["current_password"]
    with pytest.raises(ValidationFailed) as short:
        await sessions.change_password(
            runtime.db, runtime.login_guard, principal, ip="127.0.0.1", current=PASSWORD, new="short"
        )
    assert list(short.value.fields) == ["new_password"]
    changed = await sessions.change_password(
        runtime.db, runtime.login_guard, principal, ip="127.0.0.1", current=PASSWORD, new="a brand new one"
    )
    assert changed.session_epoch != before.session_epoch
    assert verify_password(changed.password_hash, "a brand new one")


async def _mail_jobs(runtime: Runtime) -> list[dict[str, object]]:
    async with runtime.db.reader() as session:
        return [dict(row) for row in (await session.scalars(sa.select(Job.payload))).all()]


async def test_a_reset_is_sent_to_an_active_account_only(runtime: Runtime) -> None:
    active = await make_customer(runtime)
    suspended = await make_customer(runtime, status=CustomerStatus.SUSPENDED)
    async with runtime.db.transaction() as session:
        await customers.request_password_reset(
            session, livemode=True, email=f"  {str(active['email']).upper()} ", origin="https://portal.example"
        )
        await customers.request_password_reset(session, livemode=True, email="nobody@example.com", origin=None)
        await customers.request_password_reset(session, livemode=True, email=str(suspended["email"]), origin=None)
        await customers.request_password_reset(session, livemode=False, email=str(active["email"]), origin=None)
    jobs = await _mail_jobs(runtime)
    assert jobs == [
        {
            "template": "customer_reset_password",
            "livemode": True,
            "customer_id": active["id"],
            "origin": "https://portal.example",
        }
    ]
