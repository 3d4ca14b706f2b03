"""An invoice as a PDF (fpdf2): the seller, the customer, the lines, the taxes and the totals."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from hostlane.core.money import format_amount


def _text(value: object) -> str:
    # The core fonts speak Latin-1; anything else is shown as "?" rather than failing.
    return str(value if value is not None else "").encode("latin-1", "replace").decode("latin-1")


def _status_label(status: object) -> str:
    """The status as a person reads it on the page: ``paid`` prints ``Paid``."""
    return str(status).capitalize()


def pdf_name(invoice: dict[str, Any]) -> str:
    """An invoice's PDF file name: its number (``/`` made ``-``), or ``draft-<id>`` while it has none."""
    number = invoice["number"]
    return f"{number.replace('/', '-') if number else 'draft-' + str(invoice['id'])}.pdf"


def render_invoice(invoice: dict[str, Any], customer: dict[str, Any], *, seller: str) -> bytes:
    currency = invoice["currency"]

    def money(minor: int) -> str:
        return f"{format_amount(minor, currency)} {currency}"

    pdf = FPDF(format="A4")
    pdf.set_title(_text(f"Invoice {invoice['number'] or 'draft'}"))
    pdf.set_creator("Hostlane")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, _text(f"Invoice {invoice['number'] or '(draft)'}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, _text(seller), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    lines = [
        f"{customer['firstname']} {customer['lastname']}",
        customer.get("companyname") or "",
        customer.get("address1") or "",
        " ".join(part for part in (customer.get("postcode"), customer.get("city")) if part),
        customer.get("country") or "",
    ]
    for line in filter(None, lines):
        pdf.cell(0, 5, _text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.cell(
        0,
        5,
        _text(f"Date: {invoice['date']}    Due: {invoice['duedate']}    Status: {_status_label(invoice['status'])}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    with pdf.table(col_widths=(110, 15, 30, 35), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        table.row(["Description", "Qty", "Unit price", "Amount"])
        for item in invoice.get("items", []):
            table.row(
                [
                    _text(item["description"]),
                    str(item["qty"]),
                    money(item["amount_minor"]),
                    money(item["linetotal_minor"]),
                ]
            )
    pdf.ln(4)
    totals = [("Subtotal", invoice["subtotal_minor"])]
    if invoice["tax_minor"]:
        totals.append((f"Tax ({invoice['taxrate_milli'] / 1000:g} %)", invoice["tax_minor"]))
    if invoice["tax2_minor"]:
        totals.append((f"Tax 2 ({invoice['taxrate2_milli'] / 1000:g} %)", invoice["tax2_minor"]))
    totals.append(("Total", invoice["total_minor"]))
    if invoice["credit_minor"]:
        totals.append(("Credit applied", -invoice["credit_minor"]))
    if invoice["paid_minor"]:
        totals.append(("Paid", -invoice["paid_minor"]))
    totals.append(("Amount due", invoice["due_minor"]))
    for label, amount in totals:
        pdf.set_font("Helvetica", "B" if label in ("Total", "Amount due") else "", 10)
        pdf.cell(150, 6, _text(label), align="R")
        pdf.cell(40, 6, money(amount), align="R", new_x="LMARGIN", new_y="NEXT")
    if invoice.get("notes"):
        pdf.ln(6)
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(0, 5, _text(invoice["notes"]))
    return bytes(pdf.output())
