"""Rules of provisioning servers: the hosts a module runs services on, their credentials kept sealed (never read
back out), the placement of a new service on the least-loaded active server of its product's module, and the
connection test through the module's driver.

Placement happens when a service is first activated (its module's ``create``): the module's active servers are
locked, the one with the fewest live services that still has room is chosen (ties go to the lowest id), and the
service keeps it until it ends. Servers that are full, hidden or unreferenced receive nothing; a module whose
servers are all full leaves the service unplaced, which its history records.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.errors import ValidationFailed
from hostlane.core.pagination import ListQuery, Page
from hostlane.core.repository import apply_changes, changes_of
from hostlane.core.sealing import seal, unseal
from hostlane.drivers import provisioning
from hostlane.drivers.errors import DriverError, RetryLater
from hostlane.drivers.provisioning import ConnectionCheck, ProvisioningModule, ServerTarget
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.models import ProvisioningServer, Service
from hostlane.services import provisioning_repository as repo
from hostlane.services import repository as services_repo
from hostlane.services.errors import ServerInUse
from hostlane.services.provisioning_schemas import ServerCreate, ServerProbe, ServerUpdate

SERVER_SPEC = repo.SERVER_SPEC
_DESTINATION = ("module", "address", "hostname")  # a change of any needs the credentials sent again
_SECRETS = ("username", "password")


def server_modules() -> list[str]:
    """The modules that run services on provisioning servers: a server's ``module`` is one of them."""
    return sorted(name for name, module in provisioning.modules().items() if getattr(module, "uses_servers", False))


def _check_module(name: str) -> None:
    if name not in server_modules():
        raise ValidationFailed.field("type", f"The type must be one of: {', '.join(server_modules())}.")


async def list_servers(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.SERVER.page(session, principal, query)


async def get_server(session: AsyncSession, principal: Principal, server_id: int) -> dict[str, Any]:
    return await repo.SERVER.one(session, principal, server_id)


def _logged(changes: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a change: whether credentials changed, never what they are."""
    return {key: ("***" if key in _SECRETS and value is not None else value) for key, value in changes.items()}


async def create_server(session: AsyncSession, principal: Principal, data: ServerCreate) -> dict[str, Any]:
    _check_module(data.module)
    if await repo.SERVER.taken(session, principal.livemode, "name", data.name, any_case=True):
        raise ValidationFailed.field("name", "The name has already been taken.")
    fields = data.model_dump(exclude=set(_SECRETS))
    server = ProvisioningServer(
        livemode=principal.livemode,
        **fields,
        username_encrypted=seal(data.username),
        password_encrypted=seal(data.password),
    )
    await audit.created(session, principal, server, "server", _logged(data.model_dump()))
    return await get_server(session, principal, server.id)


async def update_server(
    session: AsyncSession, principal: Principal, server_id: int, data: ServerUpdate
) -> dict[str, Any]:
    server = await repo.SERVER.locked(session, principal, server_id)
    changes = changes_of(data, "name", "module", "hostname", "address", "port", "status")
    if "module" in changes:
        _check_module(changes["module"])
    if "name" in changes and await repo.SERVER.taken(
        session, principal.livemode, "name", changes["name"], except_id=server_id, any_case=True
    ):
        raise ValidationFailed.field("name", "The name has already been taken.")
    moved = any(name in changes and changes[name] != getattr(server, name) for name in _DESTINATION)
    if moved and not changes.get("password"):
        raise ValidationFailed.field(
            "password", "The server moves to another destination: send its credentials (username, password) again."
        )
    setters = {
        "username": lambda value: setattr(server, "username_encrypted", seal(value)),
        "password": lambda value: setattr(server, "password_encrypted", seal(value)),
    }
    # A credential left out (or null) keeps the stored one, as CLIENTXCMS ignores empty ones.
    applied = {key: value for key, value in changes.items() if key not in _SECRETS or value is not None}
    await apply_changes(session, server, applied, setters=setters)
    audit.record(session, principal, "server.update", "server", server_id, _logged(applied))
    return await get_server(session, principal, server_id)


async def delete_server(session: AsyncSession, principal: Principal, server_id: int) -> dict[str, Any]:
    await repo.SERVER.locked(session, principal, server_id)
    live = (await repo.accounts_on(session, [server_id])).get(server_id, 0)
    if live:
        raise ServerInUse(live)
    audit.record(session, principal, "server.delete", "server", server_id)
    return await repo.SERVER.remove(session, principal, server_id)


async def target_of(session: AsyncSession, server_id: int) -> ServerTarget | None:
    """The server as its module reaches it, credentials unsealed (for the module call, never for a reply)."""
    row = await repo.server_target_row(session, server_id)
    if row is None:
        return None
    return ServerTarget(
        hostname=row["hostname"],
        address=row["address"],
        port=row["port"],
        username=unseal(row["username_encrypted"]),
        password=unseal(row["password_encrypted"]),
    )


async def probe_target(session: AsyncSession, principal: Principal, data: ServerProbe) -> tuple[str, ServerTarget]:
    """The module and the connection ``data`` asks to try (422 naming the field for what is missing or wrong)."""
    fields = data.model_dump(exclude_unset=True, exclude={"server_id"})
    fields = {key: value for key, value in fields.items() if value is not None}
    stored: dict[str, Any] = {}
    secrets: tuple[str | None, str | None] = (None, None)
    if data.server_id is not None:
        found = await repo.SERVER.get(session, principal, data.server_id)
        if found is None:
            raise ValidationFailed.field("server_id", "The selected server_id is invalid.")
        stored = found
        moved = any(name in fields and fields[name] != stored[name] for name in _DESTINATION)
        if moved and "password" not in fields:
            raise ValidationFailed.field(
                "password", "The connection goes to another destination than the server's: send its credentials."
            )
        username, password = await repo.credentials(session, data.server_id)
        secrets = (unseal(username), unseal(password))
    merged = {**{key: stored.get(key) for key in ("module", "hostname", "address", "port")}, **fields}
    for name, wire_name in (("module", "type"), ("address", "address")):
        if not merged.get(name):
            raise ValidationFailed.field(wire_name, f"The {wire_name} field is required.")
    _check_module(merged["module"])
    target = ServerTarget(
        hostname=merged.get("hostname") or merged["address"],
        address=merged["address"],
        port=int(merged.get("port") or 443),
        username=fields.get("username", secrets[0]),
        password=fields.get("password", secrets[1]),
    )
    return str(merged["module"]), target


async def test_connection(module: ProvisioningModule | None, target: ServerTarget) -> ConnectionCheck:
    """Try the connection through ``module``'s driver: a driver that times out or refuses is a failed check."""
    if module is None:
        return ConnectionCheck(False, "The module is not installed.")
    try:
        return await module.test_connection(target)
    except RetryLater as exc:
        return ConnectionCheck(False, f"No answer: {exc}")
    except DriverError as exc:
        return ConnectionCheck(False, str(exc))


async def place(session: AsyncSession, service: Service) -> int | None:
    """Put ``service`` (locked by the caller) on the least-loaded active server of its product's module that has
    room, and say which (None: the module has no server, or every one is full)."""
    if service.server_id is not None:
        return service.server_id
    module = await repo.module_of_product(session, service.product_id)
    if module is None:
        return None
    candidates = await repo.lock_candidates(session, service.livemode, module)
    if not candidates:
        return None
    load = await repo.accounts_on(session, [server_id for server_id, _ in candidates])
    roomy = [
        (load.get(server_id, 0), server_id)
        for server_id, maximum in candidates
        if maximum is None or load.get(server_id, 0) < maximum
    ]
    system = Principal.system(livemode=service.livemode)
    if not roomy:
        services_repo.add_event(session, service.id, "placement.full", system, reason=f"every {module} server is full")
        return None
    service.server_id = min(roomy)[1]
    services_repo.add_event(session, service.id, "placement", system, reason=f"server {service.server_id}")
    return service.server_id
