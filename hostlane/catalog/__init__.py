"""The catalogue: product groups, products (with their provisioning module) and prices."""
