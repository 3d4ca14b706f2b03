"""Support: departments and tickets, answered by staff on the application face and by customers in the client area."""
