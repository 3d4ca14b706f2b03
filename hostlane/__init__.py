"""Hostlane: one domain core behind five wire-compatible API faces."""

__version__ = "0.1.0"
