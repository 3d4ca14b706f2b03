"""What the client area's clients send, in HostBill's names and words, and how it becomes Hostlane's.

Each model parses a request as the document writes it; its methods give the domain's schema or values.

Where the parameters are: HostBill's client libraries send every parameter of a POST in the query string (login
included: ``POST /api/login?username=…&password=…``), PHP clients send form fields (``ipaddress[192.0.2.2]=host``),
others JSON or XML. Every route of the face reads its parameters through ``parse`` or ``required`` below, which
take the query string and the body alike (``core.formats.decode_request(query=True)``): the query's fields
first, then the body's, so a body field wins over a query field of the same name (replacing it whole, as
``ipaddress[…]`` from both is the body's alone). The access log never shows a query's credentials
(``hostlane.core.logs``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request
from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from hostlane.core.fields import Id
from hostlane.faces.clientarea.wire import CYCLES_FROM_WIRE
from hostlane.faces.common import Input, parse_model, required_text
from hostlane.models import BillingCycle
from hostlane.support import schemas as support
from hostlane.support.schemas import MessageText, Title


async def parse(request: Request, model: type[Input]) -> Input:
    """The request's parameters (query string and body, the body winning) validated by ``model``; else the 422."""
    return await parse_model(request, model, query=True)


async def required(request: Request, *names: str) -> dict[str, str]:
    """The named parameters (query string or body, the body winning), each a non-empty text; else 422 naming them."""
    return await required_text(request, *names, query=True)


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CustomerTicketOpen(_Input):
    """A ticket as the client area opens it: ``dept_id``, ``subject``, ``body``."""

    dept_id: Id
    subject: Title
    body: MessageText
    service_id: Id | None = None

    def ticket(self) -> support.TicketOpen:
        return support.TicketOpen(
            department_id=self.dept_id, subject=self.subject, body=self.body, service_id=self.service_id
        )


class ReplyIn(support.ReplyIn):
    """A reply's ``body``. ``content`` is read too: the client area always took it (its reply was the
    application face's model until each face had its own)."""

    body: MessageText = Field(validation_alias=AliasChoices("body", "content"))


def _cycle(value: Any) -> Any:
    """HostBill's cycle codes and words (``m``, ``Semi-Annually``), or Hostlane's, in any case."""
    return CYCLES_FROM_WIRE.get(value.strip().lower(), value.strip().lower()) if isinstance(value, str) else value


class ProductOrder(_Input):
    """One product as the client area orders it: ``cycle``, a ``domain``, ``custom`` option values and a
    ``promocode``."""

    cycle: Annotated[BillingCycle, BeforeValidator(_cycle)] = BillingCycle.MONTHLY
    domain: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None
    custom: dict[str, Any] = Field(default_factory=dict, max_length=100)
    # HostBill's promotion code: a coupon's code (a refusal names ``promocode``).
    promocode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None

    def options(self) -> dict[str, Any]:
        """The order item's options in Hostlane's terms: the custom values, and the domain as one of them."""
        return {**self.custom, **({"domain": self.domain} if self.domain else {})}
