"""The PDU simulator keeps each outlet's power, refuses outlets it lacks, and fails when told to."""

from __future__ import annotations

import pytest

from hostlane.drivers.errors import DriverError, RetryLater
from hostlane.drivers.pdu import SimulatorPdu


async def test_outlets_are_on_until_switched_off() -> None:
    pdu = SimulatorPdu()
    assert await pdu.get_power("pdu1.example.net", 3) is True

    await pdu.set_power("pdu1.example.net", 3, False)

    assert await pdu.get_power("pdu1.example.net", 3) is False
    assert await pdu.get_power("pdu1.example.net", 4) is True  # another outlet
    assert await pdu.get_power("192.0.2.50", 3) is True  # another PDU

    await pdu.set_power("pdu1.example.net", 3, True)
    assert await pdu.get_power("pdu1.example.net", 3) is True
    assert pdu.state.calls == {"get_power": 5, "set_power": 2}


@pytest.mark.parametrize("outlet", [0, -1, 25])
async def test_an_outlet_the_pdu_lacks_is_refused(outlet: int) -> None:
    pdu = SimulatorPdu(outlets_per_pdu=24)

    with pytest.raises(DriverError, match=f"no outlet {outlet}"):
        await pdu.set_power("pdu1.example.net", outlet, False)
    assert pdu.state.outlets == {}


async def test_the_next_calls_time_out_when_told_then_work_again() -> None:
    pdu = SimulatorPdu()
    pdu.fail_next(1)

    with pytest.raises(RetryLater):
        await pdu.set_power("pdu1.example.net", 1, False)
    assert await pdu.get_power("pdu1.example.net", 1) is True  # the failed call changed nothing

    await pdu.set_power("pdu1.example.net", 1, False)
    assert await pdu.get_power("pdu1.example.net", 1) is False


async def test_a_broken_pdu_fails_for_good_until_reset() -> None:
    pdu = SimulatorPdu()
    await pdu.set_power("pdu1.example.net", 1, False)
    pdu.state.broken = True

    with pytest.raises(DriverError) as refused:
        await pdu.get_power("pdu1.example.net", 1)
    assert not isinstance(refused.value, RetryLater)

    pdu.reset()
    assert await pdu.get_power("pdu1.example.net", 1) is True
