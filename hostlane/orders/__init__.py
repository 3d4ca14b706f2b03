"""Orders: a customer buys products; placing an order invoices it and makes pending services."""
