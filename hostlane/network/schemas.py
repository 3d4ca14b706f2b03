"""What IP pools, address and outlet assignments, reverse-DNS changes and power switches are made from."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from hostlane.core.fields import Id

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]

_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def hostname(value: str) -> str:
    """A DNS host name (RFC 1123 labels, at least two of them), lower-cased, without the trailing dot."""
    name = value.strip().rstrip(".").lower()
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"'{value}' is not a valid host name")
    if labels[-1].isdigit():
        raise ValueError(f"'{value}' is not a valid host name (its last label is a number)")
    return name


def _network(value: str) -> str:
    try:
        network = ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise ValueError(f"must be a network in CIDR form such as 192.0.2.0/24 ({exc})") from None
    if network.num_addresses < 2:
        raise ValueError("must hold at least two addresses")
    return str(network)


def ip(value: str) -> str:
    """An IP address in its canonical text (``ValueError`` if it is none, or carries an IPv6 zone)."""
    address = ipaddress.ip_address(value.strip())
    if getattr(address, "scope_id", None) is not None:
        raise ValueError(f"'{value}' is not an IP address")
    return str(address)


def _address(value: str) -> str:
    try:
        return ip(value)
    except ValueError:
        raise ValueError(f"'{value}' is not an IP address") from None


def _host(value: str) -> str:
    """A PDU's address: an IP address or a host name."""
    try:
        return ip(value)
    except ValueError:
        return hostname(value)


Network = Annotated[str, StringConstraints(max_length=64), AfterValidator(_network)]
Address = Annotated[str, StringConstraints(max_length=64), AfterValidator(_address)]
Host = Annotated[str, StringConstraints(max_length=255), AfterValidator(_host)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PoolCreate(_Model):
    name: Title
    network: Network
    gateway: Address | None = None


class PoolUpdate(_Model):
    name: Title | None = None
    gateway: Address | None = None


class AddressAssign(_Model):
    """An address for a service: the pool's next free one, or the one named."""

    pool_id: Id
    address: Address | None = None


class PduCreate(_Model):
    name: Title
    address: Host
    outlets: int = Field(ge=1, le=1024)


class PduUpdate(_Model):
    name: Title | None = None
    address: Host | None = None
    outlets: int | None = Field(None, ge=1, le=1024)


class PortAssign(_Model):
    pdu_id: Id
    outlet: int = Field(ge=1, le=1024)
    label: Label = ""


def _power(value: Any) -> Any:
    """``power`` as clients send it: a JSON boolean, 1/0, or the words on/off, true/false."""
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("on", "true", "1", "yes"):
            return True
        if word in ("off", "false", "0", "no"):
            return False
    return value


class PowerIn(_Model):
    power: Annotated[bool, BeforeValidator(_power)] = Field(strict=True)


class RdnsIn(_Model):
    """The client area's ``{"ipaddress": {"<ip>": "<host name>"}}``; an empty name removes the PTR."""

    ipaddress: dict[str, str | None] = Field(min_length=1, max_length=256)
