"""The projects domain's rules, called directly: projects, actions, threads of topics, time logs; and the
administrators' MD5 login of the wbTeamPro API (an argon2 hash of the MD5, never the MD5)."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime

import pytest

from hostlane.billing import service as billing
from hostlane.core.errors import Conflict, ValidationFailed
from hostlane.identity import service as identity
from hostlane.identity.errors import InvalidCredentials
from hostlane.identity.principal import Principal
from hostlane.models import ActionStatus
from hostlane.projects import service as projects
from hostlane.projects.errors import ProjectNotFound
from hostlane.projects.schemas import (
    ActionCreate,
    ActionUpdate,
    ProjectCreate,
    ProjectUpdate,
    TimeLogCreate,
    TopicCreate,
)
from hostlane.runtime import Runtime
from tests.fixtures.factories import ADMIN_PASSWORD, make_admin, make_customer

SYSTEM = Principal.system()


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - the document's login


async def test_the_md5_login_checks_an_argon2_hash_of_the_md5(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    assert admin.md5_password_hash is not None
    assert md5(ADMIN_PASSWORD) not in admin.md5_password_hash
    assert admin.md5_password_hash.startswith("$argon2")
    logged = await identity.login_administrator_md5(
        runtime.db, runtime.login_guard, ip="10.1.1.1", login=admin.login, md5_hex=md5(ADMIN_PASSWORD)
    )
    assert logged.id == admin.id
    with pytest.raises(InvalidCredentials):
        await identity.login_administrator_md5(
            runtime.db, runtime.login_guard, ip="10.1.1.1", login=admin.login, md5_hex=ADMIN_PASSWORD
        )


async def test_a_new_password_sets_a_new_md5_hash(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    async with runtime.db.transaction() as session:
        await identity.update_administrator(session, SYSTEM, admin.id, password="another-password-9")
    logged = await identity.login_administrator_md5(
        runtime.db, runtime.login_guard, ip="10.1.1.2", login=admin.login, md5_hex=md5("another-password-9")
    )
    assert logged.id == admin.id


async def test_projects_actions_topics_and_time_logs(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    customer = await make_customer(runtime)
    async with runtime.db.transaction() as session:
        project = await projects.create_project(
            session,
            SYSTEM,
            ProjectCreate(title="Migration", customer_id=int(str(customer["id"])), administrator_ids=[admin.id]),
        )
        assert project["status"] == "pending" and project["administrator_ids"] == [admin.id]
        action = await projects.create_action(session, SYSTEM, ActionCreate(project_id=project["id"], title="Copy"))
        done = await projects.update_action(session, SYSTEM, action["id"], ActionUpdate(status=ActionStatus.COMPLETED))
        assert done["completed_at"] is not None
        first = await projects.create_topic(session, SYSTEM, TopicCreate(project_id=project["id"], title="Plan"))
        reply = await projects.create_topic(session, SYSTEM, TopicCreate(thread_id=first["id"], title="Re: Plan"))
        nested = await projects.create_topic(session, SYSTEM, TopicCreate(thread_id=reply["id"], title="Re: Re"))
        assert reply["project_id"] == project["id"] and nested["thread_id"] == first["id"]
        threads, total = await projects.list_threads(
            session, SYSTEM, filters={"project_id": project["id"]}, limit=50, offset=0
        )
        assert total == 1 and [r["id"] for r in threads[0]["replies"]] == [reply["id"], nested["id"]]
        log = await projects.create_time_log(
            session,
            SYSTEM,
            TimeLogCreate(
                action_id=action["id"],
                administrator_id=admin.id,
                started_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
                ended_at=datetime(2026, 12, 1, 10, 30, tzinfo=UTC),
                rate_minor=6000,
            ),
        )
        assert log["project_id"] == project["id"] and log["duration_seconds"] == 5400
        with pytest.raises(ValidationFailed) as refused:
            await projects.create_time_log(
                session,
                SYSTEM,
                TimeLogCreate(
                    project_id=project["id"],
                    started_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
                    ended_at=datetime(2026, 12, 1, 8, tzinfo=UTC),
                ),
            )
        assert "ended_at" in refused.value.fields
        with pytest.raises(ValidationFailed) as refused:
            await projects.update_project(session, SYSTEM, project["id"], ProjectUpdate(customer_id=10**9))
        assert "customer_id" in refused.value.fields
        await projects.delete_project(session, SYSTEM, project["id"])
        with pytest.raises(ProjectNotFound):
            await projects.get_project(session, SYSTEM, project["id"])
        logs, total = await projects.list_time_logs(session, SYSTEM, filters={}, limit=10, offset=0)
        assert total == 0 and logs == []


async def test_a_project_of_the_other_mode_is_not_found(runtime: Runtime) -> None:
    async with runtime.db.transaction() as session:
        project = await projects.create_project(session, SYSTEM, ProjectCreate(title="Live"))
        with pytest.raises(ProjectNotFound):
            await projects.get_project(session, Principal.system(livemode=False), project["id"])


async def test_time_is_invoiced_exactly_once_even_when_asked_twice_at_once(runtime: Runtime) -> None:
    customer = await make_customer(runtime, currency="EUR")
    async with runtime.db.transaction() as session:
        project = await projects.create_project(
            session, SYSTEM, ProjectCreate(title="Build", customer_id=int(str(customer["id"])))
        )
        for hours in (1, 2):
            await projects.create_time_log(
                session,
                SYSTEM,
                TimeLogCreate(
                    project_id=project["id"],
                    description=f"{hours} h",
                    started_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
                    duration_seconds=hours * 3600,
                    rate_minor=5000,
                ),
            )

    async def invoice() -> dict[str, object] | Exception:
        try:
            async with runtime.db.transaction() as session:
                return await projects.invoice_time(session, SYSTEM, project["id"])
        except Conflict as exc:
            return exc

    outcomes = await asyncio.gather(invoice(), invoice())
    invoiced = [outcome for outcome in outcomes if isinstance(outcome, dict)]
    assert len(invoiced) == 1 and sum(isinstance(outcome, Conflict) for outcome in outcomes) == 1
    assert invoiced[0]["currency"] == "EUR"
    async with runtime.db.reader() as session:
        logs, _ = await projects.list_time_logs(
            session, SYSTEM, filters={"project_id": project["id"]}, limit=9, offset=0
        )
        bill = await billing.get_invoice(session, SYSTEM, int(str(invoiced[0]["invoice_id"])))
    assert {log["invoice_id"] for log in logs} == {invoiced[0]["invoice_id"]}
    assert [item["amount_minor"] for item in bill["items"]] == [5000, 10000]
    assert projects.time_amount_minor(6000, 5400) == 9000 and projects.time_amount_minor(1, 1800) == 1
