"""PowerDNS Authoritative through its HTTP API (v1): PTR records in reverse zones, created when missing.

A PTR goes into the longest existing zone whose name ends its PTR name; when there is none, the driver
creates a Native zone for the address's /24 (IPv4) or /64 (IPv6) served by the configured name servers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

import httpx

from hostlane.drivers.dns.base import absolute, ptr_name, relative
from hostlane.drivers.errors import DriverError, RetryLater

PTR_TTL = 3600
DEFAULT_NAMESERVERS = ("ns1.example.net.", "ns2.example.net.")
DEFAULT_RETRY_SECONDS = 30


def default_zone(ip: str) -> str:
    """The zone created for an address that no zone holds: its /24 (IPv4) or its /64 (IPv6)."""
    labels = ptr_name(ip).split(".")
    host_labels = 1 if ipaddress.ip_address(ip).version == 4 else 16  # one octet, or 16 nibbles
    return ".".join(labels[host_labels:])


def longest_zone(name: str, zones: Sequence[str]) -> str | None:
    """The longest of ``zones`` (absolute, lower case) that holds the absolute name ``name``."""
    name = name.lower()
    holding = [zone for zone in zones if name == zone or name.endswith("." + zone)]
    return max(holding, key=len, default=None)


class PowerDnsDriver:
    name = "powerdns"

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        server_id: str = "localhost",
        nameservers: Sequence[str] = DEFAULT_NAMESERVERS,
        timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.server_id = server_id
        self.nameservers = [absolute(nameserver) for nameserver in nameservers]
        self.timeout = timeout
        self._api_key = api_key  # only ever sent as a header: never logged, never in an error

    def _client(self) -> httpx.AsyncClient:
        # A client per call: the driver lives as long as the process and has no place to close one.
        return httpx.AsyncClient(
            base_url=f"{self.url}/api/v1/servers/{self.server_id}",
            headers={"X-API-Key": self._api_key, "Accept": "application/json"},
            timeout=self.timeout,
        )

    async def _send(
        self, client: httpx.AsyncClient, method: str, path: str, *, json: dict[str, Any] | None = None
    ) -> httpx.Response:
        """The response, or ``RetryLater`` when PowerDNS is unreachable, slow, busy or failing."""
        try:
            response = await client.request(method, path, json=json)
        except httpx.TransportError as exc:  # connection refused, DNS, timeouts …
            raise RetryLater(
                f"PowerDNS did not answer {method} {path}: {type(exc).__name__}: {exc}",
                seconds=DEFAULT_RETRY_SECONDS,
            ) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise RetryLater(
                f"PowerDNS failed {method} {path} ({response.status_code}): {_error_text(response)}",
                seconds=_retry_after(response),
            )
        return response

    async def _call(
        self, client: httpx.AsyncClient, method: str, path: str, *, json: dict[str, Any] | None = None
    ) -> Any:
        response = await self._send(client, method, path, json=json)
        if not response.is_success:
            raise _refused(method, path, response)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise DriverError(f"PowerDNS answered {method} {path} with something other than JSON") from exc

    async def _zones(self, client: httpx.AsyncClient) -> dict[str, str]:
        """Each zone's name (absolute, lower case) to its id in the API."""
        zones = await self._call(client, "GET", "/zones")
        if not isinstance(zones, list):
            raise DriverError("PowerDNS answered GET /zones with something other than a list")
        return {str(zone["name"]).lower(): str(zone["id"]) for zone in zones}

    async def _create_zone(self, client: httpx.AsyncClient, zone: str) -> str:
        body = {"name": zone, "kind": "Native", "nameservers": self.nameservers}
        response = await self._send(client, "POST", "/zones", json=body)
        if response.status_code == 409:  # created meanwhile by another worker: use it
            zone_id = (await self._zones(client)).get(zone)
            if zone_id is None:
                raise DriverError(f"PowerDNS says zone {zone} exists but does not list it")
            return zone_id
        if not response.is_success:
            raise _refused("POST", "/zones", response)
        return str(response.json()["id"])

    async def get_ptrs(self, ips: Sequence[str]) -> dict[str, str | None]:
        names = {ip: ptr_name(ip).lower() for ip in ips}
        if not names:
            return {}
        async with self._client() as client:
            zones = await self._zones(client)
            zone_of = {ip: longest_zone(name, list(zones)) for ip, name in names.items()}
            found: dict[tuple[str, str], str] = {}  # (zone, PTR name) -> host name
            for zone in sorted({zone for zone in zone_of.values() if zone is not None}):
                # One read per zone, whatever the number of addresses in it.
                detail = await self._call(client, "GET", f"/zones/{zones[zone]}")
                for rrset in detail.get("rrsets", []):
                    records = [record for record in rrset.get("records", []) if not record.get("disabled")]
                    if rrset.get("type") == "PTR" and records:
                        found[zone, str(rrset["name"]).lower()] = relative(str(records[0]["content"]))
        return {ip: found.get((zone, names[ip])) if zone is not None else None for ip, zone in zone_of.items()}

    async def set_ptr(self, ip: str, hostname: str | None) -> None:
        name = ptr_name(ip)
        async with self._client() as client:
            zones = await self._zones(client)
            zone = longest_zone(name, list(zones))
            if zone is None and hostname is None:
                return  # no zone holds the address, so it has no PTR to delete
            zone_id = zones[zone] if zone is not None else await self._create_zone(client, default_zone(ip))
            rrset: dict[str, Any] = {"name": name, "type": "PTR", "changetype": "DELETE"}
            if hostname is not None:
                rrset |= {
                    "changetype": "REPLACE",
                    "ttl": PTR_TTL,
                    "records": [{"content": absolute(hostname), "disabled": False}],
                }
            await self._call(client, "PATCH", f"/zones/{zone_id}", json={"rrsets": [rrset]})


def _error_text(response: httpx.Response) -> str:
    """PowerDNS's ``{"error": …}`` text, else the start of the body, else the status's reason."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return response.text.strip()[:200] or response.reason_phrase


def _retry_after(response: httpx.Response) -> int:
    value = response.headers.get("Retry-After", "")
    return max(1, int(value)) if value.isdigit() else DEFAULT_RETRY_SECONDS


def _refused(method: str, path: str, response: httpx.Response) -> DriverError:
    return DriverError(f"PowerDNS refused {method} {path} ({response.status_code}): {_error_text(response)}")
