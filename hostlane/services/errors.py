from __future__ import annotations

from hostlane.core.errors import Conflict, NotFound


class ServiceNotFound(NotFound):
    message = "Service not found."


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"The service cannot go from {current} to {target}.", current=current, target=target)


class ServiceIsLive(Conflict):
    code = "service_is_live"

    def __init__(self, status: str) -> None:
        super().__init__(f"The service is {status}; terminate or cancel it before deleting it.", status=status)


class NothingToRetry(Conflict):
    code = "nothing_to_retry"

    def __init__(self, delivery_status: str) -> None:
        super().__init__(
            f"The service's last module call is {delivery_status}: only a failed call can be retried.",
            delivery_status=delivery_status,
        )


class ServerNotFound(NotFound):
    message = "Server not found."


class ServerInUse(Conflict):
    code = "server_in_use"

    def __init__(self, services: int) -> None:
        super().__init__(
            f"{services} live service(s) run on the server; move or end them before deleting it.", services=services
        )


class CancellationReasonNotFound(NotFound):
    message = "Cancellation reason not found."


class SubdomainHostNotFound(NotFound):
    message = "Subdomain host not found."


class SubdomainHostInUse(Conflict):
    code = "subdomain_host_in_use"
    message = "Subdomains of this host are taken by services; it cannot be deleted."


class CancellationPending(Conflict):
    code = "cancellation_pending"
    message = "The service's cancellation is already requested."
