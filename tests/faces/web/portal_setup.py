"""What the client-area page tests share: a customer's active service with addresses and outlets, a catalogue."""

from __future__ import annotations

from typing import Any

import httpx

from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer, make_group, make_pricing, make_product, make_service
from tests.fixtures.http import bearer

API = "/api/application"


async def service_with_network(
    runtime: Runtime, client: httpx.AsyncClient, customer_id: int, *, livemode: bool = True
) -> dict[str, Any]:
    """An active service of the customer with two IPv4 addresses, one IPv6 address and one PDU outlet (``client``
    on a test host for a test-mode customer)."""
    staff = bearer(await make_api_key(runtime, livemode=livemode))
    service_id = await make_service(runtime, customer_id=customer_id, livemode=livemode)
    v4 = (
        await client.post(
            f"{API}/ip-pools", json={"name": "v4", "network": "192.0.2.0/24", "gateway": "192.0.2.1"}, headers=staff
        )
    ).json()
    v6 = (await client.post(f"{API}/ip-pools", json={"name": "v6", "network": "2001:db8:5::/64"}, headers=staff)).json()
    for pool in (v4, v4, v6):
        answer = await client.post(f"{API}/services/{service_id}/ips", json={"pool_id": pool["id"]}, headers=staff)
        assert answer.status_code == 201, answer.text
    pdu = (
        await client.post(f"{API}/pdus", json={"name": "pdu-a1", "address": "10.0.0.5", "outlets": 24}, headers=staff)
    ).json()
    port = await client.post(
        f"{API}/services/{service_id}/pdu-ports",
        json={"pdu_id": pdu["id"], "outlet": 7, "label": "PSU A"},
        headers=staff,
    )
    return {"id": service_id, "port_id": port.json()["id"]}


async def catalogue(runtime: Runtime, *, livemode: bool = True) -> dict[str, Any]:
    """A group with one product for sale monthly (9.99 + 5.00 setup) and annually (99.00)."""
    group = await make_group(runtime, name="Web hosting", livemode=livemode)
    product = await make_product(
        runtime,
        livemode=livemode,
        group_id=int(group["id"]),
        name="Starter hosting",
        type="simulator",  # type: ignore[call-overload]
    )
    await make_pricing(
        runtime,
        int(product["id"]),
        livemode=livemode,
        monthly="9.99",
        setup_monthly="5.00",
        annually="99.00",  # type: ignore[call-overload]
    )
    return {"group": group, "product": product}


async def other_customer(runtime: Runtime) -> dict[str, Any]:
    return await make_customer(runtime, firstname="Other", lastname="Person")
