"""The XCI document's input fields, and their conversion to the telephony domain's schemas.

The face's models take the document's names and types; the domain's schemas hold the rules (digits, lengths,
ranges). A refusal by either is a 422 naming the document's field.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hostlane.core.errors import ValidationFailed
from hostlane.faces.xci import wire
from hostlane.telephony import schemas

Domain = TypeVar("Domain", bound=BaseModel)
_SIP_NAMING = {word: value for value, word in wire.SIP_NAMING.items()}
_CALLER_ID_MODE = {word: value for value, word in wire.CALLER_ID_MODE.items()}
_VOICEMAIL_NUMBER_MODE = {word: value for value, word in wire.VOICEMAIL_NUMBER_MODE.items()}


class Input(BaseModel):
    model_config = ConfigDict(extra="ignore")

    def sent(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


def to_domain(schema: type[Domain], values: dict[str, Any]) -> Domain:
    """``values`` (domain names) validated by the domain's ``schema``; a refusal names the document's fields."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        fields: dict[str, list[str]] = {}
        for problem in exc.errors(include_url=False):
            name = ".".join(str(part) for part in problem["loc"] if not str(part).startswith("function-"))
            shown = wire.field_name(name) or "body"
            fields.setdefault(shown, []).append(f"The {shown} field is invalid: {problem['msg'].rstrip('.')}.")
        first = next(iter(fields.values()))[0]
        raise ValidationFailed(first, fields=fields) from None


class LoginIn(Input):
    login: str = Field(min_length=1, max_length=255)
    password: str = Field(min_length=1, max_length=1024)


class XivoIn(Input):
    name: str
    host: str = ""
    configure: bool = False
    capacity: int | None = None  # not in the document: the server's line capacity (default: the configured one)

    def domain(self) -> schemas.ServerCreate:
        return to_domain(schemas.ServerCreate, self.model_dump())


class IntervalIn(Input):
    start: str
    end: str | None = ""


def _intervals(values: list[IntervalIn]) -> list[dict[str, Any]]:
    return [{"first": i.start, "last": i.end} for i in values]


class EntityIn(Input):
    name: str | None = None
    displayName: str | None = None
    xivoId: int | None = None
    intervals: list[IntervalIn] | None = None
    presentedNumber: str | None = None

    def _values(self) -> dict[str, Any]:
        sent = self.sent()
        names = {
            "name": "name",
            "displayName": "display_name",
            "xivoId": "server_id",
            "presentedNumber": "presented_number",
        }
        values = {names[k]: v for k, v in sent.items() if k in names}
        if "intervals" in sent:
            values["intervals"] = _intervals(self.intervals) if self.intervals is not None else None
        return values

    def create(self) -> schemas.EntityCreate:
        values = self._values()
        values.setdefault("display_name", values.get("name"))
        if values.get("presented_number") is None:
            values.pop("presented_number", None)
        return to_domain(schemas.EntityCreate, values)

    def update(self) -> schemas.EntityUpdate:
        return to_domain(schemas.EntityUpdate, self._values())


class TemplateIn(Input):
    name: str | None = None
    xivos: list[int] | None = None
    entities: list[str] | None = None
    peerSipName: Literal["auto", "model"] | None = None
    ringingTime: int | None = None
    routedInbound: bool | None = None
    routedInboundPrefix: str | None = None
    callerIdMode: Literal["incomingNo", "anonymous", "custom"] | None = None
    customCallerId: str | None = None
    voiceMailEnabled: bool | None = None
    voiceMailNumberMode: Literal["short_number", "custom"] | None = None
    voiceMailCustomNumber: str | None = None
    voiceMailSendEmail: bool | None = None

    def _values(self) -> dict[str, Any]:
        reverse = {word: name for name, word in wire.FIELDS.items()}
        values: dict[str, Any] = {}
        for key, value in self.sent().items():
            name = reverse[key]
            if key == "peerSipName" and value is not None:
                value = _SIP_NAMING[value]
            elif key == "callerIdMode" and value is not None:
                value = _CALLER_ID_MODE[value]
            elif key == "voiceMailNumberMode" and value is not None:
                value = _VOICEMAIL_NUMBER_MODE[value]
            values[name] = value
        return values

    def create(self) -> schemas.TemplateCreate:
        # A field sent as null takes its default on create.
        return to_domain(schemas.TemplateCreate, {k: v for k, v in self._values().items() if v is not None})

    def update(self) -> schemas.TemplateUpdate:
        return to_domain(schemas.TemplateUpdate, self._values())


class UserIn(Input):
    entityCId: str | None = None
    templateId: int | None = None
    firstName: str | None = None
    lastName: str | None = None
    internalNumber: str | None = None
    ctiLogin: str | None = None
    ctiPassword: str | None = None

    def _values(self) -> dict[str, Any]:
        reverse = {word: name for name, word in wire.FIELDS.items()}
        return {reverse[key]: value for key, value in self.sent().items()}

    def create(self) -> schemas.LineCreate:
        values = {k: v for k, v in self._values().items() if v is not None or k in ("cti_login", "cti_password")}
        for optional in ("cti_login", "cti_password"):
            if values.get(optional) == "":
                values[optional] = None
        return to_domain(schemas.LineCreate, values)

    def update(self) -> schemas.LineUpdate:
        return to_domain(schemas.LineUpdate, self._values())


class AdministratorIn(Input):
    login: str | None = None
    name: str | None = None
    ldap: bool | None = None
    password: str | None = None
    superAdmin: bool | None = None
    entityIds: list[int] | None = None

    def _values(self) -> dict[str, Any]:
        names = {
            "login": "login",
            "name": "name",
            "ldap": "uses_ldap",
            "password": "password",
            "superAdmin": "super_admin",
            "entityIds": "entity_ids",
        }
        return {names[key]: value for key, value in self.sent().items()}

    def create(self) -> schemas.AdministratorCreate:
        return to_domain(schemas.AdministratorCreate, {k: v for k, v in self._values().items() if v is not None})

    def update(self) -> schemas.AdministratorUpdate:
        return to_domain(schemas.AdministratorUpdate, self._values())
