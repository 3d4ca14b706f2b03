"""IP pools and PDUs, and the addresses and outlets of services."""

from __future__ import annotations

from hostlane.faces.application import schemas, wire
from hostlane.faces.application.routes.kit import Holding, Resource, face_router
from hostlane.network import service as network
from hostlane.network.schemas import AddressAssign, PduCreate, PduUpdate, PoolCreate, PoolUpdate, PortAssign

router = face_router("application: network")

POOLS = Resource(
    router,
    "/ip-pools",
    one="pool",
    permissions="ippools",
    spec=network.POOL_SPEC,
    wire=wire.ip_pool,
    shape=schemas.IpPool,
)
POOLS.index(network.list_pools, summary="List IP pools")
POOLS.create(PoolCreate, network.create_pool, summary="Create an IP pool (a network in CIDR form)", idempotent=True)
POOLS.show(network.get_pool, summary="Show an IP pool")
POOLS.update(PoolUpdate, network.update_pool, summary="Rename an IP pool or change its gateway (partial)")
POOLS.delete(network.delete_pool, summary="Delete an IP pool none of whose addresses is assigned")

PDUS = Resource(router, "/pdus", one="pdu", spec=network.PDU_SPEC, wire=wire.pdu, shape=schemas.Pdu)
PDUS.index(network.list_pdus, summary="List PDUs")
PDUS.create(PduCreate, network.create_pdu, summary="Add a PDU", idempotent=True)
PDUS.show(network.get_pdu, summary="Show a PDU")
PDUS.update(PduUpdate, network.update_pdu, summary="Update a PDU (partial)")
PDUS.delete(network.delete_pdu, summary="Remove a PDU none of whose outlets is assigned")


# A service's addresses and outlets

ADDRESSES = Holding(
    router,
    "/services/{service_id}/ips",
    one="address",
    permissions="services",
    wire=wire.ip_address,
    shape=schemas.IpAddress,
)
ADDRESSES.index(network.service_addresses, summary="The service's IP addresses", name="service_ips")
ADDRESSES.give(AddressAssign, network.assign_address, summary="Give the service an address of a pool", name="assign_ip")
ADDRESSES.take_back(network.unassign_address, summary="Take an address back from the service", name="unassign_ip")

OUTLETS = Holding(
    router,
    "/services/{service_id}/pdu-ports",
    one="port",
    permissions="services",
    wire=wire.pdu_port,
    shape=schemas.PduPort,
)
OUTLETS.index(network.service_ports, summary="The PDU outlets that feed the service", name="service_ports")
OUTLETS.give(PortAssign, network.assign_port, summary="Give the service a PDU outlet", name="assign_port")
OUTLETS.take_back(network.unassign_port, summary="Take a PDU outlet back from the service", name="unassign_port")
