"""Partners: customers in the partner programme, their OAuth2 integrations, and what the partner API reads."""
