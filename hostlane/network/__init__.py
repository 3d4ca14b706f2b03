"""The network and power of services: IP pools and the addresses given to services, their reverse DNS,
and the PDU outlets that feed them."""
