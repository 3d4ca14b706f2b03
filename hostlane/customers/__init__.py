"""Customers: the accounts a provider bills and serves."""
