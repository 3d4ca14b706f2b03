"""Projects' typed errors: 404 for a row that is not there (or not the caller's), 422 for a reference that is."""

from __future__ import annotations

from hostlane.core.errors import NotFound


class ProjectNotFound(NotFound):
    code = "project_not_found"
    message = "Project not found."


class ActionNotFound(NotFound):
    code = "action_not_found"
    message = "Action not found."


class TopicNotFound(NotFound):
    code = "topic_not_found"
    message = "Topic not found."


class TimeLogNotFound(NotFound):
    code = "timelog_not_found"
    message = "Time log not found."


class TicketLinkNotFound(NotFound):
    code = "ticket_link_not_found"
    message = "Ticket link not found."


class FileNotFound(NotFound):
    code = "file_not_found"
    message = "File not found."
