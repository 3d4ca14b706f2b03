"""Who is calling: administrators, API keys, the per-request Principal, login bans, the audit log."""
