"""What the application face's clients send, in CLIENTXCMS's names and words, and how it becomes Hostlane's.

A model that only adds the document's names for Hostlane's fields extends the domain's schema (it is one,
so a route passes it on as it is); a model whose words differ converts itself with ``to_domain()``. Class
names are the domain's, so the OpenAPI document names each body as before.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from hostlane.catalog import schemas as catalog
from hostlane.core.fields import CurrencyCode, Id, Line, Phone
from hostlane.customers import schemas as customers
from hostlane.customers.schemas import Postcode
from hostlane.faces.application.wire import TICKET_STATUS_FROM_WIRE
from hostlane.models import TicketPriority
from hostlane.support import schemas as support
from hostlane.support.schemas import MessageText, Title


class _CustomerNames(BaseModel):
    """CLIENTXCMS's names (``address``, ``region``, ``zipcode``, ``company_name``); Hostlane's own are still
    understood, and HostBill's ``phonenumber``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    companyname: Line | None = Field(None, validation_alias=AliasChoices("company_name", "companyname"))
    address1: Line | None = Field(None, validation_alias=AliasChoices("address", "address1"))
    state: Line | None = Field(None, validation_alias=AliasChoices("region", "state"))
    postcode: Postcode | None = Field(None, validation_alias=AliasChoices("zipcode", "postcode"))
    phone: Phone | None = Field(None, validation_alias=AliasChoices("phone", "phonenumber"))


class CustomerCreate(_CustomerNames, customers.CustomerCreate):
    pass


class CustomerUpdate(_CustomerNames, customers.CustomerUpdate):
    """Every field optional: only the fields sent change."""


class CustomerAction(BaseModel):
    """What a customer action takes: ``reason`` (suspend, ban), ``force`` (suspend, ban: its active services are
    suspended too) and ``notify`` (suspend, ban, reactivate: the customer is told by e-mail)."""

    model_config = ConfigDict(extra="ignore")

    reason: customers.Reason | None = None
    force: bool = False
    notify: bool = False

    def to_domain(self) -> customers.Standing:
        return customers.Standing(reason=self.reason, suspend_services=self.force, notify=self.notify)


class PricingCreate(catalog.Prices):
    """One product's prices in one currency. ``product_id``, or CLIENTXCMS's ``related_id`` with
    ``related_type=product``."""

    product_id: Id | None = Field(None, validation_alias=AliasChoices("product_id", "related_id"))
    related_type: Literal["product"] = "product"
    currency: CurrencyCode

    def to_domain(self) -> catalog.PricingCreate:
        return catalog.PricingCreate.model_validate(self.model_dump(exclude={"related_type"}, exclude_unset=True))


# CLIENTXCMS's ``content`` and ``related_id`` for the body and the service. (Comments, not docstrings, from
# here on: a docstring is the body's description in the OpenAPI document, which says none for these.)
class StaffTicketOpen(support.StaffTicketOpen):
    body: MessageText = Field(validation_alias=AliasChoices("body", "content"))
    service_id: Id | None = Field(None, validation_alias=AliasChoices("service_id", "related_id"))


# CLIENTXCMS's ``content`` for the body.
class ReplyIn(support.ReplyIn):
    body: MessageText = Field(validation_alias=AliasChoices("body", "content"))


# A ticket's status in this face's words (``TICKET_STATUS_WORDS`` in ``wire``).
class TicketStatus(StrEnum):
    OPEN = "Open"
    ANSWERED = "Answered"
    CUSTOMER_REPLY = "Customer-Reply"
    CLOSED = "Closed"


# A ticket's changes, its status in the face's words.
class TicketUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    department_id: Id | None = None
    subject: Title | None = None
    priority: TicketPriority | None = None
    status: TicketStatus | None = None

    def to_domain(self) -> support.TicketUpdate:
        changes = self.model_dump(exclude_unset=True)
        if self.status is not None:
            changes["status"] = TICKET_STATUS_FROM_WIRE[self.status]
        return support.TicketUpdate.model_validate(changes)
