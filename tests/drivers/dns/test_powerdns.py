"""The PowerDNS driver against a real PowerDNS Authoritative: what it writes is served over DNS."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from hostlane.drivers.dns import PowerDnsDriver
from hostlane.drivers.errors import DriverError, RetryLater
from tests.fixtures.powerdns import PowerDns, ptrs_over_dns
from tests.fixtures.servers import free_port

NAMESERVERS = ("ns1.hostlane-test.example.", "ns2.hostlane-test.example")


@pytest.fixture
def powerdns_empty(powerdns: PowerDns) -> Iterator[PowerDns]:
    powerdns.delete_all_zones()
    yield powerdns


@pytest.fixture
def driver(powerdns_empty: PowerDns) -> PowerDnsDriver:
    return PowerDnsDriver(powerdns_empty.url, powerdns_empty.api_key, nameservers=NAMESERVERS, timeout=5)


def zone_rrsets(powerdns: PowerDns, zone: str) -> list[tuple[str, str, list[str]]]:
    with powerdns.api() as api:
        response = api.get(f"/zones/{zone}")
        response.raise_for_status()
        return sorted(
            (rrset["name"], rrset["type"], sorted(record["content"] for record in rrset["records"]))
            for rrset in response.json()["rrsets"]
        )


async def test_ptrs_of_ipv4_and_ipv6_addresses_are_set_read_and_served(
    driver: PowerDnsDriver, powerdns_empty: PowerDns
) -> None:
    await driver.set_ptr("192.0.2.10", "host-a.example.com")
    await driver.set_ptr("2001:db8::10", "host-b.example.com.")

    ptrs = await driver.get_ptrs(["192.0.2.10", "2001:db8::10", "198.51.100.1"])

    assert ptrs == {"192.0.2.10": "host-a.example.com", "2001:db8::10": "host-b.example.com", "198.51.100.1": None}
    assert await ptrs_over_dns(powerdns_empty, "192.0.2.10") == ["host-a.example.com."]
    assert await ptrs_over_dns(powerdns_empty, "2001:db8::10") == ["host-b.example.com."]


async def test_a_ptr_is_replaced_then_deleted(driver: PowerDnsDriver, powerdns_empty: PowerDns) -> None:
    await driver.set_ptr("192.0.2.10", "old.example.com")
    await driver.set_ptr("192.0.2.10", "new.example.com")

    assert await driver.get_ptrs(["192.0.2.10"]) == {"192.0.2.10": "new.example.com"}
    assert await ptrs_over_dns(powerdns_empty, "192.0.2.10") == ["new.example.com."]

    await driver.set_ptr("192.0.2.10", None)
    await driver.set_ptr("192.0.2.10", None)  # deleting what is not there is no error

    assert await driver.get_ptrs(["192.0.2.10"]) == {"192.0.2.10": None}
    assert await ptrs_over_dns(powerdns_empty, "192.0.2.10") == []


async def test_addresses_no_zone_holds_read_as_none_and_deleting_them_creates_nothing(
    driver: PowerDnsDriver, powerdns_empty: PowerDns
) -> None:
    assert await driver.get_ptrs(["203.0.113.5", "2001:db8:1::5"]) == {"203.0.113.5": None, "2001:db8:1::5": None}
    assert await driver.get_ptrs([]) == {}

    await driver.set_ptr("203.0.113.5", None)

    assert powerdns_empty.zone_names() == []


async def test_the_zone_of_a_24_is_created_once_with_the_configured_name_servers(
    driver: PowerDnsDriver, powerdns_empty: PowerDns
) -> None:
    await driver.set_ptr("192.0.2.10", "host-a.example.com")
    await driver.set_ptr("192.0.2.11", "host-b.example.com")
    await driver.set_ptr("2001:db8::10", "host-c.example.com")

    assert powerdns_empty.zone_names() == [
        "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",  # the /64
        "2.0.192.in-addr.arpa.",
    ]
    rrsets = zone_rrsets(powerdns_empty, "2.0.192.in-addr.arpa.")
    assert [rrset for rrset in rrsets if rrset[1] != "SOA"] == [
        ("10.2.0.192.in-addr.arpa.", "PTR", ["host-a.example.com."]),
        ("11.2.0.192.in-addr.arpa.", "PTR", ["host-b.example.com."]),
        ("2.0.192.in-addr.arpa.", "NS", ["ns1.hostlane-test.example.", "ns2.hostlane-test.example."]),
    ]
    assert [rrset[1] for rrset in rrsets].count("SOA") == 1
    assert await ptrs_over_dns(powerdns_empty, "192.0.2.11") == ["host-b.example.com."]


async def test_several_addresses_of_one_zone_are_read_with_one_request_for_it(
    driver: PowerDnsDriver, powerdns_empty: PowerDns, monkeypatch: pytest.MonkeyPatch
) -> None:
    for last in (10, 11, 12):
        await driver.set_ptr(f"192.0.2.{last}", f"host-{last}.example.com")
    await driver.set_ptr("2001:db8::10", "host-v6.example.com")
    requests: list[tuple[str, str]] = []
    send = httpx.AsyncClient.send

    async def counted_send(client: httpx.AsyncClient, request: httpx.Request, **options: object) -> httpx.Response:
        requests.append((request.method, request.url.path))
        return await send(client, request, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.AsyncClient, "send", counted_send)

    ptrs = await driver.get_ptrs(["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13", "2001:db8::10"])

    assert ptrs == {
        "192.0.2.10": "host-10.example.com",
        "192.0.2.11": "host-11.example.com",
        "192.0.2.12": "host-12.example.com",
        "192.0.2.13": None,
        "2001:db8::10": "host-v6.example.com",
    }
    assert sorted(requests) == [
        ("GET", "/api/v1/servers/localhost/zones"),
        ("GET", "/api/v1/servers/localhost/zones/0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."),
        ("GET", "/api/v1/servers/localhost/zones/2.0.192.in-addr.arpa."),
    ]


async def test_the_longest_existing_zone_holds_the_ptr(driver: PowerDnsDriver, powerdns_empty: PowerDns) -> None:
    powerdns_empty.create_zone("51.198.in-addr.arpa.")  # a /16 the operator made

    await driver.set_ptr("198.51.100.7", "wide.example.com")

    assert powerdns_empty.zone_names() == ["51.198.in-addr.arpa."]
    assert ("7.100.51.198.in-addr.arpa.", "PTR", ["wide.example.com."]) in zone_rrsets(
        powerdns_empty, "51.198.in-addr.arpa."
    )

    powerdns_empty.create_zone("100.51.198.in-addr.arpa.")  # then a /24 inside it
    await driver.set_ptr("198.51.100.8", "narrow.example.com")

    assert ("8.100.51.198.in-addr.arpa.", "PTR", ["narrow.example.com."]) in zone_rrsets(
        powerdns_empty, "100.51.198.in-addr.arpa."
    )
    assert await ptrs_over_dns(powerdns_empty, "198.51.100.8") == ["narrow.example.com."]
    # The /24 now answers for 198.51.100.7 too, and holds no PTR for it.
    assert await driver.get_ptrs(["198.51.100.7", "198.51.100.8"]) == {
        "198.51.100.7": None,
        "198.51.100.8": "narrow.example.com",
    }


async def test_a_wrong_api_key_is_a_lasting_error_that_does_not_show_the_key(
    powerdns_empty: PowerDns, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    driver = PowerDnsDriver(powerdns_empty.url, "wrong-key-4f9a2c", timeout=5)

    with pytest.raises(DriverError) as refused:
        await driver.set_ptr("192.0.2.10", "host.example.com")

    assert not isinstance(refused.value, RetryLater)
    assert "401" in str(refused.value)
    assert "wrong-key-4f9a2c" not in str(refused.value)
    assert "wrong-key-4f9a2c" not in caplog.text
    assert powerdns_empty.zone_names() == []


async def test_a_request_powerdns_refuses_carries_its_error_text(powerdns_empty: PowerDns) -> None:
    driver = PowerDnsDriver(powerdns_empty.url, powerdns_empty.api_key, nameservers=["not a name"], timeout=5)

    with pytest.raises(DriverError) as refused:
        await driver.set_ptr("192.0.2.10", "host.example.com")

    assert not isinstance(refused.value, RetryLater)
    assert "422" in str(refused.value)
    assert "non-hostname content" in str(refused.value)  # PowerDNS's own words about the name server
    assert powerdns_empty.api_key not in str(refused.value)


async def test_an_unreachable_server_is_retried_later() -> None:
    driver = PowerDnsDriver(f"http://127.0.0.1:{free_port()}", "the-key-7d1e", timeout=2)

    with pytest.raises(RetryLater) as later:
        await driver.get_ptrs(["192.0.2.10"])

    assert later.value.seconds > 0
    assert "the-key-7d1e" not in str(later.value)


@pytest.fixture
async def http_server() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A local HTTP server that answers what the test puts in the list (nothing: it never answers)."""
    answers: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if answers:
            writer.write(answers[0])
            await writer.drain()
        else:
            await asyncio.sleep(30)
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", answers
    server.close()


async def test_a_failing_server_is_retried_when_it_says(http_server: tuple[str, list[bytes]]) -> None:
    url, answers = http_server
    answers.append(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 4\r\n\r\nbusy")

    with pytest.raises(RetryLater) as later:
        await PowerDnsDriver(url, "the-key", timeout=2).set_ptr("192.0.2.10", "host.example.com")

    assert later.value.seconds == 7
    assert "503" in str(later.value)


async def test_a_server_that_does_not_answer_in_time_is_retried_later(http_server: tuple[str, list[bytes]]) -> None:
    url, _answers = http_server

    with pytest.raises(RetryLater, match="Timeout"):
        await PowerDnsDriver(url, "the-key", timeout=0.3).get_ptrs(["192.0.2.10"])
