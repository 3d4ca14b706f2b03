"""Errors of the telephony domain, in Hostlane's words (each face words them as its document does)."""

from __future__ import annotations

from hostlane.core.errors import Conflict, Forbidden, NotFound


class ServerNotFound(NotFound):
    message = "PBX server not found."


class EntityNotFound(NotFound):
    message = "Entity not found."


class TemplateNotFound(NotFound):
    message = "Line template not found."


class LineNotFound(NotFound):
    message = "Line not found."


class SuperAdministratorOnly(Forbidden):
    code = "super_administrator_only"
    message = "Only a super-administrator may do this."


class EntityHasLines(Conflict):
    code = "entity_has_lines"
    message = "The entity still has lines; delete them first."


class TemplateInUse(Conflict):
    code = "template_in_use"
    message = "Lines use this template; change or delete them first."


class ServerFull(Conflict):
    code = "server_full"
    message = "The PBX server has no line slot left."


class NoFreeNumber(Conflict):
    code = "no_free_number"
    message = "The entity has no free number left."
