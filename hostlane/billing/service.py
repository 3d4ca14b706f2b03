"""Billing's public entry: other domains and faces call ``from hostlane.billing import service as billing``.

The rules live in modules along billing's sub-aggregates, each the one place for its rule:
``totals`` (lines and totals), ``tax`` (rules and rates), ``credit`` (the credit ledger), ``settlement``
(numbering, issuing, drafts, marking paid, cancelling), ``payments`` (payments recorded, paying from
credit, refunds), ``charging`` (card charges and paying an invoice), ``cards`` (the customer's saved card: a card
setup at the gateway, replaced, removed), ``invoices`` (the read shape) and ``drafts`` (staff's changes: fields
and lines, status moves, back to draft, sending again, deleting), ``export`` (invoices as CSV,
XLSX or a ZIP of PDFs), ``renewals`` (the renewal window) and ``coupons`` (codes, and the discount lines they give an
order and its renewals; imported as ``from hostlane.billing import coupons``). The amount due is the model's
``Invoice.due_minor``.
"""

from __future__ import annotations

from hostlane.billing.cards import (
    DETACH_JOB,
    Card,
    StartedSetup,
    add_test_card,
    card_gateway,
    finish_card_setup,
    remove_card,
    saved_card,
    start_card_setup,
)
from hostlane.billing.charging import PayOutcome, charge, pay_invoice
from hostlane.billing.drafts import delete_invoice, reopen_draft, send_invoice, update_invoice
from hostlane.billing.export import MAX_PDFS, MAX_ROWS, csv_file, invoices_for_export, pdf_zip, xlsx_file
from hostlane.billing.invoices import (
    LIST_SPEC,
    WHOLE,
    balance,
    get_invoice,
    invoice_pdf,
    invoices_for_customers,
    list_invoices,
    overdue_count,
    received_this_month,
    service_ids_on,
)
from hostlane.billing.payments import (
    REFUND_JOB,
    add_credit,
    add_credit_amount,
    pay_with_credit,
    record_manual_payment,
    record_payment,
    refund_invoice,
    save_payment_method,
    settle_payment,
    settle_recorded_payment,
)
from hostlane.billing.renewals import next_invoice_date
from hostlane.billing.run import last_run
from hostlane.billing.settlement import (
    PAID_JOB,
    apply_credit_to,
    cancel_invoice,
    create_manual_invoice,
    format_number,
    issue_draft,
    issue_invoice,
    quote,
)
from hostlane.billing.tax import pick_rates, set_tax_rule, tax_rules
from hostlane.billing.totals import NewItem, Totals, compute_totals, with_tax

__all__ = [
    "DETACH_JOB",
    "LIST_SPEC",
    "MAX_PDFS",
    "MAX_ROWS",
    "PAID_JOB",
    "REFUND_JOB",
    "WHOLE",
    "Card",
    "NewItem",
    "PayOutcome",
    "StartedSetup",
    "Totals",
    "add_credit",
    "add_credit_amount",
    "add_test_card",
    "apply_credit_to",
    "balance",
    "cancel_invoice",
    "card_gateway",
    "charge",
    "compute_totals",
    "create_manual_invoice",
    "csv_file",
    "delete_invoice",
    "finish_card_setup",
    "format_number",
    "get_invoice",
    "invoice_pdf",
    "invoices_for_customers",
    "invoices_for_export",
    "issue_draft",
    "issue_invoice",
    "last_run",
    "list_invoices",
    "next_invoice_date",
    "overdue_count",
    "pay_invoice",
    "pay_with_credit",
    "pdf_zip",
    "pick_rates",
    "quote",
    "received_this_month",
    "record_manual_payment",
    "record_payment",
    "refund_invoice",
    "remove_card",
    "reopen_draft",
    "save_payment_method",
    "saved_card",
    "send_invoice",
    "service_ids_on",
    "set_tax_rule",
    "settle_payment",
    "settle_recorded_payment",
    "start_card_setup",
    "tax_rules",
    "update_invoice",
    "with_tax",
    "xlsx_file",
]
