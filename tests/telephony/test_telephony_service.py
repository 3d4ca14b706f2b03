"""The telephony domain's rules, called through its service with the real database and the PBX simulator."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from hostlane.core import clock
from hostlane.core.db import bulk_insert
from hostlane.core.errors import Forbidden, HostlaneError, NotFound, ValidationFailed
from hostlane.core.passwords import verify_password
from hostlane.drivers.pbx import SimulatorPbx
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.jobs.runner import drain
from hostlane.models import Job, PbxLine
from hostlane.runtime import Runtime
from hostlane.telephony import service as telephony
from hostlane.telephony.errors import EntityHasLines, ServerFull
from hostlane.telephony.schemas import EntityUpdate, Interval, LineUpdate, Operator, TemplateCreate, TemplateUpdate
from tests.telephony.helpers import SYSTEM, make_entity, make_line, make_server, make_template, setup


def pbx(runtime: Runtime) -> SimulatorPbx:
    assert isinstance(runtime.pbx, SimulatorPbx)
    return runtime.pbx


# Intervals


@pytest.mark.parametrize(
    ("first", "last", "problem"),
    [
        ("17a0", "1799", "string_pattern_mismatch"),
        ("1799", "1700", "start 1799 is after its end 1700"),
        ("170", "1799", "same number of digits"),
        ("", "1799", "string_pattern_mismatch"),
    ],
)
def test_an_interval_is_digits_in_order_of_one_length(first: str, last: str, problem: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Interval.model_validate({"first": first, "last": last})
    assert problem in str(refused.value)


def test_an_empty_end_is_the_single_number() -> None:
    interval = Interval.model_validate({"first": "1961", "last": ""})
    assert (interval.last, interval.low, interval.high) == (None, 1961, 1961)


async def test_intervals_of_two_entities_of_one_server_never_overlap(runtime: Runtime) -> None:
    server = await make_server(runtime)
    await make_entity(runtime, server["id"], "a", intervals=[("1700", "1799")])
    with pytest.raises(ValidationFailed) as refused:
        await make_entity(runtime, server["id"], "b", intervals=[("2000", "2099"), ("1799", "1800")])
    assert list(refused.value.fields) == ["intervals.1"]
    assert "1700-1799 of the entity a" in refused.value.message
    # Another length, another server: no overlap.
    await make_entity(runtime, server["id"], "c", intervals=[("17000", "17999")])
    other = await make_server(runtime, "xivo-221")
    await make_entity(runtime, other["id"], "d", intervals=[("1700", "1799")])


async def test_intervals_of_one_entity_never_overlap_each_other(runtime: Runtime) -> None:
    server = await make_server(runtime)
    with pytest.raises(ValidationFailed) as refused:
        await make_entity(runtime, server["id"], "a", intervals=[("1700", "1799"), ("1750", "")])
    assert list(refused.value.fields) == ["intervals.1"]


async def test_an_entity_keeps_its_lines_inside_its_intervals(runtime: Runtime) -> None:
    made = await setup(runtime)
    key = made["entity"]["key"]
    await make_line(runtime, key, made["template"]["id"], "1750")
    async with runtime.db.transaction() as session:
        with pytest.raises(ValidationFailed) as refused:
            await telephony.update_entity(
                session, SYSTEM, key, EntityUpdate.model_validate({"intervals": [{"first": "1700", "last": "1710"}]})
            )
    assert "1750" in refused.value.message
    async with runtime.db.transaction() as session:
        with pytest.raises(EntityHasLines):
            await telephony.delete_entity(session, SYSTEM, key)


# Available numbers


async def test_available_numbers_skip_used_ones_in_order_and_stop_at_the_limit(runtime: Runtime) -> None:
    made = await setup(runtime, intervals=[("2600", "2799"), ("1961", ""), ("1700", "1703")])
    key, template_id = made["entity"]["key"], made["template"]["id"]
    for number in ("1700", "1702", "1961"):
        await make_line(runtime, key, template_id, number)
    async with runtime.db.reader() as session:
        assert await telephony.available_numbers(session, SYSTEM, key, limit=4) == ["1701", "1703", "2600", "2601"]
        assert len(await telephony.available_numbers(session, SYSTEM, key)) == 100
        with pytest.raises(ValidationFailed):
            await telephony.available_numbers(session, SYSTEM, key, limit=0)


async def test_available_numbers_of_a_range_of_millions_keep_their_leading_zeros(runtime: Runtime) -> None:
    made = await setup(runtime, intervals=[("00000000", "09999999")])
    key = made["entity"]["key"]
    await make_line(runtime, key, made["template"]["id"], "00000000")
    async with runtime.db.reader() as session:
        assert await telephony.available_numbers(session, SYSTEM, key, limit=2) == ["00000001", "00000002"]


# Templates


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"routed_inbound": True}, "inbound_prefix"),
        ({"caller_id_mode": "custom"}, "custom_caller_id"),
        ({"voicemail_number_mode": "custom"}, "voicemail_custom_number"),
    ],
)
async def test_a_template_needs_its_conditional_fields(
    runtime: Runtime, fields: dict[str, object], missing: str
) -> None:
    async with runtime.db.transaction() as session:
        with pytest.raises(ValidationFailed) as refused:
            await telephony.create_template(session, SYSTEM, TemplateCreate.model_validate({"name": "t", **fields}))
    assert list(refused.value.fields) == [missing]


async def test_a_template_update_is_checked_whole(runtime: Runtime) -> None:
    template = await make_template(runtime, routed_inbound=True, inbound_prefix="0123")
    async with runtime.db.transaction() as session:
        with pytest.raises(ValidationFailed):
            await telephony.update_template(
                session, SYSTEM, template["id"], TemplateUpdate.model_validate({"inbound_prefix": None})
            )
        changed = await telephony.update_template(
            session, SYSTEM, template["id"], TemplateUpdate.model_validate({"routed_inbound": False})
        )
    assert changed["routed_inbound"] is False and changed["inbound_prefix"] is None


# Lines


async def test_a_line_is_made_in_its_entity_with_a_free_number_and_provisioned_by_a_job(runtime: Runtime) -> None:
    made = await setup(runtime)
    template = await make_template(
        runtime, server_ids=[made["server"]["id"]], routed_inbound=True, inbound_prefix="0155"
    )
    line = await make_line(
        runtime, made["entity"]["key"], template["id"], "1700", cti_login="alice", cti_password="pw!"
    )
    assert line["external_number"] == "01551700"
    assert len(line["provisioning_code"]) == 6 and line["provisioning_code"].isdigit()
    assert "sip_secret" not in line and "cti_password_hash" not in line and line["has_cti_password"] is True
    async with runtime.db.reader() as session:
        stored = await session.get(PbxLine, line["id"])
    assert stored is not None and stored.cti_password_hash != "pw!" and verify_password(stored.cti_password_hash, "pw!")
    assert pbx(runtime).state.calls["put_line"] == 0  # the answer does not wait for the PBX
    await drain(runtime)
    account = pbx(runtime).server(made["server"]["uuid"]).lines[stored.sip_username]
    assert (account.number, account.secret, account.caller_id) == ("1700", stored.sip_secret, "01551700")
    for number, problem in (("1800", "not in the entity's intervals"), ("1700", "already been taken")):
        with pytest.raises(ValidationFailed) as refused:
            await make_line(runtime, made["entity"]["key"], template["id"], number)
        assert list(refused.value.fields) == ["internal_number"] and problem in refused.value.message


async def test_a_line_needs_a_template_available_to_its_entity(runtime: Runtime) -> None:
    made = await setup(runtime)
    elsewhere = await make_template(runtime, name="elsewhere")
    with pytest.raises(ValidationFailed) as refused:
        await make_line(runtime, made["entity"]["key"], elsewhere["id"], "1700")
    assert list(refused.value.fields) == ["template_id"]
    named = await make_template(runtime, name="named", entity_keys=[made["entity"]["key"]])
    await make_line(runtime, made["entity"]["key"], named["id"], "1700")


async def test_a_server_holds_no_more_lines_than_its_capacity(runtime: Runtime) -> None:
    server = await make_server(runtime, capacity=1)
    entity = await make_entity(runtime, server["id"])
    template = await make_template(runtime, server_ids=[server["id"]])
    await make_line(runtime, entity["key"], template["id"], "1700")
    with pytest.raises(ServerFull):
        await make_line(runtime, entity["key"], template["id"], "1701")
    async with runtime.db.reader() as session:
        assert (await telephony.get_server(session, SYSTEM, server["id"]))["remaining"] == 0


async def test_the_number_of_a_line_is_unique_per_server_by_a_database_constraint(runtime: Runtime) -> None:
    made = await setup(runtime)
    line = await make_line(runtime, made["entity"]["key"], made["template"]["id"], "1700")
    async with runtime.db.transaction() as session:
        row = await session.get(PbxLine, line["id"])
        assert row is not None
        copy = {c.name: getattr(row, c.name) for c in PbxLine.__table__.c if c.name != "id"}
    copy.update(provisioning_code="999999", sip_username="other")
    with pytest.raises(IntegrityError):
        async with runtime.db.transaction() as session:
            await session.execute(sa.insert(PbxLine.__table__).values(**copy))


async def test_concurrent_creates_of_one_number_end_with_one_line(runtime: Runtime) -> None:
    made = await setup(runtime)
    key, template_id = made["entity"]["key"], made["template"]["id"]
    outcomes = await asyncio.gather(
        *(make_line(runtime, key, template_id, "1742") for _ in range(2)), return_exceptions=True
    )
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], HostlaneError) and 400 <= refused[0].status < 500, outcomes
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(PbxLine)) == 1


async def test_editing_and_deleting_a_line_follow_on_the_pbx_through_retried_jobs(runtime: Runtime) -> None:
    made = await setup(runtime)
    template = await make_template(runtime, server_ids=[made["server"]["id"]], name="by number", sip_naming="number")
    line = await make_line(runtime, made["entity"]["key"], template["id"], "1700")
    server = pbx(runtime).server(made["server"]["uuid"])
    pbx(runtime).fail_next(1)
    await drain(runtime)
    assert server.lines == {}  # the first attempt timed out; the job waits to be retried
    async with runtime.db.reader() as session:
        job = await session.scalar(sa.select(Job).where(Job.name == telephony.SYNC_ACCOUNT_JOB))
    assert job is not None and job.status == "pending" and job.attempts == 1
    async with runtime.db.transaction() as session:
        await session.execute(sa.update(Job).values(run_after=job.created_at))
    await drain(runtime)
    assert list(server.lines) == ["1700"]
    async with runtime.db.transaction() as session:
        await telephony.update_line(session, SYSTEM, line["id"], LineUpdate.model_validate({"internal_number": "1701"}))
    await drain(runtime)
    assert list(server.lines) == ["1701"]  # the account named after the number followed it
    await drain(runtime)  # running again changes nothing
    async with runtime.db.transaction() as session:
        await telephony.delete_line(session, SYSTEM, line["id"])
    await drain(runtime)
    assert server.lines == {}


async def test_configure_and_synchronize_reach_the_pbx(runtime: Runtime) -> None:
    made = await setup(runtime)
    await make_line(runtime, made["entity"]["key"], made["template"]["id"], "1700")
    configured = await make_server(runtime, "xivo-new", configure=True)
    await drain(runtime)
    assert pbx(runtime).server(configured["uuid"]).configured
    pbx(runtime).reset()
    async with runtime.db.transaction() as session:
        await telephony.synchronize(session, SYSTEM)
    await drain(runtime)
    assert len(pbx(runtime).server(made["server"]["uuid"]).lines) == 1


# Who sees what


async def test_an_administrator_sees_only_its_entities(runtime: Runtime) -> None:
    made = await setup(runtime)
    other_server = await make_server(runtime, "xivo-221")
    other = await make_entity(runtime, other_server["id"], "other")
    await make_line(
        runtime, other["key"], (await make_template(runtime, server_ids=[other_server["id"]]))["id"], "1700"
    )
    scoped = Operator(Principal(PrincipalKind.ADMIN, 99, frozenset({"*"})), frozenset({made["entity"]["id"]}))
    async with runtime.db.reader() as session:
        assert [e["key"] for e in await telephony.list_entities(session, scoped)] == [made["entity"]["key"]]
        assert [s["id"] for s in await telephony.list_servers(session, scoped)] == [made["server"]["id"]]
        assert [t["id"] for t in await telephony.list_templates(session, scoped)] == [made["template"]["id"]]
        assert await telephony.list_lines(session, scoped) == []
        with pytest.raises(NotFound):
            await telephony.get_entity(session, scoped, other["key"])
        with pytest.raises(NotFound):
            await telephony.get_server(session, scoped, other_server["id"])
    async with runtime.db.transaction() as session:
        with pytest.raises(Forbidden):
            await telephony.create_template(session, scoped, TemplateCreate.model_validate({"name": "x"}))


async def test_available_numbers_skip_a_long_run_of_used_numbers(runtime: Runtime) -> None:
    made = await setup(runtime, intervals=[("1000", "1999")])
    entity, template_id = made["entity"], made["template"]["id"]
    now = clock.now()
    used = [*range(1000, 1600), 1601, *range(1603, 1999)]  # a run longer than a read batch, two gaps, the end
    rows = [
        {
            "livemode": True,
            "server_id": entity["server_id"],
            "entity_id": entity["id"],
            "template_id": template_id,
            "first_name": "x",
            "last_name": "",
            "internal_number": str(n),
            "number_length": 4,
            "number_value": n,
            "provisioning_code": str(n),
            "sip_username": f"u{n}",
            "sip_secret": "s",
            "suspended": False,
            "created_at": now,
            "updated_at": now,
        }
        for n in used
    ]
    async with runtime.db.transaction() as session:
        await bulk_insert(session, PbxLine.__table__, rows)  # type: ignore[arg-type]
    async with runtime.db.reader() as session:
        assert await telephony.available_numbers(session, SYSTEM, entity["key"]) == ["1600", "1602", "1999"]


async def test_a_server_keeps_the_uuid_it_already_has(runtime: Runtime) -> None:
    given = "3c6d8f2a-51b7-4e0c-9a4d-7b2e1f0c5d93"
    server = await make_server(runtime, uuid=given)
    assert server["uuid"] == given
    with pytest.raises(ValidationFailed) as taken:
        await make_server(runtime, "xivo-221", uuid=given.upper())
    assert list(taken.value.fields) == ["uuid"]
    with pytest.raises(ValidationError):
        await make_server(runtime, "xivo-222", uuid="not-a-uuid")
    assert (await make_server(runtime, "xivo-223"))["uuid"] != given
