"""Invoices exported as files: which invoices (the rows, with their customer), and the files that hold them: a
CSV or XLSX table of rows a face words, or a ZIP of each invoice's PDF.

An export is capped (``MAX_ROWS``, ``MAX_PDFS``): past the cap it is a 422 asking for a narrower range, not a
file built for minutes in memory.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import invoices
from hostlane.billing import repository as repo
from hostlane.billing.pdf import pdf_name, render_invoice
from hostlane.billing.schemas import InvoiceExportQuery
from hostlane.core.errors import ValidationFailed
from hostlane.core.repository import attach
from hostlane.customers import service as customers
from hostlane.identity.principal import Principal

MAX_ROWS = 10_000
MAX_PDFS = 500
Cell = str | int | float | Decimal | None


async def invoices_for_export(
    session: AsyncSession, principal: Principal, query: InvoiceExportQuery, *, pdf: bool = False
) -> list[dict[str, Any]]:
    """The invoices the query names (drafts included, deleted ones never), in id order, each with its
    ``customer`` (and its ``items`` when ``pdf``)."""
    if query.customer_id is not None and not await customers.by_ids(session, principal, [query.customer_id]):
        raise ValidationFailed.field("customer_id", "The customer does not exist.")
    if query.created_from and query.created_to and query.created_from > query.created_to:
        raise ValidationFailed.field("date_to", "The end date is before the start date.")
    cap = MAX_PDFS if pdf else MAX_ROWS
    rows = await repo.for_export(
        session,
        principal,
        statuses=query.statuses,
        customer_id=query.customer_id,
        created_from=_midnight(query.created_from),
        created_before=_midnight(query.created_to + dt.timedelta(days=1)) if query.created_to else None,
        limit=cap + 1,
    )
    if len(rows) > cap:
        raise ValidationFailed.field(
            "date_from", f"More than {cap} invoices match; export a narrower date range or one customer."
        )
    await attach(session, principal, rows, invoices.INCLUDES, {"customer", "items"} if pdf else {"customer"})
    return rows


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day is not None else None


def csv_file(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return out.getvalue().encode()


def xlsx_file(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """One worksheet (``Invoices``): the header, then a row per invoice; numbers stay numbers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Invoices")
    sheet.append(list(header))
    for row in rows:
        sheet.append(["" if cell is None else cell for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _zip_of_pdfs(rows: list[dict[str, Any]], seller: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for row in rows:
            customer = row["customer"] or {"firstname": "", "lastname": ""}  # a customer deleted since
            archive.writestr(pdf_name(row), render_invoice(row, customer, seller=seller))
    return out.getvalue()


async def pdf_zip(rows: list[dict[str, Any]], *, seller: str) -> bytes:
    """A ZIP of each invoice's PDF (rows from ``invoices_for_export(…, pdf=True)``), rendered in a worker thread:
    hundreds of PDFs take a while, and the event loop serves other requests meanwhile."""
    return await asyncio.to_thread(_zip_of_pdfs, rows, seller)
