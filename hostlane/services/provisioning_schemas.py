"""What provisioning servers, cancellation reasons, cancellations and subdomain hosts are made from."""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from hostlane.core.fields import Id
from hostlane.models import Visibility

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
ModuleName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Port = Annotated[int, Field(ge=1, le=65535)]

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def host_name(value: str) -> str:
    """A DNS name of at least two RFC 1123 labels, lower case, without a trailing (or, as CLIENTXCMS shows a
    subdomain host, a leading) dot."""
    name = value.strip().strip(".").lower()
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"'{value}' is not a valid host name")
    if labels[-1].isdigit():
        raise ValueError(f"'{value}' is not a valid host name (its last label is a number)")
    return name


def label(value: str) -> str:
    """One DNS label (a subdomain a customer takes): letters, digits and inner hyphens, lower case."""
    text = value.strip().lower()
    if not _LABEL.fullmatch(text):
        raise ValueError(f"'{value}' is not a valid subdomain (letters, digits and inner hyphens, 63 at most)")
    return text


def _address(value: str) -> str:
    """An IP address or a host name."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return host_name(value)


HostName = Annotated[str, StringConstraints(max_length=255), AfterValidator(host_name)]
Address = Annotated[str, StringConstraints(max_length=255), AfterValidator(_address)]
Label = Annotated[str, StringConstraints(max_length=63), AfterValidator(label)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ServerCreate(_Model):
    name: Title
    module: ModuleName
    hostname: Address
    address: Address
    port: Port = 443
    username: Secret | None = None
    password: Secret | None = None
    max_accounts: Annotated[int, Field(ge=0)] | None = None
    status: Visibility = Visibility.ACTIVE


class ServerUpdate(_Model):
    """Every field optional. Moving the server (another module, address or host name) needs its credentials
    again: those stored were given for the old destination."""

    name: Title | None = None
    module: ModuleName | None = None
    hostname: Address | None = None
    address: Address | None = None
    port: Port | None = None
    username: Secret | None = None
    password: Secret | None = None
    max_accounts: Annotated[int, Field(ge=0)] | None = None
    status: Visibility | None = None


class ServerProbe(_Model):
    """A connection to try: a server's fields as sent, or (``server_id``) a stored server's, the fields sent
    overriding its own (its stored credentials only while its destination is the same)."""

    server_id: Id | None = None
    module: ModuleName | None = None
    hostname: Address | None = None
    address: Address | None = None
    port: Port | None = None
    username: Secret | None = None
    password: Secret | None = None


class ReasonCreate(_Model):
    reason: Title
    status: Visibility


class ReasonUpdate(_Model):
    reason: Title | None = None
    status: Visibility | None = None


class CancelWhen(StrEnum):
    NOW = "now"
    END_OF_PERIOD = "end_of_period"


class CancellationRequest(_Model):
    """A service's cancellation: a reason staff offer (or none), words of the customer's own, and when."""

    reason_id: Id | None = None
    details: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None
    expiration: CancelWhen = CancelWhen.END_OF_PERIOD


class HostCreate(_Model):
    domain: HostName
    products: list[Id] = Field(default_factory=list, max_length=1000)
    groups: list[Id] = Field(default_factory=list, max_length=1000)


class HostUpdate(_Model):
    domain: HostName | None = None
    products: list[Id] | None = Field(None, max_length=1000)
    groups: list[Id] | None = Field(None, max_length=1000)
