"""Each face's translation tables cover every one of Hostlane's words, and read back what they write."""

from __future__ import annotations

from enum import StrEnum
from typing import get_args

import pytest

from hostlane.faces.application import inputs as application_inputs
from hostlane.faces.application import wire as application
from hostlane.faces.clientarea import wire as clientarea
from hostlane.models import (
    BillingCycle,
    InvoiceStatus,
    ItemType,
    ReplyType,
    ServiceStatus,
    TicketPriority,
    TicketStatus,
)


@pytest.mark.parametrize(
    ("table", "words"),
    [
        (application.INVOICE_STATUS_WORDS, InvoiceStatus),
        (application.ITEM_TYPE_WORDS, ItemType),
        (application.TICKET_PRIORITY_WORDS, TicketPriority),
        (application.CLOSED_BY_WORDS, ReplyType),
        (clientarea.INVOICE_STATUS_WORDS, InvoiceStatus),
        (clientarea.ITEM_TYPE_WORDS, ItemType),
        (clientarea.TICKET_STATUS_WORDS, TicketStatus),
        (clientarea.REPLY_TYPE_WORDS, ReplyType),
        (clientarea.SERVICE_STATUS_WORDS, ServiceStatus),
        (clientarea.CYCLE_WORDS, BillingCycle),
    ],
)
def test_a_table_words_every_value_and_no_two_alike(table: dict[str, str], words: type[StrEnum]) -> None:
    assert set(table) == set(words)
    assert len(set(table.values())) == len(table)


def test_the_application_face_reads_back_the_words_it_writes() -> None:
    assert {application.INVOICE_STATUS_FROM_WIRE[w]: w for w in application.INVOICE_STATUS_WORDS.values()} == (
        application.INVOICE_STATUS_WORDS
    )
    assert {application.TICKET_PRIORITY_FROM_WIRE[w]: w for w in application.TICKET_PRIORITY_WORDS.values()} == (
        application.TICKET_PRIORITY_WORDS
    )
    # The ticket statuses a client may send are the words the face prints, each setting a status it prints so.
    assert set(get_args(application_inputs.TicketStatus)) == set(application.TICKET_STATUS_WORDS.values())
    assert set(application.TICKET_STATUS_FROM_WIRE) == set(application.TICKET_STATUS_WORDS.values())
    for word, status in application.TICKET_STATUS_FROM_WIRE.items():
        assert application.TICKET_STATUS_WORDS[status] == word


@pytest.mark.parametrize(
    ("table", "words", "printed"),
    [
        (application.TICKET_STATUS_WORDS, TicketStatus, {"open", "answered", "closed"}),
        (application.SERVICE_STATUS_WORDS, ServiceStatus, {"pending", "active", "suspended", "expired", "cancelled"}),
    ],
)
def test_the_application_face_words_every_status_in_clientxcms_s_fewer_words(
    table: dict[str, str], words: type[StrEnum], printed: set[str]
) -> None:
    """CLIENTXCMS has fewer statuses than Hostlane: several of Hostlane's may read as one of its words."""
    assert set(table) == set(words)
    assert set(table.values()) == printed


def test_the_faces_keep_hostbills_words() -> None:
    assert clientarea.INVOICE_STATUS_WORDS["paid"] == "Paid"
    assert clientarea.TICKET_STATUS_WORDS[TicketStatus.CUSTOMER_REPLY] == "Customer-Reply"
    assert application.TICKET_STATUS_WORDS[TicketStatus.CUSTOMER_REPLY] == "open"  # CLIENTXCMS's, not HostBill's
    assert application.SERVICE_STATUS_WORDS[ServiceStatus.TERMINATED] == "expired"
    assert clientarea.ITEM_TYPE_WORDS[ItemType.SERVICE] == "Hosting"
    assert clientarea.CYCLES_FROM_WIRE["s"] is BillingCycle.SEMIANNUALLY
