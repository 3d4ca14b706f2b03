"""Rules of subdomain hosts: the domains under which a customer may take a free subdomain when ordering (``shop``
under ``example.net``), each offered with some products or groups (or with every product), and the subdomains
taken, one service each, never twice (a database constraint decides between two orders racing for one)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.errors import ValidationFailed
from hostlane.core.pagination import ListQuery, Page
from hostlane.core.repository import apply_changes, changes_of
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.models import Subdomain, SubdomainHost
from hostlane.services import provisioning_repository as repo
from hostlane.services.errors import SubdomainHostInUse
from hostlane.services.provisioning_schemas import HostCreate, HostUpdate, label

HOST_SPEC = repo.HOST_SPEC


async def list_hosts(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.HOST.page(session, principal, query)


async def get_host(session: AsyncSession, principal: Principal, host_id: int) -> dict[str, Any]:
    return await repo.HOST.one(session, principal, host_id)


async def create_host(session: AsyncSession, principal: Principal, data: HostCreate) -> dict[str, Any]:
    if await repo.HOST.taken(session, principal.livemode, "domain", data.domain):
        raise ValidationFailed.field("domain", "The domain has already been taken.")
    host = SubdomainHost(livemode=principal.livemode, **data.model_dump())
    await audit.created(session, principal, host, "subdomain_host", data.model_dump())
    return await get_host(session, principal, host.id)


async def update_host(session: AsyncSession, principal: Principal, host_id: int, data: HostUpdate) -> dict[str, Any]:
    host = await repo.HOST.locked(session, principal, host_id)
    changes = changes_of(data, "domain")
    if "domain" in changes and changes["domain"] != host.domain:
        if await repo.HOST.taken(session, principal.livemode, "domain", changes["domain"], except_id=host_id):
            raise ValidationFailed.field("domain", "The domain has already been taken.")
        if await repo.host_has_subdomains(session, host_id):
            raise SubdomainHostInUse()
    changes = {key: ([] if value is None else value) if key != "domain" else value for key, value in changes.items()}
    await apply_changes(session, host, changes)
    audit.record(session, principal, "subdomain_host.update", "subdomain_host", host_id, changes)
    return await get_host(session, principal, host_id)


async def delete_host(session: AsyncSession, principal: Principal, host_id: int) -> dict[str, Any]:
    await repo.HOST.locked(session, principal, host_id)
    if await repo.host_has_subdomains(session, host_id):
        raise SubdomainHostInUse()
    audit.record(session, principal, "subdomain_host.delete", "subdomain_host", host_id)
    return await repo.HOST.remove(session, principal, host_id)


async def take(
    session: AsyncSession,
    principal: Principal,
    *,
    host_id: int,
    subdomain: str,
    service_id: int,
    product_id: int,
    group_id: int | None,
    field: str = "",
) -> str:
    """Give the service ``subdomain`` under the host (an order calls this when it makes the service); the full
    name. 422 naming ``<field>.subdomain`` for an invalid or taken one, ``<field>.subdomain_host_id`` for a host not
    offered with the product."""
    prefix = f"{field}." if field else ""
    host = await repo.HOST.get(session, principal, host_id)
    offered = host is not None and (
        (not host["products"] and not host["groups"]) or product_id in host["products"] or group_id in host["groups"]
    )
    if host is None or not offered:
        raise ValidationFailed.field(
            f"{prefix}subdomain_host_id", "The selected subdomain host is not offered with this product."
        )
    try:
        name = label(subdomain)
    except ValueError as exc:
        raise ValidationFailed.field(f"{prefix}subdomain", f"{exc}.") from None
    taken = ValidationFailed.field(f"{prefix}subdomain", f"{name}.{host['domain']} is already taken.")
    if await repo.label_taken(session, host_id, name):
        raise taken
    try:
        async with session.begin_nested():  # a race lost on the unique (host, label) is the same refusal
            session.add(Subdomain(livemode=principal.livemode, host_id=host_id, label=name, service_id=service_id))
            await session.flush()
    except sa.exc.IntegrityError:
        raise taken from None
    audit.record(session, principal, "service.subdomain", "service", service_id, {"name": f"{name}.{host['domain']}"})
    return f"{name}.{host['domain']}"
