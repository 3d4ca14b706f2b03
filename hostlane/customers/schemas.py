"""What a customer is made from, in Hostlane's names (the faces accept their documents' own)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from hostlane.core.fields import Amount, Country, CurrencyCode, Line, Locale, Name, Password, Phone
from hostlane.models import CustomerStatus

Postcode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
Notes = Annotated[str, StringConstraints(max_length=5000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]


class _CustomerFields(BaseModel):
    model_config = ConfigDict(extra="ignore")

    companyname: Line | None = None
    billing_details: Line | None = None
    address1: Line | None = None
    address2: Line | None = None
    city: Line | None = None
    state: Line | None = None
    postcode: Postcode | None = None
    phone: Phone | None = None
    notes: Notes | None = None


class CustomerCreate(_CustomerFields):
    email: EmailStr
    firstname: Name
    lastname: Name
    country: Country
    locale: Locale | None = None
    currency: CurrencyCode | None = None
    balance: Amount = Field(default=0)  # type: ignore[assignment]
    verified: bool = False
    status: CustomerStatus = CustomerStatus.ACTIVE
    taxexempt: bool = False
    password: Password | None = None
    # In the partner programme (setting it needs ``partners:create``).
    partner: bool = False


class CustomerUpdate(_CustomerFields):
    """Every field optional: only the fields sent change."""

    email: EmailStr | None = None
    firstname: Name | None = None
    lastname: Name | None = None
    country: Country | None = None
    locale: Locale | None = None
    currency: CurrencyCode | None = None
    balance: Amount | None = None
    verified: bool | None = None
    status: CustomerStatus | None = None
    taxexempt: bool | None = None
    password: Password | None = None
    # In the partner programme (changing it needs ``partners:update``).
    partner: bool | None = None


class Standing(BaseModel):
    """How an account is suspended or banned: why, whether its active services are suspended with it, and
    whether the customer is told by e-mail."""

    model_config = ConfigDict(extra="ignore")

    reason: Reason | None = None
    suspend_services: bool = False
    notify: bool = False
