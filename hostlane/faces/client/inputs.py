"""What the client API's clients send, in CLIENTXCMS's names, and how it becomes Hostlane's.

Bodies are JSON, XML or form fields (``core.formats``); a refused field is Laravel's 422 naming it. Where a
password is confirmed, ``password_confirmation`` must repeat it (Laravel's ``confirmed``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from hostlane.core.fields import Country, Id, Line, Name, Password, Phone
from hostlane.customers.schemas import CustomerCreate, CustomerUpdate, Postcode
from hostlane.models import TicketPriority
from hostlane.support import schemas as support
from hostlane.support.schemas import MessageText, Title

Text = Annotated[str, StringConstraints(min_length=1, max_length=256)]
# A code of the authenticator app (six digits) or a recovery code.
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=64)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Confirmed(_Input):
    """``password`` repeated in ``password_confirmation`` (a mismatch is refused on ``password``, as Laravel's)."""

    password_confirmation: str = ""
    password: Password

    @field_validator("password")
    @classmethod
    def _confirmed(cls, value: str, info: ValidationInfo) -> str:
        if value != info.data.get("password_confirmation"):
            raise PydanticCustomError("confirmed", "The password field confirmation does not match")
        return value


class Login(_Input):
    email: EmailStr
    password: Text


class SecondFactor(_Input):
    code: Code


class Register(_Confirmed):
    email: EmailStr
    firstname: Name
    lastname: Name
    country: Country
    address: Line | None = None
    address2: Line | None = None
    city: Line | None = None
    zipcode: Postcode | None = None
    region: Line | None = None
    phone: Phone | None = None

    def customer(self) -> CustomerCreate:
        return CustomerCreate(
            email=self.email,
            firstname=self.firstname,
            lastname=self.lastname,
            country=self.country,
            address1=self.address,
            address2=self.address2,
            city=self.city,
            postcode=self.zipcode,
            state=self.region,
            phone=self.phone,
            password=self.password,
        )


class ForgotPassword(_Input):
    email: EmailStr


class ResetPassword(_Confirmed):
    token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]
    email: EmailStr


class ProfileUpdate(_Input):
    """CLIENTXCMS's profile fields; only those sent change (a sent null empties an optional one)."""

    firstname: Name | None = None
    lastname: Name | None = None
    address: Line | None = None
    address2: Line | None = None
    city: Line | None = None
    zipcode: Postcode | None = None
    region: Line | None = None
    country: Country | None = None
    phone: Phone | None = None

    def changes(self) -> CustomerUpdate:
        names = {"address": "address1", "zipcode": "postcode", "region": "state"}
        sent: dict[str, Any] = {names.get(name, name): getattr(self, name) for name in self.model_fields_set}
        return CustomerUpdate(**sent)


class PasswordChange(_Confirmed):
    current_password: Text


class AccountDeletion(_Input):
    password: Text


class TwoFactorToggle(_Input):
    """``code`` of the app; ``secret`` (from ``/profile/2fa/setup``) when enabling."""

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=6, pattern=r"^[0-9]+$")]
    secret: Annotated[str, StringConstraints(strip_whitespace=True, min_length=16, max_length=128)] | None = None


class TicketCreate(_Input):
    department_id: Id
    subject: Title
    content: MessageText
    priority: TicketPriority = TicketPriority.MEDIUM
    related_id: Id | None = None  # a service of the customer the ticket is about

    def ticket(self) -> support.TicketOpen:
        return support.TicketOpen(
            department_id=self.department_id,
            subject=self.subject,
            body=self.content,
            priority=self.priority,
            service_id=self.related_id,
        )


class TicketReply(_Input):
    content: MessageText

    def reply(self) -> support.ReplyIn:
        return support.ReplyIn(body=self.content)


class CardIn(_Input):
    """A card to save: a confirmed setup's id (``setup_id``, after Stripe.js), or in the test environment one of
    the test gateway's card numbers (``card``). Neither: a new setup to confirm in the browser."""

    setup_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)] | None = None
    card: Annotated[str, StringConstraints(strip_whitespace=True, min_length=12, max_length=19)] | None = None
