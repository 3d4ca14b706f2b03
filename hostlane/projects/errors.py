"""Projects' typed errors: 404 for a row that is not there (or not the caller's), 422 for a reference that is."""

from __future__ import annotations

from typing import Any

from hostlane.core.errors import NotFound


class _Missing(NotFound):
    """A row of projects that is not there (or not the caller's): each kind names its own code and message."""

    def __init_subclass__(cls, *, code: str, message: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.code, cls.message = code, message


class ProjectNotFound(_Missing, code="project_not_found", message="Project not found."): ...


class ActionNotFound(_Missing, code="action_not_found", message="Action not found."): ...


class TopicNotFound(_Missing, code="topic_not_found", message="Topic not found."): ...


class TimeLogNotFound(_Missing, code="timelog_not_found", message="Time log not found."): ...


class TicketLinkNotFound(_Missing, code="ticket_link_not_found", message="Ticket link not found."): ...


class FileNotFound(_Missing, code="file_not_found", message="File not found."): ...
