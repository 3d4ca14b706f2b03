from __future__ import annotations

from hostlane.core.errors import Conflict, NotFound


class OrderNotFound(NotFound):
    message = "Order not found."


class OrderNotCancellable(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(f"An order that is {status} cannot be cancelled; cancel or refund its services instead.")
