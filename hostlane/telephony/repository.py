"""All SQL of telephony. Every read takes the caller's mode and the entities it may see (``None``: all), so an
entity outside an administrator's grants, its lines and the servers it alone sits on read as absent."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.models import (
    AdministratorEntity,
    LineTemplate,
    NumberInterval,
    PbxEntity,
    PbxLine,
    PbxServer,
    TemplateEntity,
    TemplateServer,
)

SERVERS = cast(sa.Table, PbxServer.__table__)
ENTITIES = cast(sa.Table, PbxEntity.__table__)
INTERVALS = cast(sa.Table, NumberInterval.__table__)
TEMPLATES = cast(sa.Table, LineTemplate.__table__)
TEMPLATE_SERVERS = cast(sa.Table, TemplateServer.__table__)
TEMPLATE_ENTITIES = cast(sa.Table, TemplateEntity.__table__)
LINES = cast(sa.Table, PbxLine.__table__)
GRANTS = cast(sa.Table, AdministratorEntity.__table__)
Row = dict[str, Any]
Visible = frozenset[int] | None  # the entity ids a caller may see; None: every one


def _among(column: sa.ColumnElement[Any], ids: Collection[int]) -> sa.ColumnElement[bool]:
    return column.in_(list(ids)) if ids else sa.false()


# Servers: read with how many lines they hold.

_LINE_COUNT = (
    sa.select(sa.func.count())
    .where(LINES.c.server_id == SERVERS.c.id)
    .correlate(SERVERS)
    .scalar_subquery()
    .label("lines")
)
_SERVER_COLUMNS = [*SERVERS.c, _LINE_COUNT]


def _servers(livemode: bool, visible: Visible) -> sa.Select[Any]:
    statement = sa.select(*_SERVER_COLUMNS).where(SERVERS.c.livemode.is_(livemode))
    if visible is not None:
        hosting = sa.select(ENTITIES.c.server_id).where(_among(ENTITIES.c.id, visible))
        statement = statement.where(SERVERS.c.id.in_(hosting))
    return statement


async def servers(
    session: AsyncSession, livemode: bool, visible: Visible, *, ids: Iterable[int] | None = None
) -> list[Row]:
    statement = _servers(livemode, visible)
    if ids is not None:
        statement = statement.where(_among(SERVERS.c.id, set(ids)))
    return [dict(row) for row in (await session.execute(statement.order_by(SERVERS.c.id))).mappings()]


async def server(session: AsyncSession, livemode: bool, visible: Visible, server_id: int) -> Row | None:
    row = (await session.execute(_servers(livemode, visible).where(SERVERS.c.id == server_id))).mappings().first()
    return dict(row) if row is not None else None


async def lock_server(session: AsyncSession, livemode: bool, server_id: int) -> PbxServer | None:
    """The server, locked: entity intervals and line numbers of one server change one writer at a time."""
    statement = sa.select(PbxServer).where(PbxServer.id == server_id, PbxServer.livemode.is_(livemode))
    return await session.scalar(statement.with_for_update())


async def server_by_id(session: AsyncSession, server_id: int) -> PbxServer | None:
    return await session.get(PbxServer, server_id)


async def mark_configured(session: AsyncSession, server_id: int, at: datetime) -> None:
    await session.execute(sa.update(SERVERS).where(SERVERS.c.id == server_id).values(configured_at=at))


async def server_name_taken(session: AsyncSession, livemode: bool, name: str) -> bool:
    statement = sa.select(sa.literal(1)).where(
        SERVERS.c.livemode.is_(livemode), sa.func.lower(SERVERS.c.name) == name.lower()
    )
    return await session.scalar(statement.limit(1)) is not None


async def server_uuid_taken(session: AsyncSession, uuid: str) -> bool:
    return await session.scalar(sa.select(sa.literal(1)).where(SERVERS.c.uuid == uuid).limit(1)) is not None


async def server_ids(session: AsyncSession, livemode: bool | None = None) -> list[int]:
    statement = sa.select(SERVERS.c.id).order_by(SERVERS.c.id)
    if livemode is not None:
        statement = statement.where(SERVERS.c.livemode.is_(livemode))
    return [int(i) for i in (await session.scalars(statement)).all()]


# Entities: read with their server and their intervals (one query each, whatever the number of entities).


def split_key(key: str) -> tuple[str, str] | None:
    """``name@server-uuid`` -> (name, uuid), or None when it is not of that form."""
    name, at, uuid = key.rpartition("@")
    return (name, uuid) if at and name and uuid else None


def _entities(livemode: bool, visible: Visible) -> sa.Select[Any]:
    statement = sa.select(*ENTITIES.c, SERVERS.c.uuid.label("server_uuid")).join(
        SERVERS, SERVERS.c.id == ENTITIES.c.server_id
    )
    statement = statement.where(ENTITIES.c.livemode.is_(livemode))
    if visible is not None:
        statement = statement.where(_among(ENTITIES.c.id, visible))
    return statement


async def _complete(session: AsyncSession, livemode: bool, rows: list[Row]) -> list[Row]:
    """Attach each entity's key, server and intervals: two queries, whatever the number of rows."""
    if not rows:
        return rows
    by_server = {row["id"]: row for row in await servers(session, livemode, None, ids={r["server_id"] for r in rows})}
    intervals = await intervals_of(session, [row["id"] for row in rows])
    for row in rows:
        row["key"] = f"{row['name']}@{row.pop('server_uuid')}"
        row["server"] = by_server[row["server_id"]]
        row["intervals"] = intervals.get(row["id"], [])
    return rows


async def entities(
    session: AsyncSession,
    livemode: bool,
    visible: Visible,
    *,
    ids: Iterable[int] | None = None,
    keys: Iterable[str] | None = None,
) -> list[Row]:
    statement = _entities(livemode, visible)
    if ids is not None:
        statement = statement.where(_among(ENTITIES.c.id, set(ids)))
    if keys is not None:
        pairs = [pair for key in keys if (pair := split_key(key)) is not None]
        if not pairs:
            return []
        statement = statement.where(sa.tuple_(ENTITIES.c.name, SERVERS.c.uuid).in_(pairs))
    rows = [dict(row) for row in (await session.execute(statement.order_by(ENTITIES.c.id))).mappings()]
    return await _complete(session, livemode, rows)


async def entity_by_key(session: AsyncSession, livemode: bool, visible: Visible, key: str) -> Row | None:
    found = await entities(session, livemode, visible, keys=[key])
    return found[0] if found else None


async def lock_entity(session: AsyncSession, entity_id: int) -> PbxEntity | None:
    return await session.scalar(sa.select(PbxEntity).where(PbxEntity.id == entity_id).with_for_update())


async def entity_name_taken(session: AsyncSession, server_id: int, name: str, *, except_id: int | None = None) -> bool:
    statement = sa.select(sa.literal(1)).where(ENTITIES.c.server_id == server_id, ENTITIES.c.name == name)
    if except_id is not None:
        statement = statement.where(ENTITIES.c.id != except_id)
    return await session.scalar(statement.limit(1)) is not None


async def intervals_of(session: AsyncSession, entity_ids: Collection[int]) -> dict[int, list[Row]]:
    statement = (
        sa.select(*INTERVALS.c)
        .where(_among(INTERVALS.c.entity_id, entity_ids))
        .order_by(INTERVALS.c.entity_id, INTERVALS.c.id)
    )
    grouped: dict[int, list[Row]] = {}
    for row in (await session.execute(statement)).mappings():
        grouped.setdefault(row["entity_id"], []).append(dict(row))
    return grouped


async def overlapping_interval(
    session: AsyncSession, server_id: int, length: int, low: int, high: int, *, except_entity_id: int | None
) -> Row | None:
    """An interval of another entity of the server that shares a number with ``low..high`` of ``length`` digits."""
    statement = (
        sa.select(*INTERVALS.c, ENTITIES.c.name.label("entity_name"))
        .join(ENTITIES, ENTITIES.c.id == INTERVALS.c.entity_id)
        .where(
            INTERVALS.c.server_id == server_id,
            INTERVALS.c.length == length,
            INTERVALS.c.low <= high,
            INTERVALS.c.high >= low,
        )
    )
    if except_entity_id is not None:
        statement = statement.where(INTERVALS.c.entity_id != except_entity_id)
    row = (await session.execute(statement.limit(1))).mappings().first()
    return dict(row) if row is not None else None


async def replace_intervals(session: AsyncSession, entity_id: int, server_id: int, rows: list[Row]) -> None:
    await session.execute(sa.delete(INTERVALS).where(INTERVALS.c.entity_id == entity_id))
    if rows:
        await session.execute(
            sa.insert(INTERVALS), [{**row, "entity_id": entity_id, "server_id": server_id} for row in rows]
        )


async def move_intervals(session: AsyncSession, entity_id: int, server_id: int) -> None:
    await session.execute(sa.update(INTERVALS).where(INTERVALS.c.entity_id == entity_id).values(server_id=server_id))


async def first_line_outside(session: AsyncSession, entity_id: int, ranges: list[tuple[int, int, int]]) -> str | None:
    """The number of a line of the entity that lies in none of ``ranges`` (length, low, high), if any."""
    inside = [
        sa.and_(LINES.c.number_length == length, LINES.c.number_value.between(low, high))
        for length, low, high in ranges
    ]
    statement = sa.select(LINES.c.internal_number).where(LINES.c.entity_id == entity_id)
    if inside:
        statement = statement.where(sa.not_(sa.or_(*inside)))
    return await session.scalar(statement.order_by(LINES.c.id).limit(1))


async def entity_has_lines(session: AsyncSession, entity_id: int) -> bool:
    statement = sa.select(sa.literal(1)).where(LINES.c.entity_id == entity_id)
    return await session.scalar(statement.limit(1)) is not None


async def delete_entity(session: AsyncSession, entity_id: int) -> None:
    await session.execute(sa.delete(ENTITIES).where(ENTITIES.c.id == entity_id))


async def used_numbers(
    session: AsyncSession, server_id: int, length: int, start: int, end: int, *, limit: int
) -> list[int]:
    """The values of the server's line numbers of ``length`` digits from ``start`` to ``end``, ascending, at most
    ``limit`` of them: one index range scan (``ix_telephony_lines_server_length_value``)."""
    statement = (
        sa.select(LINES.c.number_value)
        .where(
            LINES.c.server_id == server_id,
            LINES.c.number_length == length,
            LINES.c.number_value >= start,
            LINES.c.number_value <= end,
        )
        .order_by(LINES.c.number_value)
        .limit(limit)
    )
    return [int(value) for value in (await session.scalars(statement)).all()]


async def end_of_run(session: AsyncSession, server_id: int, length: int, start: int, end: int) -> int | None:
    """The first free number after the run of used numbers that starts at ``start`` (which is used): the least
    used value from ``start`` to ``end`` whose successor is free, plus one. One query, whose anti-join walks the
    index in order inside the database; ``None`` when the run reaches past ``end``."""
    following = LINES.alias("following")
    successor_used = (
        sa.select(sa.literal(1))
        .where(
            following.c.server_id == LINES.c.server_id,
            following.c.number_length == LINES.c.number_length,
            following.c.number_value == LINES.c.number_value + 1,
        )
        .exists()
    )
    statement = (
        sa.select(LINES.c.number_value + 1)
        .where(
            LINES.c.server_id == server_id,
            LINES.c.number_length == length,
            LINES.c.number_value >= start,
            LINES.c.number_value <= end,
            sa.not_(successor_used),
        )
        .order_by(LINES.c.number_value)
        .limit(1)
    )
    found = await session.scalar(statement)
    return int(found) if found is not None else None


# Templates: read with the servers and entity keys they are available to.


def _templates(livemode: bool, visible: Visible) -> sa.Select[Any]:
    statement = sa.select(*TEMPLATES.c).where(TEMPLATES.c.livemode.is_(livemode))
    if visible is not None:
        # Available to one of the caller's entities: named, or through the entity's server.
        by_entity = sa.select(TEMPLATE_ENTITIES.c.template_id).where(_among(TEMPLATE_ENTITIES.c.entity_id, visible))
        by_server = sa.select(TEMPLATE_SERVERS.c.template_id).where(
            TEMPLATE_SERVERS.c.server_id.in_(sa.select(ENTITIES.c.server_id).where(_among(ENTITIES.c.id, visible)))
        )
        statement = statement.where(sa.or_(TEMPLATES.c.id.in_(by_entity), TEMPLATES.c.id.in_(by_server)))
    return statement


async def templates(
    session: AsyncSession, livemode: bool, visible: Visible, *, ids: Iterable[int] | None = None
) -> list[Row]:
    statement = _templates(livemode, visible)
    if ids is not None:
        statement = statement.where(_among(TEMPLATES.c.id, set(ids)))
    rows = [dict(row) for row in (await session.execute(statement.order_by(TEMPLATES.c.id))).mappings()]
    if not rows:
        return rows
    template_ids = [row["id"] for row in rows]
    server_links = await session.execute(
        sa.select(TEMPLATE_SERVERS.c.template_id, TEMPLATE_SERVERS.c.server_id)
        .where(TEMPLATE_SERVERS.c.template_id.in_(template_ids))
        .order_by(TEMPLATE_SERVERS.c.server_id)
    )
    entity_links = await session.execute(
        sa.select(TEMPLATE_ENTITIES.c.template_id, ENTITIES.c.name, SERVERS.c.uuid)
        .join(ENTITIES, ENTITIES.c.id == TEMPLATE_ENTITIES.c.entity_id)
        .join(SERVERS, SERVERS.c.id == ENTITIES.c.server_id)
        .where(TEMPLATE_ENTITIES.c.template_id.in_(template_ids))
        .order_by(ENTITIES.c.id)
    )
    by_id = {row["id"]: {**row, "server_ids": [], "entity_keys": []} for row in rows}
    for template_id, server_id in server_links.all():
        by_id[template_id]["server_ids"].append(server_id)
    for template_id, name, uuid in entity_links.all():
        by_id[template_id]["entity_keys"].append(f"{name}@{uuid}")
    return list(by_id.values())


async def lock_template(session: AsyncSession, livemode: bool, template_id: int) -> LineTemplate | None:
    statement = sa.select(LineTemplate).where(LineTemplate.id == template_id, LineTemplate.livemode.is_(livemode))
    return await session.scalar(statement.with_for_update())


async def replace_template_links(
    session: AsyncSession, template_id: int, *, server_ids: list[int] | None, entity_ids: list[int] | None
) -> None:
    if server_ids is not None:
        await session.execute(sa.delete(TEMPLATE_SERVERS).where(TEMPLATE_SERVERS.c.template_id == template_id))
        if server_ids:
            rows = [{"template_id": template_id, "server_id": i} for i in dict.fromkeys(server_ids)]
            await session.execute(sa.insert(TEMPLATE_SERVERS), rows)
    if entity_ids is not None:
        await session.execute(sa.delete(TEMPLATE_ENTITIES).where(TEMPLATE_ENTITIES.c.template_id == template_id))
        if entity_ids:
            rows = [{"template_id": template_id, "entity_id": i} for i in dict.fromkeys(entity_ids)]
            await session.execute(sa.insert(TEMPLATE_ENTITIES), rows)


async def template_available(session: AsyncSession, template_id: int, entity_id: int, server_id: int) -> bool:
    named = sa.select(sa.literal(1)).where(
        TEMPLATE_ENTITIES.c.template_id == template_id, TEMPLATE_ENTITIES.c.entity_id == entity_id
    )
    by_server = sa.select(sa.literal(1)).where(
        TEMPLATE_SERVERS.c.template_id == template_id, TEMPLATE_SERVERS.c.server_id == server_id
    )
    return bool(await session.scalar(sa.select(sa.or_(named.exists(), by_server.exists()))))


async def template_in_use(session: AsyncSession, template_id: int) -> bool:
    statement = sa.select(sa.literal(1)).where(LINES.c.template_id == template_id)
    return await session.scalar(statement.limit(1)) is not None


async def delete_template(session: AsyncSession, template_id: int) -> None:
    await session.execute(sa.delete(TEMPLATES).where(TEMPLATES.c.id == template_id))


# Lines: read with what their external number needs of their template; the face attaches the entity.

_LINE_COLUMNS = [
    *(column for column in LINES.c if column.name not in ("sip_secret", "cti_password_hash")),
    (LINES.c.cti_password_hash.is_not(None)).label("has_cti_password"),
    TEMPLATES.c.routed_inbound,
    TEMPLATES.c.inbound_prefix,
]


def _lines(livemode: bool, visible: Visible) -> sa.Select[Any]:
    statement = (
        sa.select(*_LINE_COLUMNS)
        .join(TEMPLATES, TEMPLATES.c.id == LINES.c.template_id)
        .where(LINES.c.livemode.is_(livemode))
    )
    if visible is not None:
        statement = statement.where(_among(LINES.c.entity_id, visible))
    return statement


async def lines(
    session: AsyncSession,
    livemode: bool,
    visible: Visible,
    *,
    line_id: int | None = None,
    entity_id: int | None = None,
) -> list[Row]:
    statement = _lines(livemode, visible)
    if line_id is not None:
        statement = statement.where(LINES.c.id == line_id)
    if entity_id is not None:
        statement = statement.where(LINES.c.entity_id == entity_id)
    return [dict(row) for row in (await session.execute(statement.order_by(LINES.c.id))).mappings()]


async def lock_line(session: AsyncSession, livemode: bool, visible: Visible, line_id: int) -> PbxLine | None:
    statement = sa.select(PbxLine).where(PbxLine.id == line_id, PbxLine.livemode.is_(livemode))
    if visible is not None:
        statement = statement.where(_among(LINES.c.entity_id, visible))
    return await session.scalar(statement.with_for_update())


async def line_by_id(session: AsyncSession, line_id: int) -> PbxLine | None:
    return await session.get(PbxLine, line_id)


async def line_of_service(session: AsyncSession, service_id: int) -> PbxLine | None:
    return await session.scalar(sa.select(PbxLine).where(PbxLine.service_id == service_id).with_for_update())


async def number_taken(session: AsyncSession, server_id: int, number: str, *, except_id: int | None = None) -> bool:
    statement = sa.select(sa.literal(1)).where(LINES.c.server_id == server_id, LINES.c.internal_number == number)
    if except_id is not None:
        statement = statement.where(LINES.c.id != except_id)
    return await session.scalar(statement.limit(1)) is not None


async def code_taken(session: AsyncSession, server_id: int, column: str, value: str) -> bool:
    statement = sa.select(sa.literal(1)).where(LINES.c.server_id == server_id, LINES.c[column] == value)
    return await session.scalar(statement.limit(1)) is not None


async def accounts(
    session: AsyncSession, *, template_id: int | None = None, entity_id: int | None = None
) -> list[tuple[int, str]]:
    """(server, SIP username) of the lines of a template or an entity."""
    statement = sa.select(LINES.c.server_id, LINES.c.sip_username).order_by(LINES.c.id)
    if template_id is not None:
        statement = statement.where(LINES.c.template_id == template_id)
    if entity_id is not None:
        statement = statement.where(LINES.c.entity_id == entity_id)
    return [(int(server_id), str(name)) for server_id, name in (await session.execute(statement)).all()]


async def line_by_account(session: AsyncSession, server_id: int, username: str) -> int | None:
    statement = sa.select(LINES.c.id).where(LINES.c.server_id == server_id, LINES.c.sip_username == username)
    return await session.scalar(statement)


async def count_lines(session: AsyncSession, server_id: int) -> int:
    return int(await session.scalar(sa.select(sa.func.count()).where(LINES.c.server_id == server_id)) or 0)


async def line_ids_of_server(session: AsyncSession, server_id: int, *, after: int, limit: int) -> list[int]:
    statement = (
        sa.select(LINES.c.id)
        .where(LINES.c.server_id == server_id, LINES.c.id > after)
        .order_by(LINES.c.id)
        .limit(limit)
    )
    return [int(i) for i in (await session.scalars(statement)).all()]


async def provisioning_context(
    session: AsyncSession, line_id: int
) -> tuple[PbxLine, LineTemplate, PbxEntity, PbxServer] | None:
    """A line with its template, entity and server, as the PBX driver needs them."""
    statement = (
        sa.select(PbxLine, LineTemplate, PbxEntity, PbxServer)
        .join(LineTemplate, LineTemplate.id == PbxLine.template_id)
        .join(PbxEntity, PbxEntity.id == PbxLine.entity_id)
        .join(PbxServer, PbxServer.id == PbxLine.server_id)
        .where(PbxLine.id == line_id)
    )
    found = (await session.execute(statement)).first()
    return (found[0], found[1], found[2], found[3]) if found is not None else None


# Administrators' entity grants.


async def grants_of(session: AsyncSession, admin_ids: Collection[int]) -> dict[int, list[int]]:
    statement = (
        sa.select(GRANTS.c.administrator_id, GRANTS.c.entity_id)
        .where(_among(GRANTS.c.administrator_id, admin_ids))
        .order_by(GRANTS.c.administrator_id, GRANTS.c.entity_id)
    )
    grouped: dict[int, list[int]] = {}
    for admin_id, entity_id in (await session.execute(statement)).all():
        grouped.setdefault(int(admin_id), []).append(int(entity_id))
    return grouped


async def replace_grants(session: AsyncSession, admin_id: int, entity_ids: list[int]) -> None:
    await session.execute(sa.delete(GRANTS).where(GRANTS.c.administrator_id == admin_id))
    if entity_ids:
        rows = [{"administrator_id": admin_id, "entity_id": i} for i in dict.fromkeys(entity_ids)]
        await session.execute(sa.insert(GRANTS), rows)


async def existing_entity_ids(session: AsyncSession, livemode: bool, ids: Collection[int]) -> set[int]:
    statement = sa.select(ENTITIES.c.id).where(ENTITIES.c.livemode.is_(livemode), _among(ENTITIES.c.id, ids))
    return {int(i) for i in (await session.scalars(statement)).all()}
