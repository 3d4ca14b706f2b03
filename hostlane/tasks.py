"""Every module that registers job handlers. Importing this makes them all known to the job runner."""

from hostlane.billing import charging
from hostlane.notifications import tasks as notification_tasks
from hostlane.orders import tasks as order_tasks
from hostlane.services import tasks as service_tasks

HANDLER_MODULES = (charging, notification_tasks, order_tasks, service_tasks)
