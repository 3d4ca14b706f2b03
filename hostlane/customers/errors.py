from __future__ import annotations

from hostlane.core.errors import Conflict, NotFound, ValidationFailed


class CustomerNotFound(NotFound):
    message = "Customer not found."


class EmailTaken(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("The email has already been taken.", fields={"email": ["The email has already been taken."]})


class CustomerHasActiveServices(Conflict):
    def __init__(self, count: int) -> None:
        super().__init__(
            f"The customer has {count} active service(s); terminate them first or delete with force=1.",
            active_services=count,
        )
