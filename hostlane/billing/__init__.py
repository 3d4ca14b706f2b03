"""Billing: invoices, taxes, payments, saved payment methods and credit."""
