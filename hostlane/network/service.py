"""Rules of the network and power of services.

Staff manage IP pools and PDUs and give addresses and outlets to services. A customer reads its service's
addresses, their reverse DNS and its outlets' power, and changes the reverse DNS of its own addresses and
the power of its own outlets while the service is active. Calls to the DNS server and the PDU are made
outside any database transaction; every change that reached them is audited.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.db import Database
from hostlane.core.errors import Conflict, Taken, ValidationFailed
from hostlane.core.pagination import ListQuery, Page
from hostlane.core.repository import apply_changes, changes_of
from hostlane.drivers.dns import DnsDriver
from hostlane.drivers.errors import DriverError, RetryLater
from hostlane.drivers.pdu import PduDriver
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.models import IpAddress, IpPool, PduDevice, PduPort, ServiceStatus
from hostlane.network import repository as repo
from hostlane.network.errors import (
    PduInUse,
    PoolExhausted,
    PoolInUse,
    UpstreamRefused,
    UpstreamUnavailable,
)
from hostlane.network.schemas import (
    AddressAssign,
    PduCreate,
    PduUpdate,
    PoolCreate,
    PoolUpdate,
    PortAssign,
    RdnsIn,
    hostname,
    ip,
)
from hostlane.services import service as services

POOL_SPEC, PDU_SPEC = repo.POOL_SPEC, repo.PDU_SPEC
T = TypeVar("T")


async def _outside(what: str, call: Awaitable[T]) -> T:
    """A driver call, its failures turned into the caller's 503 (try again) or 502 (refused)."""
    try:
        return await call
    except RetryLater as exc:
        raise UpstreamUnavailable(what, exc.seconds) from None
    except DriverError:
        raise UpstreamRefused(what) from None


async def _active_service(session: AsyncSession, principal: Principal, service_id: int) -> None:
    service = await services.get_service(session, principal, service_id)  # 404 unless the caller may see it
    if service["status"] is not ServiceStatus.ACTIVE and str(service["status"]) != "active":
        raise Conflict(f"The service is {service['status']}; only an active service can be changed.")


# IP pools


async def list_pools(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.POOL.page(session, principal, query)


async def get_pool(session: AsyncSession, principal: Principal, pool_id: int) -> dict[str, Any]:
    return await repo.POOL.one(session, principal, pool_id)


def _check_gateway(network: str, gateway: str | None) -> None:
    if gateway is not None and ipaddress.ip_address(gateway) not in ipaddress.ip_network(network):
        raise ValidationFailed.field("gateway", f"The gateway {gateway} is not in {network}.")


async def create_pool(session: AsyncSession, principal: Principal, data: PoolCreate) -> dict[str, Any]:
    if await repo.POOL.taken(session, principal.livemode, "name", data.name, any_case=True):
        raise Taken("name")
    _check_gateway(data.network, data.gateway)
    network = ipaddress.ip_network(data.network)
    for _, text in await repo.networks(session, principal.livemode):
        other = ipaddress.ip_network(text)
        if other.version == network.version and network.overlaps(other):
            raise ValidationFailed.field("network", f"The network overlaps the pool {text}.")
    pool = IpPool(livemode=principal.livemode, **data.model_dump())
    await audit.created(session, principal, pool, "ip_pool", data.model_dump())
    return await get_pool(session, principal, pool.id)


async def update_pool(session: AsyncSession, principal: Principal, pool_id: int, data: PoolUpdate) -> dict[str, Any]:
    pool = await repo.POOL.locked(session, principal, pool_id)
    changes = changes_of(data, "name")
    if "name" in changes and await repo.POOL.taken(
        session, principal.livemode, "name", changes["name"], except_id=pool_id, any_case=True
    ):
        raise Taken("name")
    if "gateway" in changes:
        _check_gateway(pool.network, changes["gateway"])
        if changes["gateway"] in await repo.pool_addresses(session, pool_id):
            raise ValidationFailed.field("gateway", "The gateway is assigned to a service.")
    await apply_changes(session, pool, changes, stamp=False)
    audit.record(session, principal, "ip_pool.update", "ip_pool", pool_id, changes)
    return await get_pool(session, principal, pool_id)


async def delete_pool(session: AsyncSession, principal: Principal, pool_id: int) -> dict[str, Any]:
    await repo.POOL.locked(session, principal, pool_id)
    if await repo.pool_addresses(session, pool_id):
        raise PoolInUse()
    audit.record(session, principal, "ip_pool.delete", "ip_pool", pool_id)
    return await repo.POOL.remove(session, principal, pool_id)


def _free_address(pool: IpPool, taken: set[str]) -> str:
    network = ipaddress.ip_network(pool.network)
    for host in network.hosts():
        text = str(host)
        if text not in taken and text != pool.gateway:
            return text
    raise PoolExhausted()


async def assign_address(
    session: AsyncSession, principal: Principal, service_id: int, data: AddressAssign
) -> dict[str, Any]:
    """Give the service the named address of the pool, or the pool's next free one."""
    await services.get_service(session, principal, service_id)
    pool = await repo.POOL.lock(session, principal, data.pool_id)  # the lock serialises assignments per pool
    if pool is None:
        raise ValidationFailed.field("pool_id", "The selected pool_id is invalid.")
    if data.address is None:
        address = _free_address(pool, await repo.pool_addresses(session, pool.id))
    else:
        address = data.address
        network = ipaddress.ip_network(pool.network)
        if ipaddress.ip_address(address) not in network or address == pool.gateway:
            raise ValidationFailed.field("address", f"The address {address} is not a host address of {pool.network}.")
        if network.num_addresses > 2 and address in (str(network.network_address), str(network.broadcast_address)):
            raise ValidationFailed.field("address", f"The address {address} is not a host address of {pool.network}.")
        if await repo.address_taken(session, principal.livemode, address):
            raise ValidationFailed.field("address", f"The address {address} is already assigned.")
    row = IpAddress(livemode=principal.livemode, pool_id=pool.id, service_id=service_id, address=address)
    session.add(row)
    await session.flush()
    audit.record(session, principal, "service.ip_assign", "service", service_id, {"address": address})
    return await repo.ADDRESS.one(session, service_id, row.id)


async def unassign_address(
    session: AsyncSession, principal: Principal, service_id: int, address_id: int
) -> dict[str, Any]:
    await services.get_service(session, principal, service_id)
    row = await repo.ADDRESS.locked(session, service_id, address_id)
    shown = await repo.ADDRESS.one(session, service_id, address_id)
    await session.delete(row)
    audit.record(session, principal, "service.ip_unassign", "service", service_id, {"address": row.address})
    return shown


async def service_addresses(session: AsyncSession, principal: Principal, service_id: int) -> list[dict[str, Any]]:
    await services.get_service(session, principal, service_id)
    return await repo.ADDRESS.all(session, service_id)


# Reverse DNS


async def reverse_dns(db: Database, principal: Principal, dns: DnsDriver, service_id: int) -> list[dict[str, Any]]:
    """The service's addresses, each with its PTR host name (``None`` when it has none)."""
    async with db.reader() as session:
        addresses = await service_addresses(session, principal, service_id)
    ptrs = await _outside("DNS server", dns.get_ptrs([row["address"] for row in addresses]))
    return [{**row, "ptr": ptrs.get(row["address"])} for row in addresses]


def _changes(data: RdnsIn, own: set[str]) -> dict[str, str | None]:
    """The requested PTRs, validated: only the service's own addresses, only valid host names."""
    changes: dict[str, str | None] = {}
    for raw, name in data.ipaddress.items():
        field = f"ipaddress.{raw}"
        try:
            address = ip(raw)
        except ValueError:
            raise ValidationFailed.field(field, f"'{raw}' is not an IP address.") from None
        if address not in own:
            raise ValidationFailed.field(field, f"The address {address} is not assigned to this service.")
        if name is None or not name.strip():
            changes[address] = None
            continue
        try:
            changes[address] = hostname(name)
        except ValueError as exc:
            raise ValidationFailed.field(field, f"{exc}.") from None
    return changes


async def set_reverse_dns(
    db: Database, principal: Principal, dns: DnsDriver, service_id: int, data: RdnsIn
) -> list[dict[str, Any]]:
    """Point the PTRs of the service's own addresses at the given host names (an empty name removes one)."""
    async with db.reader() as session:
        await _active_service(session, principal, service_id)
        own = {row["address"] for row in await repo.ADDRESS.all(session, service_id)}
    changes = _changes(data, own)
    applied: dict[str, str | None] = {}
    try:
        for address, name in changes.items():
            await _outside("DNS server", dns.set_ptr(address, name))
            applied[address] = name
    finally:
        if applied:
            async with db.transaction() as session:
                audit.record(session, principal, "service.rdns", "service", service_id, {"ptr": applied})
    return await reverse_dns(db, principal, dns, service_id)


# PDUs


async def list_pdus(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.PDU.page(session, principal, query)


async def get_pdu(session: AsyncSession, principal: Principal, pdu_id: int) -> dict[str, Any]:
    return await repo.PDU.one(session, principal, pdu_id)


async def create_pdu(session: AsyncSession, principal: Principal, data: PduCreate) -> dict[str, Any]:
    if await repo.PDU.taken(session, principal.livemode, "name", data.name, any_case=True):
        raise Taken("name")
    pdu = PduDevice(livemode=principal.livemode, **data.model_dump())
    await audit.created(session, principal, pdu, "pdu", data.model_dump())
    return await get_pdu(session, principal, pdu.id)


async def update_pdu(session: AsyncSession, principal: Principal, pdu_id: int, data: PduUpdate) -> dict[str, Any]:
    pdu = await repo.PDU.locked(session, principal, pdu_id)
    changes = changes_of(data, "name", "address", "outlets")
    if "name" in changes and await repo.PDU.taken(
        session, principal.livemode, "name", changes["name"], except_id=pdu_id, any_case=True
    ):
        raise Taken("name")
    if "outlets" in changes and changes["outlets"] < (highest := await repo.highest_assigned_outlet(session, pdu_id)):
        raise ValidationFailed.field("outlets", f"Outlet {highest} is assigned to a service.")
    await apply_changes(session, pdu, changes, stamp=False)
    audit.record(session, principal, "pdu.update", "pdu", pdu_id, changes)
    return await get_pdu(session, principal, pdu_id)


async def delete_pdu(session: AsyncSession, principal: Principal, pdu_id: int) -> dict[str, Any]:
    await repo.PDU.locked(session, principal, pdu_id)
    if await repo.highest_assigned_outlet(session, pdu_id):
        raise PduInUse()
    audit.record(session, principal, "pdu.delete", "pdu", pdu_id)
    return await repo.PDU.remove(session, principal, pdu_id)


async def assign_port(session: AsyncSession, principal: Principal, service_id: int, data: PortAssign) -> dict[str, Any]:
    await services.get_service(session, principal, service_id)
    pdu = await repo.PDU.lock(session, principal, data.pdu_id)
    if pdu is None:
        raise ValidationFailed.field("pdu_id", "The selected pdu_id is invalid.")
    if data.outlet > pdu.outlets:
        raise ValidationFailed.field("outlet", f"The PDU {pdu.name} has outlets 1 to {pdu.outlets}.")
    if await repo.outlet_taken(session, pdu.id, data.outlet):
        raise ValidationFailed.field("outlet", f"Outlet {data.outlet} of {pdu.name} is already assigned.")
    port = PduPort(pdu_id=pdu.id, outlet=data.outlet, service_id=service_id, label=data.label)
    session.add(port)
    await session.flush()
    audit.record(session, principal, "service.pdu_assign", "service", service_id, data.model_dump())
    return await repo.PORT.one(session, service_id, port.id)


async def unassign_port(session: AsyncSession, principal: Principal, service_id: int, port_id: int) -> dict[str, Any]:
    await services.get_service(session, principal, service_id)
    port = await repo.PORT.locked(session, service_id, port_id)
    row = await repo.PORT.one(session, service_id, port_id)
    await session.delete(port)
    audit.record(session, principal, "service.pdu_unassign", "service", service_id, {"port_id": port_id})
    return row


async def service_ports(session: AsyncSession, principal: Principal, service_id: int) -> list[dict[str, Any]]:
    await services.get_service(session, principal, service_id)
    return await repo.PORT.all(session, service_id)


async def _power(pdu: PduDriver, row: dict[str, Any], *, strict: bool) -> bool | None:
    try:
        return await _outside("PDU", pdu.get_power(row["pdu_address"], row["outlet"]))
    except (UpstreamUnavailable, UpstreamRefused):
        if strict:
            raise
        return None


async def ports_with_power(db: Database, principal: Principal, pdu: PduDriver, service_id: int) -> list[dict[str, Any]]:
    """The service's outlets with their power (``None`` for a PDU that does not answer now)."""
    async with db.reader() as session:
        rows = await service_ports(session, principal, service_id)
    return [{**row, "power": await _power(pdu, row, strict=False)} for row in rows]


async def port_with_power(
    db: Database, principal: Principal, pdu: PduDriver, service_id: int, port_id: int
) -> dict[str, Any]:
    async with db.reader() as session:
        await services.get_service(session, principal, service_id)
        row = await repo.PORT.one(session, service_id, port_id)
    return {**row, "power": await _power(pdu, row, strict=True)}


async def set_power(
    db: Database, principal: Principal, pdu: PduDriver, service_id: int, port_id: int, *, on: bool
) -> dict[str, Any]:
    """Switch the outlet, then audit the switch (the PDU is the record of what the power is)."""
    async with db.reader() as session:
        await _active_service(session, principal, service_id)
        row = await repo.PORT.one(session, service_id, port_id)
    await _outside("PDU", pdu.set_power(row["pdu_address"], row["outlet"], on))
    async with db.transaction() as session:
        audit.record(
            session,
            principal,
            "service.power_on" if on else "service.power_off",
            "service",
            service_id,
            {"port_id": port_id, "pdu": row["pdu"], "outlet": row["outlet"]},
        )
    return {**row, "power": await _power(pdu, row, strict=False)}


async def power_cycle(
    db: Database, principal: Principal, pdu: PduDriver, service_id: int, port_id: int
) -> dict[str, Any]:
    """Reboot what the outlet feeds: switch it off, then on again, and audit the cycle. If the PDU fails
    between the two, the switch-off that reached it is audited as one."""
    async with db.reader() as session:
        await _active_service(session, principal, service_id)
        row = await repo.PORT.one(session, service_id, port_id)
    details = {"port_id": port_id, "pdu": row["pdu"], "outlet": row["outlet"]}
    await _outside("PDU", pdu.set_power(row["pdu_address"], row["outlet"], False))
    try:
        await _outside("PDU", pdu.set_power(row["pdu_address"], row["outlet"], True))
    except (UpstreamUnavailable, UpstreamRefused):
        async with db.transaction() as session:
            audit.record(session, principal, "service.power_off", "service", service_id, details)
        raise
    async with db.transaction() as session:
        audit.record(session, principal, "service.power_cycle", "service", service_id, details)
    return {**row, "power": await _power(pdu, row, strict=False)}
