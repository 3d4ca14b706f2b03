"""What the application face's clients send, in CLIENTXCMS's names and words, and how it becomes Hostlane's.

A model that only adds the document's names for Hostlane's fields extends the domain's schema (it is one,
so a route passes it on as it is); a model whose words differ converts itself with ``to_domain()``. Class
names are the domain's, so the OpenAPI document names each body as before.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from hostlane.catalog import schemas as catalog
from hostlane.core.fields import CurrencyCode, Id, Line, Phone
from hostlane.customers import schemas as customers
from hostlane.customers.schemas import Postcode
from hostlane.faces.application.wire import TICKET_PRIORITY_FROM_WIRE, TICKET_STATUS_FROM_WIRE
from hostlane.support import schemas as support
from hostlane.support.schemas import MessageText, Title


class _CustomerNames(BaseModel):
    """CLIENTXCMS's names (``company_name``, ``address``, ``region``, ``zipcode``) and HostBill's
    ``phonenumber``, besides Hostlane's."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    companyname: Line | None = Field(None, validation_alias=AliasChoices("companyname", "company_name"))
    address1: Line | None = Field(None, validation_alias=AliasChoices("address1", "address"))
    state: Line | None = Field(None, validation_alias=AliasChoices("state", "region"))
    postcode: Postcode | None = Field(None, validation_alias=AliasChoices("postcode", "zipcode"))
    phone: Phone | None = Field(None, validation_alias=AliasChoices("phone", "phonenumber"))


class CustomerCreate(_CustomerNames, customers.CustomerCreate):
    pass


class CustomerUpdate(_CustomerNames, customers.CustomerUpdate):
    """Every field optional: only the fields sent change."""


class PricingCreate(catalog.Prices):
    """One product's prices in one currency. ``product_id``, or CLIENTXCMS's ``related_id`` with
    ``related_type=product``."""

    product_id: Id | None = Field(None, validation_alias=AliasChoices("product_id", "related_id"))
    related_type: Literal["product"] = "product"
    currency: CurrencyCode

    def to_domain(self) -> catalog.PricingCreate:
        return catalog.PricingCreate.model_validate(self.model_dump(exclude={"related_type"}, exclude_unset=True))


# CLIENTXCMS's ``content`` (5 to 10,000 characters there) for the message text.
Content = Annotated[MessageText, StringConstraints(min_length=5, max_length=10000)]
# CLIENTXCMS's priorities (``TICKET_PRIORITY_WORDS`` in ``wire``).
Priority = Literal["low", "medium", "high"]


def _related_service(value: object) -> object:
    """CLIENTXCMS's ``related_id``: ``service-12`` (its form's value), ``12``, or ``none``."""
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("", "none"):
            return None
        kind, dash, number = text.rpartition("-")
        if dash:
            if kind != "service":
                raise ValueError("a ticket relates to a service only (service-<id>)")
            return number
    return value


def _none_word(value: object) -> object:
    return None if isinstance(value, str) and value.strip().lower() == "none" else value


# CLIENTXCMS's ``content``, ``related_id`` (with ``related_type=service``) and priority words. (Comments, not
# docstrings, from here on: a docstring is the body's description in the OpenAPI document, which says none.)
class StaffTicketOpen(support.StaffTicketOpen):
    body: Content = Field(validation_alias=AliasChoices("body", "content"))
    priority: Priority = "medium"  # type: ignore[assignment]
    service_id: Annotated[Id | None, BeforeValidator(_related_service)] = Field(
        None, validation_alias=AliasChoices("service_id", "related_id")
    )
    related_type: Annotated[Literal["service"] | None, BeforeValidator(_none_word)] = None

    def to_domain(self) -> support.StaffTicketOpen:
        changes = self.model_dump(exclude={"related_type"})
        changes["priority"] = TICKET_PRIORITY_FROM_WIRE[self.priority]
        return support.StaffTicketOpen.model_validate(changes)


# CLIENTXCMS's ``content`` for the body.
class ReplyIn(support.ReplyIn):
    body: Content = Field(validation_alias=AliasChoices("body", "content"))


# A ticket's status in this face's words (``TICKET_STATUS_FROM_WIRE`` in ``wire``).
TicketStatus = Literal["open", "answered", "closed"]


# A ticket's changes in the face's words; ``assigned_to`` a staff member's id (``none`` or null unassigns).
class TicketUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    department_id: Id | None = None
    subject: Title | None = None
    priority: Priority | None = None
    status: TicketStatus | None = None
    close_reason: Annotated[str, StringConstraints(max_length=65535)] | None = None
    assigned_to: Annotated[Id | None, BeforeValidator(_none_word)] = None

    def to_domain(self) -> support.TicketUpdate:
        changes = self.model_dump(exclude_unset=True)
        if self.status is not None:
            changes["status"] = TICKET_STATUS_FROM_WIRE[self.status]
        if self.priority is not None:
            changes["priority"] = TICKET_PRIORITY_FROM_WIRE[self.priority]
        return support.TicketUpdate.model_validate(changes)
