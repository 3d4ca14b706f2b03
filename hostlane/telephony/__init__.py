"""Telephony: PBX servers, entities with their number intervals, line templates and lines, provisioned on the
servers through the PBX driver by jobs."""
