"""Services: what customers bought, their lifecycle, and its provisioning through modules."""
