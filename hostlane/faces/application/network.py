"""The application face's network routes: IP pools and PDUs, and the addresses and outlets of services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

from hostlane.core.formats import FormatRoute, render
from hostlane.core.idempotency import remember
from hostlane.faces.application import wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.routes import PREFIX, list_query, update_route
from hostlane.faces.common import PathId, ReadSession, RuntimeDep, WriteSession
from hostlane.identity.principal import Principal
from hostlane.network import service as network
from hostlane.network.schemas import AddressAssign, PduCreate, PduUpdate, PoolCreate, PoolUpdate, PortAssign

router = APIRouter(prefix=PREFIX, tags=["application: network"], route_class=FormatRoute)


# IP pools


@router.get("/ip-pools", summary="List IP pools")
async def list_pools(
    request: Request, runtime: RuntimeDep, session: ReadSession, principal: Annotated[Principal, needs("ippools:index")]
) -> Response:
    page = await network.list_pools(session, principal, list_query(request, runtime, network.POOL_SPEC))
    return render(request, wire.paginated(request, page, wire.ip_pool))


@router.post("/ip-pools", status_code=201, summary="Create an IP pool (a network in CIDR form)")
async def create_pool(
    request: Request, body: PoolCreate, session: WriteSession, principal: Annotated[Principal, needs("ippools:create")]
) -> Response:
    row = await network.create_pool(session, principal, body)
    return await remember(session, request, render(request, wire.ip_pool(row), 201))


@router.get("/ip-pools/{pool_id}", summary="Show an IP pool")
async def show_pool(
    request: Request, pool_id: PathId, session: ReadSession, principal: Annotated[Principal, needs("ippools:index")]
) -> Response:
    return render(request, wire.ip_pool(await network.get_pool(session, principal, pool_id)))


@update_route("/ip-pools/{pool_id}", "Rename an IP pool or change its gateway (partial)", on=router)
async def update_pool(
    request: Request,
    pool_id: PathId,
    body: PoolUpdate,
    session: WriteSession,
    principal: Annotated[Principal, needs("ippools:update")],
) -> Response:
    return render(request, wire.ip_pool(await network.update_pool(session, principal, pool_id, body)))


@router.delete("/ip-pools/{pool_id}", summary="Delete an IP pool none of whose addresses is assigned")
async def delete_pool(
    request: Request, pool_id: PathId, session: WriteSession, principal: Annotated[Principal, needs("ippools:delete")]
) -> Response:
    return render(request, wire.ip_pool(await network.delete_pool(session, principal, pool_id)))


# PDUs


@router.get("/pdus", summary="List PDUs")
async def list_pdus(
    request: Request, runtime: RuntimeDep, session: ReadSession, principal: Annotated[Principal, needs("pdus:index")]
) -> Response:
    page = await network.list_pdus(session, principal, list_query(request, runtime, network.PDU_SPEC))
    return render(request, wire.paginated(request, page, wire.pdu))


@router.post("/pdus", status_code=201, summary="Add a PDU")
async def create_pdu(
    request: Request, body: PduCreate, session: WriteSession, principal: Annotated[Principal, needs("pdus:create")]
) -> Response:
    row = await network.create_pdu(session, principal, body)
    return await remember(session, request, render(request, wire.pdu(row), 201))


@router.get("/pdus/{pdu_id}", summary="Show a PDU")
async def show_pdu(
    request: Request, pdu_id: PathId, session: ReadSession, principal: Annotated[Principal, needs("pdus:index")]
) -> Response:
    return render(request, wire.pdu(await network.get_pdu(session, principal, pdu_id)))


@update_route("/pdus/{pdu_id}", "Update a PDU (partial)", on=router)
async def update_pdu(
    request: Request,
    pdu_id: PathId,
    body: PduUpdate,
    session: WriteSession,
    principal: Annotated[Principal, needs("pdus:update")],
) -> Response:
    return render(request, wire.pdu(await network.update_pdu(session, principal, pdu_id, body)))


@router.delete("/pdus/{pdu_id}", summary="Remove a PDU none of whose outlets is assigned")
async def delete_pdu(
    request: Request, pdu_id: PathId, session: WriteSession, principal: Annotated[Principal, needs("pdus:delete")]
) -> Response:
    return render(request, wire.pdu(await network.delete_pdu(session, principal, pdu_id)))


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
