"""The XCI document's wire: domain rows to its fields, types and words, and its error shape.

Every field prints as the document's JSON examples print it: ids as numbers, numbers of telephones as strings,
``null`` where it prints ``null``. No answer ever carries a password or a hash (the document's administrator
example shows one; Hostlane does not), nor a line's SIP secret or CTI password.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel

from hostlane.core.formats import render
from hostlane.faces.common import ErrorInfo
from hostlane.models import CallerIdMode, SipNaming, VoicemailNumberMode

Row = dict[str, Any]

SIP_NAMING = {SipNaming.GENERATED: "auto", SipNaming.NUMBER: "model"}
CALLER_ID_MODE = {
    CallerIdMode.INBOUND_NUMBER: "incomingNo",
    CallerIdMode.ANONYMOUS: "anonymous",
    CallerIdMode.CUSTOM: "custom",
}
VOICEMAIL_NUMBER_MODE = {VoicemailNumberMode.SHORT_NUMBER: "short_number", VoicemailNumberMode.CUSTOM: "custom"}

# The domain's field names in the document's words (for the fields of a 422).
FIELDS = {
    "name": "name",
    "host": "host",
    "capacity": "capacity",
    "configure": "configure",
    "display_name": "displayName",
    "server_id": "xivoId",
    "intervals": "intervals",
    "first": "start",
    "last": "end",
    "presented_number": "presentedNumber",
    "server_ids": "xivos",
    "entity_keys": "entities",
    "sip_naming": "peerSipName",
    "ringing_seconds": "ringingTime",
    "routed_inbound": "routedInbound",
    "inbound_prefix": "routedInboundPrefix",
    "caller_id_mode": "callerIdMode",
    "custom_caller_id": "customCallerId",
    "voicemail_enabled": "voiceMailEnabled",
    "voicemail_number_mode": "voiceMailNumberMode",
    "voicemail_custom_number": "voiceMailCustomNumber",
    "voicemail_send_email": "voiceMailSendEmail",
    "entity_key": "entityCId",
    "template_id": "templateId",
    "first_name": "firstName",
    "last_name": "lastName",
    "internal_number": "internalNumber",
    "cti_login": "ctiLogin",
    "cti_password": "ctiPassword",
    "login": "login",
    "password": "password",
    "super_admin": "superAdmin",
    "uses_ldap": "ldap",
    "entity_ids": "entityIds",
    "limit": "limit",
}


def field_name(name: str) -> str:
    """``intervals.1.first`` -> ``intervals.1.start``: each part in the document's words."""
    return ".".join(FIELDS.get(part, part) for part in name.split("."))


def xivo(row: Row) -> Row:
    return {
        "id": row["id"],
        "uuid": row["uuid"],
        "name": row["name"],
        "host": row["host"],
        "remainingSlots": row["remaining"],
    }


def entity(row: Row) -> Row:
    return {
        "id": row["id"],
        "combinedId": row["key"],
        "name": row["name"],
        "displayName": row["display_name"],
        "xivo": xivo(row["server"]),
        "intervals": [{"start": i["first"], "end": i["last"] or ""} for i in row["intervals"]],
        "presentedNumber": row["presented_number"],
    }


def user(row: Row) -> Row:
    return {
        "id": row["id"],
        "entity": entity(row["entity"]),
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "internalNumber": row["internal_number"],
        "externalNumber": row["external_number"],
        "mail": row["email"],
        "ctiLogin": row["cti_login"],
        "ctiPassword": None,  # stored as a hash: never shown
        "provisioningNumber": row["provisioning_code"],
    }


def template(row: Row) -> Row:
    """The document's fields; each conditional field only where its condition holds (as the example, which has
    none of them, shows)."""
    body: Row = {
        "id": row["id"],
        "name": row["name"],
        "peerSipName": SIP_NAMING[row["sip_naming"]],
        "routedInbound": row["routed_inbound"],
        "callerIdMode": CALLER_ID_MODE[row["caller_id_mode"]],
        "ringingTime": row["ringing_seconds"],
        "voiceMailEnabled": row["voicemail_enabled"],
        "voiceMailNumberMode": VOICEMAIL_NUMBER_MODE[row["voicemail_number_mode"]],
        "xivos": row["server_ids"],
        "entities": row["entity_keys"],
    }
    if row["routed_inbound"]:
        body["routedInboundPrefix"] = row["inbound_prefix"]
    if row["caller_id_mode"] == CallerIdMode.CUSTOM:
        body["customCallerId"] = row["custom_caller_id"]
    if row["voicemail_number_mode"] == VoicemailNumberMode.CUSTOM:
        body["voiceMailCustomNumber"] = row["voicemail_custom_number"]
    if row["voicemail_enabled"]:
        body["voiceMailSendEmail"] = row["voicemail_send_email"]
    return body


def administrator(row: Row) -> Row:
    """The document's administrator, without its ``password``: no answer carries a password or a hash."""
    return {
        "id": row["id"],
        "login": row["login"],
        "name": row["name"],
        "superAdmin": row["super_admin"],
        "ldap": row["uses_ldap"],
        "entities": [entity(e) for e in row["entities"]],
    }


def items(rows: list[Any]) -> Row:
    return {"items": rows}


class XciError(BaseModel):
    """An XCI failure: its message, and each refused field's messages on 422."""

    error: str
    fields: dict[str, list[str]] | None = None


def error(request: Request, info: ErrorInfo) -> Response:
    message = info.message
    for name in info.fields:  # the domain's field names, in the document's words
        message = message.replace(f"The {name} ", f"The {field_name(name)} ")
    body: dict[str, object] = {"error": message}
    if info.fields:
        body["fields"] = {field_name(name): messages for name, messages in info.fields.items()}
    return render(request, body, info.status, headers=info.headers or None, fmt="json")
