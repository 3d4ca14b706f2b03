from __future__ import annotations

from hostlane.core.errors import Conflict, NotFound, ValidationFailed


class GroupNotFound(NotFound):
    message = "Product group not found."


class ProductNotFound(NotFound):
    message = "Product not found."


class PricingNotFound(NotFound):
    message = "Pricing not found."


class ImageNotFound(NotFound):
    message = "Image not found."


class GroupHasProducts(Conflict):
    message = "The group still has products; move or delete them first."


class ProductInUse(Conflict):
    message = "The product has services; hide it instead of deleting it."


class UnknownModule(ValidationFailed):
    def __init__(self, name: str, known: list[str]) -> None:
        message = f"Unknown provisioning module '{name}'. Known modules: {', '.join(known)}."
        super().__init__(message, fields={"type": [message]})
