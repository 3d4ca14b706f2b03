"""The reverse-DNS simulator keeps PTRs like a DNS server would, and fails when told to."""

from __future__ import annotations

import pytest

from hostlane.drivers.dns import SimulatorDns
from hostlane.drivers.errors import DriverError, RetryLater


async def test_a_ptr_set_is_read_back_without_its_trailing_dot() -> None:
    dns = SimulatorDns()
    await dns.set_ptr("192.0.2.10", "host-a.example.com.")
    await dns.set_ptr("2001:db8::10", "host-b.example.com")

    ptrs = await dns.get_ptrs(["192.0.2.10", "2001:db8::10", "192.0.2.11"])

    assert ptrs == {"192.0.2.10": "host-a.example.com", "2001:db8::10": "host-b.example.com", "192.0.2.11": None}


async def test_an_address_is_the_same_whichever_way_it_is_written() -> None:
    dns = SimulatorDns()
    await dns.set_ptr("2001:DB8:0:0::0010", "host.example.com")

    assert await dns.get_ptrs(["2001:db8::10"]) == {"2001:db8::10": "host.example.com"}


async def test_a_ptr_is_replaced_then_deleted() -> None:
    dns = SimulatorDns()
    await dns.set_ptr("192.0.2.10", "old.example.com")
    await dns.set_ptr("192.0.2.10", "new.example.com")
    assert await dns.get_ptrs(["192.0.2.10"]) == {"192.0.2.10": "new.example.com"}

    await dns.set_ptr("192.0.2.10", None)
    await dns.set_ptr("192.0.2.10", None)  # deleting what is not there is no error

    assert await dns.get_ptrs(["192.0.2.10"]) == {"192.0.2.10": None}
    assert dns.state.calls == {"set_ptr": 4, "get_ptrs": 2}


async def test_an_invalid_address_is_refused() -> None:
    with pytest.raises(ValueError):
        await SimulatorDns().set_ptr("192.0.2.300", "host.example.com")


async def test_the_next_calls_time_out_when_told_then_work_again() -> None:
    dns = SimulatorDns()
    dns.fail_next(2)

    with pytest.raises(RetryLater) as first:
        await dns.set_ptr("192.0.2.10", "host.example.com")
    with pytest.raises(RetryLater):
        await dns.get_ptrs(["192.0.2.10"])
    await dns.set_ptr("192.0.2.10", "host.example.com")

    assert first.value.seconds > 0
    assert await dns.get_ptrs(["192.0.2.10"]) == {"192.0.2.10": "host.example.com"}


async def test_a_broken_server_fails_for_good_until_reset() -> None:
    dns = SimulatorDns()
    await dns.set_ptr("192.0.2.10", "host.example.com")
    dns.state.broken = True

    with pytest.raises(DriverError) as refused:
        await dns.get_ptrs(["192.0.2.10"])
    assert not isinstance(refused.value, RetryLater)

    dns.reset()
    assert await dns.get_ptrs(["192.0.2.10"]) == {"192.0.2.10": None}
    assert dns.state.calls == {"get_ptrs": 1}
