"""Rules of telephony: servers and their line capacity, entities and their number intervals, free numbers,
templates and their conditional fields, lines and their numbers, and who may see what.

A super-administrator (or the platform) sees everything; any other administrator only the entities it is granted,
their lines, the servers they sit on and the templates available to them: anything else reads as absent (404).
Every change of a line queues a job (``SYNC_ACCOUNT_JOB``) in the same transaction; the job brings the PBX in line.
"""

from __future__ import annotations

import secrets
import string
import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.config import get_settings
from hostlane.core.errors import Taken, ValidationFailed
from hostlane.core.passwords import hash_password_off_loop, random_token
from hostlane.identity import audit
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.jobs import outbox
from hostlane.models import (
    Administrator,
    CallerIdMode,
    LineTemplate,
    PbxEntity,
    PbxLine,
    PbxServer,
    SipNaming,
    VoicemailNumberMode,
)
from hostlane.telephony import repository as repo
from hostlane.telephony.errors import (
    EntityHasLines,
    EntityNotFound,
    LineNotFound,
    ServerFull,
    ServerNotFound,
    SuperAdministratorOnly,
    TemplateInUse,
    TemplateNotFound,
)
from hostlane.telephony.schemas import (
    AdministratorCreate,
    AdministratorUpdate,
    EntityCreate,
    EntityUpdate,
    Interval,
    LineCreate,
    LineUpdate,
    Operator,
    ServerCreate,
    TemplateCreate,
    TemplateUpdate,
    template_rules,
)

Row = dict[str, Any]
SYNC_ACCOUNT_JOB = "telephony.sync_account"
CONFIGURE_SERVER_JOB = "telephony.configure_server"
SYNCHRONIZE_JOB = "telephony.synchronize"
PROVISIONING_CODE_DIGITS = 6
_SIP_NAME_ALPHABET = string.ascii_lowercase + string.digits


def require_super(operator: Operator) -> None:
    if not operator.is_super:
        raise SuperAdministratorOnly()


async def operator_for(session: AsyncSession, principal: Principal, *, super_admin: bool) -> Operator:
    """The operator of an administrator: every entity for a super-administrator, else its granted ones."""
    if super_admin or principal.id is None:
        return Operator(principal, None)
    grants = await repo.grants_of(session, [principal.id])
    return Operator(principal, frozenset(grants.get(principal.id, [])))


def admin_principal(admin_id: int, *, ip: str | None) -> Principal:
    return Principal(PrincipalKind.ADMIN, admin_id, frozenset({"*"}), True, None, ip)


# Servers


def _server_row(row: Row) -> Row:
    return {**row, "remaining": max(0, row["capacity"] - row["lines"])}


async def list_servers(session: AsyncSession, operator: Operator) -> list[Row]:
    return [_server_row(row) for row in await repo.servers(session, operator.livemode, operator.entity_ids)]


async def get_server(session: AsyncSession, operator: Operator, server_id: int) -> Row:
    row = await repo.server(session, operator.livemode, operator.entity_ids, server_id)
    if row is None:
        raise ServerNotFound()
    return _server_row(row)


async def create_server(session: AsyncSession, operator: Operator, data: ServerCreate) -> Row:
    """A new server; with ``configure``, a job configures it through its driver (the answer does not wait)."""
    require_super(operator)
    if await repo.server_name_taken(session, operator.livemode, data.name):
        raise Taken("name")
    server_uuid = str(data.uuid or uuid.uuid4())
    if data.uuid is not None and await repo.server_uuid_taken(session, server_uuid):
        raise Taken("uuid")
    capacity = data.capacity if data.capacity is not None else get_settings().pbx_default_capacity
    server = PbxServer(livemode=operator.livemode, uuid=server_uuid, name=data.name, host=data.host, capacity=capacity)
    await audit.created(session, operator.principal, server, "pbx_server", data.model_dump(mode="json"))
    if data.configure:
        outbox.enqueue(session, CONFIGURE_SERVER_JOB, {"server_id": server.id}, key=f"pbx-server:{server.id}")
    return await get_server(session, operator, server.id)


async def synchronize(session: AsyncSession, operator: Operator) -> None:
    """Queue a job that pushes every line of every server of the caller's mode to its PBX again."""
    require_super(operator)
    outbox.enqueue(session, SYNCHRONIZE_JOB, {"livemode": operator.livemode}, key="pbx-synchronize")
    audit.record(session, operator.principal, "pbx_server.synchronize", "pbx_server", None)


# Entities


async def list_entities(session: AsyncSession, operator: Operator) -> list[Row]:
    rows = await repo.entities(session, operator.livemode, operator.entity_ids)
    return [_entity_row(row) for row in rows]


def _entity_row(row: Row) -> Row:
    return {**row, "server": _server_row(row["server"])}


async def get_entity(session: AsyncSession, operator: Operator, key: str) -> Row:
    row = await repo.entity_by_key(session, operator.livemode, operator.entity_ids, key)
    if row is None:
        raise EntityNotFound()
    return _entity_row(row)


async def _check_intervals(
    session: AsyncSession, server_id: int, intervals: list[Interval], *, except_entity_id: int | None
) -> list[Row]:
    """The intervals as rows, refused (422 naming the interval) if two of them, or one of them and another
    entity's on the same server, share a number."""
    rows: list[Row] = []
    for index, interval in enumerate(intervals):
        field = f"intervals.{index}"
        for earlier, other in enumerate(intervals[:index]):
            if other.length == interval.length and other.low <= interval.high and interval.low <= other.high:
                raise ValidationFailed.field(field, f"The interval overlaps interval {earlier} of the same entity.")
        clash = await repo.overlapping_interval(
            session, server_id, interval.length, interval.low, interval.high, except_entity_id=except_entity_id
        )
        if clash is not None:
            shown = clash["first"] if clash["last"] is None else f"{clash['first']}-{clash['last']}"
            raise ValidationFailed.field(
                field, f"The interval overlaps {shown} of the entity {clash['entity_name']} on the same server."
            )
        rows.append(
            {
                "first": interval.first,
                "last": interval.last,
                "length": interval.length,
                "low": interval.low,
                "high": interval.high,
            }
        )
    return rows


async def _locked_server(session: AsyncSession, operator: Operator, server_id: int, field: str) -> PbxServer:
    server = await repo.lock_server(session, operator.livemode, server_id)
    if server is None:
        raise ValidationFailed.field(field, f"The server {server_id} does not exist.")
    return server


async def create_entity(session: AsyncSession, operator: Operator, data: EntityCreate) -> Row:
    require_super(operator)
    server = await _locked_server(session, operator, data.server_id, "server_id")
    if await repo.entity_name_taken(session, server.id, data.name):
        raise Taken("name")
    intervals = await _check_intervals(session, server.id, data.intervals, except_entity_id=None)
    entity = PbxEntity(
        livemode=operator.livemode,
        server_id=server.id,
        name=data.name,
        display_name=data.display_name,
        presented_number=data.presented_number,
    )
    await audit.created(session, operator.principal, entity, "pbx_entity", data.model_dump())
    await repo.replace_intervals(session, entity.id, server.id, intervals)
    return await get_entity(session, operator, f"{entity.name}@{server.uuid}")


async def _locked_entity(session: AsyncSession, operator: Operator, key: str) -> tuple[Row, PbxEntity]:
    row = await repo.entity_by_key(session, operator.livemode, operator.entity_ids, key)
    if row is None:
        raise EntityNotFound()
    entity = await repo.lock_entity(session, row["id"])
    if entity is None:
        raise EntityNotFound()
    return row, entity


async def update_entity(session: AsyncSession, operator: Operator, key: str, data: EntityUpdate) -> Row:
    """Change what is given. The intervals must keep every line of the entity inside them; an entity with lines
    stays on its server."""
    row, entity = await _locked_entity(session, operator, key)
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(changes, "name", "display_name", "server_id", "intervals", "presented_number")
    server_id = changes.get("server_id", entity.server_id)
    if server_id != entity.server_id and await repo.entity_has_lines(session, entity.id):
        raise ValidationFailed.field("server_id", "An entity with lines cannot move to another server.")
    server = await _locked_server(session, operator, server_id, "server_id")
    name = changes.get("name", entity.name)
    if (name, server_id) != (entity.name, entity.server_id) and await repo.entity_name_taken(
        session, server_id, name, except_id=entity.id
    ):
        raise Taken("name")
    if data.intervals is not None:
        intervals = await _check_intervals(session, server_id, data.intervals, except_entity_id=entity.id)
        ranges = [(i["length"], i["low"], i["high"]) for i in intervals]
        outside = await repo.first_line_outside(session, entity.id, ranges)
        if outside is not None:
            raise ValidationFailed.field("intervals", f"The line {outside} would be outside the entity's intervals.")
        await repo.replace_intervals(session, entity.id, server_id, intervals)
    elif server_id != entity.server_id:
        current = [Interval(first=i["first"], last=i["last"]) for i in row["intervals"]]
        await _check_intervals(session, server_id, current, except_entity_id=entity.id)
        await repo.move_intervals(session, entity.id, server_id)
    for field in ("name", "display_name", "presented_number"):
        if field in changes:
            setattr(entity, field, changes[field])
    entity.server_id = server_id
    await session.flush()
    if "presented_number" in changes:  # the caller id of the entity's lines
        for account_server, username in await repo.accounts(session, entity_id=entity.id):
            _queue_sync(session, account_server, username)
    audit.record(session, operator.principal, "pbx_entity.update", "pbx_entity", entity.id, changes)
    return await get_entity(session, operator, f"{entity.name}@{server.uuid}")


async def delete_entity(session: AsyncSession, operator: Operator, key: str) -> Row:
    row, entity = await _locked_entity(session, operator, key)
    if await repo.entity_has_lines(session, entity.id):
        raise EntityHasLines()
    await repo.delete_entity(session, entity.id)
    audit.record(session, operator.principal, "pbx_entity.delete", "pbx_entity", entity.id, {"key": row["key"]})
    return _entity_row(row)


def free_numbers_limit(limit: int | None) -> int:
    settings = get_settings()
    if limit is None:
        return settings.available_numbers_page
    if not 1 <= limit <= settings.available_numbers_max_page:
        raise ValidationFailed.field("limit", f"The limit must be between 1 and {settings.available_numbers_max_page}.")
    return limit


async def available_numbers(
    session: AsyncSession, operator: Operator, key: str, *, limit: int | None = None
) -> list[str]:
    """The first ``limit`` numbers of the entity's intervals that no line of its server uses, in order (by
    length, then value). The intervals are never materialised: each step reads the next used numbers of one
    range (an index range scan) and yields the gaps before them; a long run of used numbers is skipped by one
    query that finds its end inside the database. A page costs about ``limit`` rows read, plus that walk."""
    entity = await get_entity(session, operator, key)
    wanted = free_numbers_limit(limit)
    found: list[str] = []
    batch = max(wanted, 256)
    for interval in sorted(entity["intervals"], key=lambda i: (i["length"], i["low"])):
        length, cursor, high = interval["length"], interval["low"], interval["high"]
        while cursor <= high and len(found) < wanted:
            used = await repo.used_numbers(session, entity["server_id"], length, cursor, high, limit=batch)
            if used and used[0] == cursor and len(used) == batch:  # inside a long run of used numbers: skip it
                after = await repo.end_of_run(session, entity["server_id"], length, cursor, high)
                cursor = after if after is not None else high + 1
                continue
            for value in used:
                while cursor < value and len(found) < wanted:
                    found.append(f"{cursor:0{length}d}")
                    cursor += 1
                if len(found) >= wanted:
                    break
                cursor = value + 1
            if len(used) < batch:  # no more used numbers in the range: the rest is free
                while cursor <= high and len(found) < wanted:
                    found.append(f"{cursor:0{length}d}")
                    cursor += 1
                break
        if len(found) >= wanted:
            break
    return found


# Templates


async def list_templates(session: AsyncSession, operator: Operator) -> list[Row]:
    return await repo.templates(session, operator.livemode, operator.entity_ids)


async def get_template(session: AsyncSession, operator: Operator, template_id: int) -> Row:
    found = await repo.templates(session, operator.livemode, operator.entity_ids, ids=[template_id])
    if not found:
        raise TemplateNotFound()
    return found[0]


async def _template_targets(
    session: AsyncSession, operator: Operator, server_ids: list[int] | None, entity_keys: list[str] | None
) -> tuple[list[int] | None, list[int] | None]:
    """The servers and entities a template is made available to, each checked to exist (422 naming it)."""
    checked_servers: list[int] | None = None
    if server_ids is not None:
        known = {row["id"] for row in await repo.servers(session, operator.livemode, None, ids=server_ids)}
        for index, server_id in enumerate(server_ids):
            if server_id not in known:
                raise ValidationFailed.field(f"server_ids.{index}", f"The server {server_id} does not exist.")
        checked_servers = list(dict.fromkeys(server_ids))
    checked_entities: list[int] | None = None
    if entity_keys is not None:
        rows = await repo.entities(session, operator.livemode, operator.entity_ids, keys=entity_keys)
        by_key = {row["key"]: row["id"] for row in rows}
        for index, key in enumerate(entity_keys):
            if key not in by_key:
                raise ValidationFailed.field(f"entity_keys.{index}", f"The entity {key} does not exist.")
        checked_entities = list(dict.fromkeys(by_key[key] for key in entity_keys))
    return checked_servers, checked_entities


def _refuse_broken_rules(values: dict[str, Any]) -> None:
    problems = template_rules(values)
    if problems:
        first = next(iter(problems.values()))
        raise ValidationFailed(first, fields={name: [text] for name, text in problems.items()})


_TEMPLATE_COLUMNS = (
    "name",
    "sip_naming",
    "ringing_seconds",
    "routed_inbound",
    "inbound_prefix",
    "caller_id_mode",
    "custom_caller_id",
    "voicemail_enabled",
    "voicemail_number_mode",
    "voicemail_custom_number",
    "voicemail_send_email",
)


def _tidy(values: dict[str, Any]) -> dict[str, Any]:
    """Conditional fields whose condition does not hold are not kept."""
    if not values.get("routed_inbound"):
        values["inbound_prefix"] = None
    if values.get("caller_id_mode") != CallerIdMode.CUSTOM:
        values["custom_caller_id"] = None
    if values.get("voicemail_number_mode") != VoicemailNumberMode.CUSTOM:
        values["voicemail_custom_number"] = None
    return values


async def create_template(session: AsyncSession, operator: Operator, data: TemplateCreate) -> Row:
    require_super(operator)
    values = data.model_dump()
    _refuse_broken_rules(values)
    server_ids, entity_ids = await _template_targets(session, operator, data.server_ids, data.entity_keys)
    template = LineTemplate(livemode=operator.livemode, **_tidy({name: values[name] for name in _TEMPLATE_COLUMNS}))
    await audit.created(session, operator.principal, template, "line_template", values)
    await repo.replace_template_links(session, template.id, server_ids=server_ids, entity_ids=entity_ids)
    return await get_template(session, operator, template.id)


async def update_template(session: AsyncSession, operator: Operator, template_id: int, data: TemplateUpdate) -> Row:
    require_super(operator)
    template = await repo.lock_template(session, operator.livemode, template_id)
    if template is None:
        raise TemplateNotFound()
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(changes, *(n for n in _TEMPLATE_COLUMNS if n.endswith(("name", "seconds", "mode"))))
    ValidationFailed.refuse_nulls(changes, "routed_inbound", "voicemail_enabled", "voicemail_send_email")
    merged = {name: changes.get(name, getattr(template, name)) for name in _TEMPLATE_COLUMNS}
    _refuse_broken_rules(merged)
    server_ids, entity_ids = await _template_targets(
        session, operator, changes.get("server_ids"), changes.get("entity_keys")
    )
    for name, value in _tidy(merged).items():
        setattr(template, name, value)
    await session.flush()
    await repo.replace_template_links(session, template.id, server_ids=server_ids, entity_ids=entity_ids)
    audit.record(session, operator.principal, "line_template.update", "line_template", template_id, changes)
    await _resync_template_lines(session, template_id)
    return await get_template(session, operator, template_id)


async def _resync_template_lines(session: AsyncSession, template_id: int) -> None:
    """A template's ringing time, caller id and voicemail are part of each of its lines on the PBX."""
    for server_id, username in await repo.accounts(session, template_id=template_id):
        _queue_sync(session, server_id, username)


async def delete_template(session: AsyncSession, operator: Operator, template_id: int) -> Row:
    require_super(operator)
    row = await get_template(session, operator, template_id)
    if await repo.lock_template(session, operator.livemode, template_id) is None:
        raise TemplateNotFound()
    if await repo.template_in_use(session, template_id):
        raise TemplateInUse()
    await repo.delete_template(session, template_id)
    audit.record(session, operator.principal, "line_template.delete", "line_template", template_id)
    return row


# Lines


def external_number(row: Row) -> str | None:
    """The number that reaches the line from outside: the template's inbound prefix and the internal number when
    the template routes inbound calls, else none."""
    if row.get("routed_inbound") and row.get("inbound_prefix"):
        return f"{row['inbound_prefix']}{row['internal_number']}"
    return None


async def _with_entities(session: AsyncSession, operator: Operator, rows: list[Row]) -> list[Row]:
    entities = {
        row["id"]: _entity_row(row)
        for row in await repo.entities(session, operator.livemode, None, ids={r["entity_id"] for r in rows})
    }
    return [{**row, "external_number": external_number(row), "entity": entities[row["entity_id"]]} for row in rows]


async def list_lines(session: AsyncSession, operator: Operator, *, entity_key: str | None = None) -> list[Row]:
    entity_id = None
    if entity_key is not None:
        entity_id = (await get_entity(session, operator, entity_key))["id"]
    rows = await repo.lines(session, operator.livemode, operator.entity_ids, entity_id=entity_id)
    return await _with_entities(session, operator, rows)


async def get_line(session: AsyncSession, operator: Operator, line_id: int) -> Row:
    rows = await repo.lines(session, operator.livemode, operator.entity_ids, line_id=line_id)
    if not rows:
        raise LineNotFound()
    return (await _with_entities(session, operator, rows))[0]


def _queue_sync(session: AsyncSession, server_id: int, username: str) -> None:
    """Queue the job that makes the PBX account ``username`` of the server match the database (created, changed
    or removed); jobs of one account run in order."""
    outbox.enqueue(
        session,
        SYNC_ACCOUNT_JOB,
        {"server_id": server_id, "username": username},
        key=f"pbx-account:{server_id}:{username}"[:64],
    )


async def _entity_for_line(session: AsyncSession, operator: Operator, key: str) -> Row:
    row = await repo.entity_by_key(session, operator.livemode, operator.entity_ids, key)
    if row is None:
        message = f"The entity {key} does not exist."
        raise EntityNotFound(message, fields={"entity_key": [message]})
    return row


async def _template_for(session: AsyncSession, operator: Operator, template_id: int, entity: Row) -> LineTemplate:
    found = await repo.templates(session, operator.livemode, operator.entity_ids, ids=[template_id])
    template = await session.get(LineTemplate, template_id) if found else None
    if template is None:
        raise ValidationFailed.field("template_id", f"The template {template_id} does not exist.")
    if not await repo.template_available(session, template_id, entity["id"], entity["server_id"]):
        raise ValidationFailed.field(
            "template_id", f"The template {template_id} is not available to the entity {entity['key']}."
        )
    return template


def _check_number(entity: Row, number: str) -> None:
    value, length = int(number), len(number)
    if not any(i["length"] == length and i["low"] <= value <= i["high"] for i in entity["intervals"]):
        raise ValidationFailed.field("internal_number", f"The number {number} is not in the entity's intervals.")


async def _unique_code(session: AsyncSession, server_id: int) -> str:
    for _ in range(20):
        code = "".join(secrets.choice(string.digits) for _ in range(PROVISIONING_CODE_DIGITS))
        if code[0] != "0" and not await repo.code_taken(session, server_id, "provisioning_code", code):
            return code
    raise ServerFull("No provisioning code is left on the server.")


async def _sip_username(session: AsyncSession, server_id: int, naming: SipNaming, number: str) -> str:
    if naming is SipNaming.NUMBER:
        return number
    for _ in range(20):
        name = "l" + "".join(secrets.choice(_SIP_NAME_ALPHABET) for _ in range(11))
        if not await repo.code_taken(session, server_id, "sip_username", name):
            return name
    raise ServerFull("No SIP name is left on the server.")


async def _insert_line(session: AsyncSession, line: PbxLine) -> None:
    """Insert the line; the unique constraint on (server, number) decides between concurrent creates of one
    number: the loser's insert fails here and becomes a 422, not a 500."""
    try:
        async with session.begin_nested():
            session.add(line)
            await session.flush()
    except IntegrityError:
        if await repo.number_taken(session, line.server_id, line.internal_number, except_id=line.id):
            raise Taken("internal_number") from None
        raise


async def create_line(
    session: AsyncSession, operator: Operator, data: LineCreate, *, service_id: int | None = None
) -> Row:
    entity = await _entity_for_line(session, operator, data.entity_key)
    server = await _locked_server(session, operator, entity["server_id"], "entity_key")
    if await repo.count_lines(session, server.id) >= server.capacity:
        raise ServerFull()
    template = await _template_for(session, operator, data.template_id, entity)
    _check_number(entity, data.internal_number)
    if await repo.number_taken(session, server.id, data.internal_number):
        raise Taken("internal_number")
    line = PbxLine(
        livemode=operator.livemode,
        server_id=server.id,
        entity_id=entity["id"],
        template_id=template.id,
        first_name=data.first_name,
        last_name=data.last_name,
        internal_number=data.internal_number,
        number_length=len(data.internal_number),
        number_value=int(data.internal_number),
        email=data.email,
        cti_login=data.cti_login,
        cti_password_hash=await hash_password_off_loop(data.cti_password) if data.cti_password else None,
        provisioning_code=await _unique_code(session, server.id),
        sip_username=await _sip_username(session, server.id, template.sip_naming, data.internal_number),
        sip_secret=random_token(24),
        service_id=service_id,
    )
    await _insert_line(session, line)
    audit.record(
        session, operator.principal, "pbx_line.create", "pbx_line", line.id, data.model_dump(exclude={"cti_password"})
    )
    _queue_sync(session, server.id, line.sip_username)
    return await get_line(session, operator, line.id)


async def update_line(session: AsyncSession, operator: Operator, line_id: int, data: LineUpdate) -> Row:
    line = await repo.lock_line(session, operator.livemode, operator.entity_ids, line_id)
    if line is None:
        raise LineNotFound()
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(changes, "entity_key", "template_id", "first_name", "last_name", "internal_number")
    current = await get_line(session, operator, line_id)
    entity = current["entity"]
    if "entity_key" in changes and changes["entity_key"] != entity["key"]:
        entity = await _entity_for_line(session, operator, changes["entity_key"])
        if entity["server_id"] != line.server_id:
            raise ValidationFailed.field("entity_key", "A line cannot move to an entity of another server.")
    await _locked_server(session, operator, line.server_id, "entity_key")
    template_id = changes.get("template_id", line.template_id)
    if template_id != line.template_id or entity["id"] != line.entity_id:
        await _template_for(session, operator, template_id, entity)
    number = changes.get("internal_number", line.internal_number)
    if number != line.internal_number or entity["id"] != line.entity_id:
        _check_number(entity, number)
        if await repo.number_taken(session, line.server_id, number, except_id=line.id):
            raise Taken("internal_number")
    previous_username = line.sip_username
    if number != line.internal_number and line.sip_username == line.internal_number:
        line.sip_username = number  # a SIP account named after its number follows it
    line.entity_id, line.template_id = entity["id"], template_id
    line.internal_number, line.number_length, line.number_value = number, len(number), int(number)
    for field in ("first_name", "last_name"):
        if field in changes:
            setattr(line, field, changes[field])
    if "cti_login" in changes:
        line.cti_login = changes["cti_login"] or None
    if "cti_password" in changes:
        password = changes["cti_password"]
        line.cti_password_hash = await hash_password_off_loop(password) if password else None
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Taken("internal_number") from None
    audit.record(
        session,
        operator.principal,
        "pbx_line.update",
        "pbx_line",
        line_id,
        {k: v for k, v in changes.items() if k != "cti_password"},
    )
    if previous_username != line.sip_username:
        _queue_sync(session, line.server_id, previous_username)
    _queue_sync(session, line.server_id, line.sip_username)
    return await get_line(session, operator, line_id)


async def delete_line(session: AsyncSession, operator: Operator, line_id: int) -> Row:
    row = await get_line(session, operator, line_id)
    line = await repo.lock_line(session, operator.livemode, operator.entity_ids, line_id)
    if line is None:
        raise LineNotFound()
    await session.delete(line)
    await session.flush()
    audit.record(
        session, operator.principal, "pbx_line.delete", "pbx_line", line_id, {"number": row["internal_number"]}
    )
    _queue_sync(session, row["server_id"], row["sip_username"])
    return row


async def set_line_suspended(session: AsyncSession, line: PbxLine, *, suspended: bool) -> None:
    """Suspend (the SIP account stops registering) or restore a line; the PBX follows by a job."""
    if line.suspended != suspended:
        line.suspended = suspended
        await session.flush()
        _queue_sync(session, line.server_id, line.sip_username)


# Administrators' entities


async def grants_of(session: AsyncSession, admin_ids: list[int]) -> dict[int, list[int]]:
    return await repo.grants_of(session, admin_ids)


async def set_grants(session: AsyncSession, operator: Operator, admin_id: int, entity_ids: list[int]) -> list[int]:
    """Grant the administrator exactly these entities (each must exist: 422 naming it)."""
    require_super(operator)
    known = await repo.existing_entity_ids(session, operator.livemode, entity_ids)
    for index, entity_id in enumerate(entity_ids):
        if entity_id not in known:
            raise ValidationFailed.field(f"entity_ids.{index}", f"The entity {entity_id} does not exist.")
    granted = list(dict.fromkeys(entity_ids))
    await repo.replace_grants(session, admin_id, granted)
    audit.record(session, operator.principal, "administrator.grant", "administrator", admin_id, {"entities": granted})
    return granted


# Administrators, with the entities they manage (identity keeps the accounts; telephony the grants)

NO_EMAIL_DOMAIN = "no-email.invalid"  # an administrator made with a login only (RFC 2606: never delivered)


async def _with_grants(session: AsyncSession, operator: Operator, admins: list[Administrator]) -> list[Row]:
    grants = await repo.grants_of(session, [admin.id for admin in admins])
    wanted = {entity_id for ids in grants.values() for entity_id in ids}
    entities = {
        row["id"]: _entity_row(row) for row in await repo.entities(session, operator.livemode, None, ids=wanted)
    }
    return [
        {
            "id": admin.id,
            "login": admin.login,
            "name": admin.name,
            "super_admin": admin.is_super_admin,
            "uses_ldap": admin.uses_ldap,
            "entities": [entities[i] for i in grants.get(admin.id, []) if i in entities],
        }
        for admin in admins
    ]


async def list_administrators(session: AsyncSession, operator: Operator) -> list[Row]:
    require_super(operator)
    return await _with_grants(session, operator, await identity.list_administrators(session))


async def get_administrator(session: AsyncSession, operator: Operator, admin_id: int) -> Row:
    require_super(operator)
    return (await _with_grants(session, operator, [await identity.get_administrator(session, admin_id)]))[0]


async def create_administrator(session: AsyncSession, operator: Operator, data: AdministratorCreate) -> Row:
    require_super(operator)
    if not data.uses_ldap and not data.password:
        raise ValidationFailed.field("password", "The password is required unless the administrator uses LDAP.")
    admin = await identity.create_administrator(
        session,
        operator.principal,
        login=data.login,
        email=f"{data.login}@{NO_EMAIL_DOMAIN}",
        password=data.password,
        name=data.name,
        super_admin=data.super_admin,
        uses_ldap=data.uses_ldap,
    )
    await set_grants(session, operator, admin.id, data.entity_ids)
    return await get_administrator(session, operator, admin.id)


async def update_administrator(
    session: AsyncSession, operator: Operator, admin_id: int, data: AdministratorUpdate
) -> Row:
    require_super(operator)
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(changes, "login", "name", "super_admin", "uses_ldap", "entity_ids")
    await identity.update_administrator(
        session,
        operator.principal,
        admin_id,
        login=changes.get("login"),
        name=changes.get("name"),
        password=changes.get("password") or None,
        super_admin=changes.get("super_admin"),
        uses_ldap=changes.get("uses_ldap"),
    )
    if "entity_ids" in changes:
        await set_grants(session, operator, admin_id, changes["entity_ids"])
    return await get_administrator(session, operator, admin_id)


async def delete_administrator(session: AsyncSession, operator: Operator, admin_id: int) -> Row:
    row = await get_administrator(session, operator, admin_id)
    await identity.delete_administrator(session, operator.principal, admin_id)
    return row
