"""What the application face's clients send, in CLIENTXCMS's names and words, and how it becomes Hostlane's.

A model that only adds the document's names for Hostlane's fields extends the domain's schema (it is one,
so a route passes it on as it is); a model whose words differ converts itself with ``to_domain()``. Class
names are the domain's, so the OpenAPI document names each body as before.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator
from pydantic import ValidationError as PydanticValidationError

from hostlane.billing import coupon_schemas
from hostlane.billing import schemas as billing
from hostlane.catalog import schemas as catalog
from hostlane.config import get_settings
from hostlane.core.errors import ValidationFailed
from hostlane.core.fields import Amount, CurrencyCode, Id, Line, Phone
from hostlane.core.money import MAX_AMOUNT
from hostlane.customers import schemas as customers
from hostlane.customers.schemas import Postcode
from hostlane.faces.application.wire import INVOICE_STATUS_FROM_WIRE, TICKET_PRIORITY_FROM_WIRE, TICKET_STATUS_FROM_WIRE
from hostlane.services import provisioning_schemas as provisioning
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


# The catalogue. An image comes as a file of a multipart body (``uploaded_files``), never as a field: a text
# ``image`` is refused as CLIENTXCMS refuses it. A group's ``parent_id`` may say ``none`` (CLIENTXCMS's admin
# forms send it); its ``use_image_as_background`` is CLIENTXCMS's metadata key of that name.


def _no_weekly(value: Any) -> Any:
    if value not in (None, ""):
        raise ValueError("Hostlane bills no weekly cycle")
    return None


def _parent_none(value: Any) -> Any:
    return None if value == "none" else value


class _Image(BaseModel):
    image: Any = None
    remove_image: bool = False

    def image_refused(self) -> ValidationFailed | None:
        """A 422 on ``image`` when it came as a text field rather than a file."""
        if self.image is None:
            return None
        return ValidationFailed.field("image", "The image field must be an image.")


class _Background(BaseModel):
    use_image_as_background: bool | None = None

    def with_background(self, metadata: dict[str, str | None] | None, *, creating: bool) -> dict[str, str | None]:
        out = dict(metadata or {})
        if self.use_image_as_background is not None and (self.use_image_as_background or not creating):
            out["use_image_as_background"] = "true" if self.use_image_as_background else None
        return out


class GroupCreate(_Image, _Background, catalog.GroupCreate):
    _parent = field_validator("parent_id", mode="before")(_parent_none)

    def to_domain(self) -> catalog.GroupCreate:
        data = self.model_dump(include=set(catalog.GroupCreate.model_fields))
        data["metadata"] = self.with_background(self.metadata, creating=True)
        return catalog.GroupCreate.model_validate(data)


class GroupUpdate(_Image, _Background, catalog.GroupUpdate):
    _parent = field_validator("parent_id", mode="before")(_parent_none)

    def to_domain(self) -> catalog.GroupUpdate:
        data = self.model_dump(include=set(catalog.GroupUpdate.model_fields), exclude_unset=True)
        metadata = self.with_background(self.metadata, creating=False)
        if metadata or "metadata" in data:
            data["metadata"] = metadata
        return catalog.GroupUpdate.model_validate(data)


class ProductCreate(_Image, catalog.ProductCreate):
    def to_domain(self) -> catalog.ProductCreate:
        return catalog.ProductCreate.model_validate(self.model_dump(include=set(catalog.ProductCreate.model_fields)))


class ProductUpdate(_Image, catalog.ProductUpdate):
    def to_domain(self) -> catalog.ProductUpdate:
        fields = set(catalog.ProductUpdate.model_fields)
        return catalog.ProductUpdate.model_validate(self.model_dump(include=fields, exclude_unset=True))


class _Related(BaseModel):
    """CLIENTXCMS's ``related_id`` (with ``related_type=product``) for ``product_id``; its weekly cycle."""

    product_id: Id | None = Field(None, validation_alias=AliasChoices("product_id", "related_id"))
    related_type: Literal["product"] = "product"
    weekly: None = None
    setup_weekly: None = None

    _weekly = field_validator("weekly", "setup_weekly", mode="before")(_no_weekly)


class PricingCreate(_Related, catalog.Prices):
    """One product's prices in one currency. ``product_id``, or CLIENTXCMS's ``related_id`` with
    ``related_type=product``."""

    currency: CurrencyCode

    def to_domain(self) -> catalog.PricingCreate:
        return catalog.PricingCreate.model_validate(
            self.model_dump(exclude={"related_type", "weekly", "setup_weekly"}, exclude_unset=True)
        )


# A pricing's changes: its prices, its currency, its product (``product_id`` or ``related_id``).
class PricingUpdate(_Related, catalog.Prices):
    currency: CurrencyCode | None = None

    def to_domain(self) -> catalog.PricingUpdate:
        return catalog.PricingUpdate.model_validate(
            self.model_dump(exclude={"related_type", "weekly", "setup_weekly"}, exclude_unset=True)
        )


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


# A day, also as the face prints one (``2026-05-15T00:00:00.000000Z``: a client sends back what it read).
def _day_part(value: Any) -> Any:
    return value[:10] if isinstance(value, str) and len(value) > 10 and value[10] in "T " else value


Day = Annotated[dt.date, BeforeValidator(_day_part)]
# An invoice's status in this face's words (``INVOICE_STATUS_WORDS`` in ``wire``).
InvoiceWord = Literal["pending", "paid", "draft", "cancelled", "refunded", "failed"]
DueDate = Field(None, validation_alias=AliasChoices("due_date", "duedate"))


# An invoice, in CLIENTXCMS's names. Without ``items`` it is an empty draft (CLIENTXCMS's POST /invoices);
# with them, Hostlane's manual invoice, issued at once unless ``status`` is "draft" (or ``draft`` is true).
class InvoiceCreate(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    customer_id: Id
    currency: CurrencyCode | None = None
    items: billing.Lines = []
    duedate: Day | None = DueDate
    notes: billing.Notes | None = None
    status: InvoiceWord | None = None
    draft: bool = False

    def to_domain(self) -> billing.InvoiceCreate:
        return billing.InvoiceCreate(
            customer_id=self.customer_id,
            currency=self.currency,
            items=self.items,
            duedate=self.duedate,
            notes=self.notes,
            draft=self.draft or self.status == "draft",
        )


# An invoice's changes, its status in the face's words. What CLIENTXCMS's update also takes and Hostlane keeps
# no value for, or computes itself (paymethod, fees, tax, paid_at, balance, billing_address, external_id), is
# ignored.
class InvoiceUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    status: InvoiceWord | None = None
    notes: billing.Notes | None = None
    duedate: Day | None = DueDate
    date: Day | None = None
    currency: CurrencyCode | None = None
    items: billing.Lines | None = None

    @field_validator("status")
    @classmethod
    def _not_failed(cls, value: str | None) -> str | None:
        if value == "failed":
            raise ValueError("An invoice is not marked failed by hand: a payment that fails leaves it pending.")
        return value

    def to_domain(self) -> billing.InvoiceUpdate:
        changes = self.model_dump(exclude_unset=True)
        if changes.get("status") is not None:
            changes["status"] = INVOICE_STATUS_FROM_WIRE[changes["status"]]
        return billing.InvoiceUpdate.model_validate(changes)


def _listed(value: Any) -> Any:
    return [part for part in value.split(",") if part] if isinstance(value, str) else value


# Which invoices to export, and as what: CSV, XLSX, or a ZIP of their PDFs. ``status`` is a list of the face's
# words ("all" for every status), or one comma-separated text; the dates bound the day each invoice was created.
class InvoiceExport(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format: Literal["csv", "xlsx", "pdf"]
    date_from: Day | None = None
    date_to: Day | None = None
    status: Annotated[list[Literal["all", InvoiceWord]], BeforeValidator(_listed)] | None = None
    customer_id: Id | None = None

    def to_domain(self) -> billing.InvoiceExportQuery:
        every = not self.status or "all" in self.status
        return billing.InvoiceExportQuery(
            statuses=None if every else [INVOICE_STATUS_FROM_WIRE[word] for word in self.status or []],
            customer_id=self.customer_id,
            created_from=self.date_from,
            created_to=self.date_to,
        )


# Provisioning servers and cancellations: CLIENTXCMS's ``type`` is the module, ``maxaccounts`` the maximum, and
# a cancellation's ``reason`` the id of a cancellation reason.

_SERVER_NAMES = ConfigDict(extra="ignore", populate_by_name=True)


class ServerCreate(provisioning.ServerCreate):
    model_config = _SERVER_NAMES

    module: provisioning.ModuleName = Field(validation_alias=AliasChoices("type", "module"))
    max_accounts: Annotated[int, Field(ge=0)] | None = Field(
        None, validation_alias=AliasChoices("maxaccounts", "max_accounts")
    )


class ServerUpdate(provisioning.ServerUpdate):
    model_config = _SERVER_NAMES

    module: provisioning.ModuleName | None = Field(None, validation_alias=AliasChoices("type", "module"))
    max_accounts: Annotated[int, Field(ge=0)] | None = Field(
        None, validation_alias=AliasChoices("maxaccounts", "max_accounts")
    )


class ServerProbe(provisioning.ServerProbe):
    model_config = _SERVER_NAMES

    module: provisioning.ModuleName | None = Field(None, validation_alias=AliasChoices("type", "module"))


class CancellationRequest(provisioning.CancellationRequest):
    model_config = _SERVER_NAMES

    reason_id: Id | None = Field(None, validation_alias=AliasChoices("reason", "reason_id", "cancellation_reason_id"))


# Coupons: CLIENTXCMS's fields. ``pricing`` is the coupon's values in one currency (``currency`` beside it, else the
# provider's first), as a pricing row's cycles (``monthly``, ``setup_monthly`` …), or per cycle as CLIENTXCMS's form
# sends them (``{"monthly": {"price": 10, "setup": 0}}``); or a list of such rows, each with its ``currency``.
# ``minimum_order_amount`` is the order's minimum in each of those currencies. ``required_products`` (the real
# request's name) and ``products_required`` (the model's) are the same list.


def _pricing_rows(value: object, currency: str | None, minimum: Decimal | None) -> list[coupon_schemas.CouponValueIn]:
    rows = value if isinstance(value, list) else [value]
    found: list[coupon_schemas.CouponValueIn] = []
    for index, row in enumerate(rows):
        where = f"pricing.{index}" if isinstance(value, list) else "pricing"
        if not isinstance(row, dict):
            raise ValidationFailed.field(where, "The pricing must be an object of cycles.")
        amounts: dict[str, Decimal | None] = {}
        row_currency = row.get("currency", currency) or get_settings().currencies[0]
        for name, given in row.items():
            if name in ("currency", "id", "related_id", "related_type", "created_at", "updated_at"):
                continue
            if name == "minimum_order_amount":
                continue
            if isinstance(given, dict):  # {"monthly": {"price": 10, "setup": 0}}
                parts = {name: given.get("price"), f"setup_{name}": given.get("setup")}
            else:
                parts = {name: given}
            for column, amount in parts.items():
                try:
                    amounts[column] = None if amount in (None, "") else _coupon_amount(amount)
                except (ValueError, ArithmeticError, TypeError):
                    raise ValidationFailed.field(f"{where}.{column}", "The value must be a number.") from None
        row_minimum = row.get("minimum_order_amount", minimum)
        try:
            found.append(coupon_schemas.CouponValueIn(currency=str(row_currency), amounts=amounts, minimum=row_minimum))
        except PydanticValidationError as refused:
            first = refused.errors()[0]
            raise ValidationFailed.field(
                ".".join([where, *(str(part) for part in first["loc"])]), first["msg"]
            ) from None
    return found


def _coupon_amount(value: object) -> Decimal:
    amount = Decimal(str(value))
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValueError(value)
    return amount


class _CouponFields(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    currency: CurrencyCode | None = None
    minimum_order_amount: Amount | None = None
    pricing: dict[str, Any] | list[dict[str, Any]] | None = None

    def _values(self) -> list[coupon_schemas.CouponValueIn] | None:
        if self.pricing is None:
            if self.minimum_order_amount is not None:
                return [
                    coupon_schemas.CouponValueIn(
                        currency=self.currency or get_settings().currencies[0], minimum=self.minimum_order_amount
                    )
                ]
            return None
        return _pricing_rows(self.pricing, self.currency, self.minimum_order_amount)


class CouponCreate(_CouponFields, coupon_schemas.CouponCreate):
    products_required: list[Id] = Field(
        default_factory=list, max_length=100, validation_alias=AliasChoices("required_products", "products_required")
    )

    def to_domain(self) -> coupon_schemas.CouponCreate:
        data = self.model_dump(exclude={"currency", "minimum_order_amount", "pricing", "values"})
        return coupon_schemas.CouponCreate.model_validate({**data, "values": self._values() or []})


class CouponUpdate(_CouponFields, coupon_schemas.CouponUpdate):
    products_required: list[Id] | None = Field(
        None, max_length=100, validation_alias=AliasChoices("required_products", "products_required")
    )

    def to_domain(self) -> coupon_schemas.CouponUpdate:
        data = self.model_dump(exclude={"currency", "minimum_order_amount", "pricing", "values"}, exclude_unset=True)
        values = self._values()
        if values is not None:
            data["values"] = values
        return coupon_schemas.CouponUpdate.model_validate(data)
