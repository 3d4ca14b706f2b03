from __future__ import annotations

from hostlane.core.errors import Conflict, HostlaneError, NotFound


class PoolNotFound(NotFound):
    message = "IP pool not found."


class AddressNotFound(NotFound):
    message = "IP address not found."


class PduNotFound(NotFound):
    message = "PDU not found."


class PortNotFound(NotFound):
    message = "PDU port not found."


class PoolInUse(Conflict):
    message = "Addresses of the pool are assigned to services; unassign them first."


class PduInUse(Conflict):
    message = "Outlets of the PDU are assigned to services; unassign them first."


class PoolExhausted(Conflict):
    message = "The pool has no free address left."


class UpstreamUnavailable(HostlaneError):
    """The DNS server or the PDU did not answer: nothing changed, the caller may try again."""

    status = 503
    code = "upstream_unavailable"

    def __init__(self, what: str, retry_after: int) -> None:
        super().__init__(f"The {what} is not answering; try again later.", headers={"Retry-After": str(retry_after)})


class UpstreamRefused(HostlaneError):
    status = 502
    code = "upstream_refused"

    def __init__(self, what: str) -> None:
        super().__init__(f"The {what} refused the change.")
