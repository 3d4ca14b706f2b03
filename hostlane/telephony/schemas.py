"""What servers, entities, templates, lines and administrators' entity grants are made from, in Hostlane's
words. Each face converts its own fields to these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from hostlane.core.fields import Id
from hostlane.identity.principal import Principal
from hostlane.models import CallerIdMode, SipNaming, VoicemailNumberMode

MAX_DIGITS = 18  # a number's value fits a 64-bit integer
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
# An entity's name is the first half of its key ``name@server-uuid``: no ``@``, no ``/``, no spaces.
EntityName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.\-]{1,64}$")]
Digits = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,18}$")]
# A number dialled or shown: digits, optionally with a leading +.
DialNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9]{1,31}$")]
Seconds = Annotated[int, Field(ge=1, le=3600)]
Capacity = Annotated[int, Field(ge=0, le=1_000_000)]


@dataclass(frozen=True, slots=True)
class Operator:
    """Who acts on telephony: a principal, and the entities it may see (``None``: all of them, as a
    super-administrator or the platform itself)."""

    principal: Principal
    entity_ids: frozenset[int] | None = None

    @property
    def livemode(self) -> bool:
        return self.principal.livemode

    @property
    def is_super(self) -> bool:
        return self.entity_ids is None

    @classmethod
    def system(cls, *, livemode: bool = True) -> Operator:
        return cls(Principal.system(livemode=livemode), None)


class ServerCreate(BaseModel):
    name: Title
    host: Text = ""
    # The server's own UUID when it has one already (a XiVO has); None: Hostlane gives it one.
    uuid: UUID | None = None
    capacity: Capacity | None = None  # None: the configured default
    configure: bool = False  # configure the server through its driver now (a job)


class Interval(BaseModel):
    """Numbers ``first`` to ``last`` inclusive; ``last`` empty or absent means the single number ``first``."""

    model_config = ConfigDict(frozen=True)

    first: Digits
    last: Digits | None = None

    @field_validator("last", mode="before")
    @classmethod
    def _empty_is_single(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.last is not None:
            if len(self.last) != len(self.first):
                raise ValueError(f"{self.first} and {self.last} must have the same number of digits")
            if int(self.last) < int(self.first):
                raise ValueError(f"the interval's start {self.first} is after its end {self.last}")
        return self

    @property
    def length(self) -> int:
        return len(self.first)

    @property
    def low(self) -> int:
        return int(self.first)

    @property
    def high(self) -> int:
        return int(self.last if self.last is not None else self.first)


class EntityCreate(BaseModel):
    name: EntityName
    display_name: Title
    server_id: Id
    intervals: list[Interval] = Field(default_factory=list, max_length=1000)
    presented_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = ""


class EntityUpdate(BaseModel):
    name: EntityName | None = None
    display_name: Title | None = None
    server_id: Id | None = None
    intervals: list[Interval] | None = Field(None, max_length=1000)
    presented_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None


class _TemplateFields(BaseModel):
    name: Title
    server_ids: list[Id] = Field(default_factory=list, max_length=1000)
    entity_keys: list[Annotated[str, StringConstraints(max_length=128)]] = Field(default_factory=list, max_length=1000)
    sip_naming: SipNaming = SipNaming.GENERATED
    ringing_seconds: Seconds = 30
    routed_inbound: bool = False
    inbound_prefix: DialNumber | None = None
    caller_id_mode: CallerIdMode = CallerIdMode.INBOUND_NUMBER
    custom_caller_id: DialNumber | None = None
    voicemail_enabled: bool = False
    voicemail_number_mode: VoicemailNumberMode = VoicemailNumberMode.SHORT_NUMBER
    voicemail_custom_number: DialNumber | None = None
    voicemail_send_email: bool = False


class TemplateCreate(_TemplateFields):
    pass


class TemplateUpdate(BaseModel):
    """A partial update; the whole template is checked against ``template_rules`` once merged."""

    name: Title | None = None
    server_ids: list[Id] | None = Field(None, max_length=1000)
    entity_keys: list[Annotated[str, StringConstraints(max_length=128)]] | None = Field(None, max_length=1000)
    sip_naming: SipNaming | None = None
    ringing_seconds: Seconds | None = None
    routed_inbound: bool | None = None
    inbound_prefix: DialNumber | None = None
    caller_id_mode: CallerIdMode | None = None
    custom_caller_id: DialNumber | None = None
    voicemail_enabled: bool | None = None
    voicemail_number_mode: VoicemailNumberMode | None = None
    voicemail_custom_number: DialNumber | None = None
    voicemail_send_email: bool | None = None


def template_rules(values: dict[str, object]) -> dict[str, str]:
    """The conditional fields a template lacks: field -> why it is needed (empty when the template holds)."""
    problems: dict[str, str] = {}
    if values.get("routed_inbound") and not values.get("inbound_prefix"):
        problems["inbound_prefix"] = "The inbound prefix is required when the line is routed inbound."
    if values.get("caller_id_mode") == CallerIdMode.CUSTOM and not values.get("custom_caller_id"):
        problems["custom_caller_id"] = "The custom caller id is required when the caller id mode is custom."
    if values.get("voicemail_number_mode") == VoicemailNumberMode.CUSTOM and not values.get("voicemail_custom_number"):
        problems["voicemail_custom_number"] = "The voicemail number is required when its mode is custom."
    return problems


class LineCreate(BaseModel):
    entity_key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=128)]
    template_id: Id
    first_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    last_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)] = ""
    internal_number: Digits
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None
    cti_login: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)] | None = None
    cti_password: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = None


class LineUpdate(BaseModel):
    entity_key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=128)] | None = None
    template_id: Id | None = None
    first_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)] | None = None
    last_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)] | None = None
    internal_number: Digits | None = None
    cti_login: Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)] | None = None
    cti_password: Annotated[str, StringConstraints(max_length=256)] | None = None


Login = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^@\s]+$")]


class AdministratorCreate(BaseModel):
    login: Login
    name: Text = ""
    password: Annotated[str, StringConstraints(max_length=256)] | None = None
    super_admin: bool = False
    uses_ldap: bool = False
    entity_ids: list[Id] = Field(default_factory=list, max_length=10_000)


class AdministratorUpdate(BaseModel):
    login: Login | None = None
    name: Text | None = None
    password: Annotated[str, StringConstraints(max_length=256)] | None = None
    super_admin: bool | None = None
    uses_ldap: bool | None = None
    entity_ids: list[Id] | None = Field(None, max_length=10_000)
