"""The one test-mode switch: every driver of one mode, live or test.

Test mode never reaches the outside world (DESIGN §3): whatever gateway a saved card names, a test charge goes
to the test gateway; a product whose provisioning module reaches a real system is provisioned on the simulator;
DNS and PDU calls go to the runtime's test simulators. Live mode never reaches a test gateway (it moves no
money): a live card is saved and charged only through a configured gateway that serves live mode (Stripe).
``Runtime.drivers(livemode)`` builds this value for the process's DNS and PDU drivers; code holding only a
database (charging a card) asks ``gateway_for``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hostlane.drivers import payments, provisioning
from hostlane.drivers.dns import DnsDriver
from hostlane.drivers.payments import Gateway
from hostlane.drivers.pbx import PbxDriver, SimulatorPbx
from hostlane.drivers.pdu import PduDriver
from hostlane.drivers.provisioning import ProvisioningModule

TEST_GATEWAY = "test"
TEST_MODULE = "simulator"


def gateway_name(name: str, *, livemode: bool) -> str:
    """The gateway a charge of this mode goes to (and that its payment records)."""
    return name if livemode else TEST_GATEWAY


def gateway_refusal(name: str, *, livemode: bool) -> str | None:
    """Why a payment method of gateway ``name`` cannot be saved in this mode (None: it can)."""
    gateway = payments.get(name)
    if gateway is None:
        return f"The payment gateway '{name}' is not configured."
    if livemode and not gateway.serves_live:
        return f"The payment gateway '{name}' serves test mode only."
    return None


def gateway_for(name: str, *, livemode: bool) -> Gateway | None:
    """The payment gateway of this mode for a method saved with gateway ``name`` (None: not configured, or a
    test gateway asked to charge in live mode)."""
    gateway = payments.get(gateway_name(name, livemode=livemode))
    if gateway is None or (livemode and not gateway.serves_live):
        return None
    return gateway


def default_gateway(*, livemode: bool) -> str | None:
    """The gateway of a payment method saved without one: the test gateway in test mode; in live mode the
    configured gateway that moves real money (None: none is configured)."""
    if not livemode:
        return TEST_GATEWAY
    live = payments.live_names()
    return live[0] if live else None


def module_for(name: str, *, livemode: bool) -> ProvisioningModule | None:
    """The provisioning module of this mode for a product of type ``name`` (None: not installed)."""
    module = provisioning.get(name)
    if module is None or livemode or not module.reaches_outside:
        return module
    # A module may name its own stand-in (the cms_instance simulator keeps what the API reads), else the generic one.
    double: ProvisioningModule | None = getattr(module, "test_double", None)
    return double or provisioning.get(TEST_MODULE)


@dataclass(frozen=True)
class Drivers:
    """The drivers of one mode: payment gateways, provisioning modules, reverse DNS, PDUs and PBX servers."""

    livemode: bool
    dns: DnsDriver
    pdu: PduDriver
    pbx: PbxDriver = field(default_factory=SimulatorPbx)

    def gateway(self, name: str) -> Gateway | None:
        return gateway_for(name, livemode=self.livemode)

    def gateway_name(self, name: str) -> str:
        return gateway_name(name, livemode=self.livemode)

    def module(self, name: str) -> ProvisioningModule | None:
        return module_for(name, livemode=self.livemode)
