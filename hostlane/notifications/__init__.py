"""E-mail to customers: templates rendered in a sandbox, sent by a job."""
