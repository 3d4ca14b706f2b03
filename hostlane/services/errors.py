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
