"""Reverse DNS (PTR records): ``powerdns`` (PowerDNS Authoritative's HTTP API) or the stateful ``simulator``."""

from __future__ import annotations

from hostlane.config import Settings
from hostlane.drivers.dns.base import DnsDriver
from hostlane.drivers.dns.powerdns import PowerDnsDriver
from hostlane.drivers.dns.simulator import SimulatorDns


def build_dns_driver(settings: Settings) -> DnsDriver:
    """The driver ``settings.dns_driver`` names (a fresh simulator each time: its state is the runtime's)."""
    if settings.dns_driver == "powerdns":
        if not settings.powerdns_url or not settings.powerdns_api_key:
            raise ValueError("HOSTLANE_DNS_DRIVER=powerdns needs HOSTLANE_POWERDNS_URL and HOSTLANE_POWERDNS_API_KEY")
        return PowerDnsDriver(
            settings.powerdns_url,
            settings.powerdns_api_key,
            server_id=settings.powerdns_server_id,
            nameservers=settings.powerdns_nameservers,
        )
    return SimulatorDns()


__all__ = ["DnsDriver", "PowerDnsDriver", "SimulatorDns", "build_dns_driver"]
