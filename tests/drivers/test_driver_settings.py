"""Settings choose the DNS and PDU drivers; PowerDNS cannot be chosen without its address and key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hostlane.config import Settings
from hostlane.drivers.dns import PowerDnsDriver, SimulatorDns, build_dns_driver
from hostlane.drivers.pdu import SimulatorPdu, build_pdu_driver


def make_settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_the_simulators_are_the_default_and_each_runtime_gets_its_own() -> None:
    settings = make_settings()

    dns = build_dns_driver(settings)

    assert isinstance(dns, SimulatorDns)
    assert build_dns_driver(settings) is not dns
    assert isinstance(build_pdu_driver(settings), SimulatorPdu)


def test_powerdns_without_its_address_and_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="HOSTLANE_POWERDNS_URL and HOSTLANE_POWERDNS_API_KEY"):
        make_settings(dns_driver="powerdns")
    with pytest.raises(ValidationError, match="needs HOSTLANE_POWERDNS_API_KEY"):
        make_settings(dns_driver="powerdns", powerdns_url="http://127.0.0.1:8081")


def test_powerdns_is_built_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTLANE_DNS_DRIVER", "powerdns")
    monkeypatch.setenv("HOSTLANE_POWERDNS_URL", "http://dns.example.net:8081/")
    monkeypatch.setenv("HOSTLANE_POWERDNS_API_KEY", "the-key")
    monkeypatch.setenv("HOSTLANE_POWERDNS_SERVER_ID", "primary")
    monkeypatch.setenv("HOSTLANE_POWERDNS_NAMESERVERS", "ns1.provider.example., ns2.provider.example")

    dns = build_dns_driver(make_settings())

    assert isinstance(dns, PowerDnsDriver)
    assert (dns.url, dns.server_id) == ("http://dns.example.net:8081", "primary")
    assert dns.nameservers == ["ns1.provider.example.", "ns2.provider.example."]
    assert "the-key" not in repr(dns)


def test_powerdns_needs_a_name_server() -> None:
    with pytest.raises(ValidationError, match="at least one name server"):
        make_settings(powerdns_nameservers="")
