"""IP pools and PDUs, and the addresses and outlets of services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response

from hostlane.core.formats import render
from hostlane.faces.application import wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.routes.kit import Resource, face_router
from hostlane.faces.common import PathId, ReadSession, WriteSession
from hostlane.faces.idempotency import remember
from hostlane.identity.principal import Principal
from hostlane.network import service as network
from hostlane.network.schemas import AddressAssign, PduCreate, PduUpdate, PoolCreate, PoolUpdate, PortAssign

router = face_router("application: network")

POOLS = Resource(
    router=router,
    path="/ip-pools",
    one="pool",
    permissions="ippools",
    spec=network.POOL_SPEC,
    wire=wire.ip_pool,
)
POOLS.index(network.list_pools, summary="List IP pools")
POOLS.create(PoolCreate, network.create_pool, summary="Create an IP pool (a network in CIDR form)", idempotent=True)
POOLS.show(network.get_pool, summary="Show an IP pool")
POOLS.update(PoolUpdate, network.update_pool, summary="Rename an IP pool or change its gateway (partial)")
POOLS.delete(network.delete_pool, summary="Delete an IP pool none of whose addresses is assigned")

PDUS = Resource(
    router=router,
    path="/pdus",
    one="pdu",
    permissions="pdus",
    spec=network.PDU_SPEC,
    wire=wire.pdu,
)
PDUS.index(network.list_pdus, summary="List PDUs")
PDUS.create(PduCreate, network.create_pdu, summary="Add a PDU", idempotent=True)
PDUS.show(network.get_pdu, summary="Show a PDU")
PDUS.update(PduUpdate, network.update_pdu, summary="Update a PDU (partial)")
PDUS.delete(network.delete_pdu, summary="Remove a PDU none of whose outlets is assigned")


# A service's addresses and outlets


@router.get("/services/{service_id}/ips", summary="The service's IP addresses")
async def service_ips(
    request: Request,
    service_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("services:index")],
) -> Response:
    rows = await network.service_addresses(session, principal, service_id)
    return render(request, {"data": [wire.ip_address(row) for row in rows]})


@router.post("/services/{service_id}/ips", status_code=201, summary="Give the service an address of a pool")
async def assign_ip(
    request: Request,
    service_id: PathId,
    body: AddressAssign,
    session: WriteSession,
    principal: Annotated[Principal, needs("services:update")],
) -> Response:
    row = await network.assign_address(session, principal, service_id, body)
    return await remember(session, request, render(request, wire.ip_address(row), 201))


@router.delete("/services/{service_id}/ips/{address_id}", summary="Take an address back from the service")
async def unassign_ip(
    request: Request,
    service_id: PathId,
    address_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("services:update")],
) -> Response:
    return render(request, wire.ip_address(await network.unassign_address(session, principal, service_id, address_id)))


@router.get("/services/{service_id}/pdu-ports", summary="The PDU outlets that feed the service")
async def service_ports(
    request: Request,
    service_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("services:index")],
) -> Response:
    rows = await network.service_ports(session, principal, service_id)
    return render(request, {"data": [wire.pdu_port(row) for row in rows]})


@router.post("/services/{service_id}/pdu-ports", status_code=201, summary="Give the service a PDU outlet")
async def assign_port(
    request: Request,
    service_id: PathId,
    body: PortAssign,
    session: WriteSession,
    principal: Annotated[Principal, needs("services:update")],
) -> Response:
    row = await network.assign_port(session, principal, service_id, body)
    return await remember(session, request, render(request, wire.pdu_port(row), 201))


@router.delete("/services/{service_id}/pdu-ports/{port_id}", summary="Take a PDU outlet back from the service")
async def unassign_port(
    request: Request,
    service_id: PathId,
    port_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("services:update")],
) -> Response:
    return render(request, wire.pdu_port(await network.unassign_port(session, principal, service_id, port_id)))
