"""Building telephony rows through the domain service, as the tests need them."""

from __future__ import annotations

from typing import Any

from hostlane.runtime import Runtime
from hostlane.telephony import service as telephony
from hostlane.telephony.schemas import EntityCreate, LineCreate, Operator, ServerCreate, TemplateCreate

SYSTEM = Operator.system()


async def make_server(runtime: Runtime, name: str = "xivo-220", **fields: Any) -> dict[str, Any]:
    async with runtime.db.transaction() as session:
        return await telephony.create_server(session, SYSTEM, ServerCreate.model_validate({"name": name, **fields}))


async def make_entity(
    runtime: Runtime,
    server_id: int,
    name: str = "default",
    intervals: list[tuple[str, str]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    data = {
        "name": name,
        "display_name": fields.pop("display_name", name),
        "server_id": server_id,
        "intervals": [{"first": first, "last": last} for first, last in (intervals or [("1700", "1799")])],
        **fields,
    }
    async with runtime.db.transaction() as session:
        return await telephony.create_entity(session, SYSTEM, EntityCreate.model_validate(data))


async def make_template(runtime: Runtime, **fields: Any) -> dict[str, Any]:
    data = {"name": "Standard", **fields}
    async with runtime.db.transaction() as session:
        return await telephony.create_template(session, SYSTEM, TemplateCreate.model_validate(data))


async def make_line(runtime: Runtime, entity_key: str, template_id: int, number: str, **fields: Any) -> dict[str, Any]:
    data = {
        "entity_key": entity_key,
        "template_id": template_id,
        "first_name": "Alice",
        "last_name": "Liddell",
        "internal_number": number,
        **fields,
    }
    async with runtime.db.transaction() as session:
        return await telephony.create_line(session, SYSTEM, LineCreate.model_validate(data))


async def setup(runtime: Runtime, intervals: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """A server, an entity on it and a template available to the server."""
    server = await make_server(runtime)
    entity = await make_entity(runtime, server["id"], intervals=intervals)
    template = await make_template(runtime, server_ids=[server["id"]])
    return {"server": server, "entity": entity, "template": template}
