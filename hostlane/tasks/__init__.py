"""The job registry: importing this registers every job handler and the provisioning modules that live in a domain
(a telephony line), and names the daily job.

Only the entry points (``hostlane.app``, ``hostlane.cli``) import it, so the job runner and the runtime never
import a domain: the arrows point down from here to every domain's job module. Jobs that read several domains
(the customer e-mail) live here too, above the domains they read.
"""

from hostlane.billing import cards, charging
from hostlane.drivers import provisioning
from hostlane.orders import tasks as order_tasks
from hostlane.services import tasks as service_tasks
from hostlane.tasks import mail
from hostlane.tasks.daily import daily_job
from hostlane.telephony import tasks as telephony_tasks
from hostlane.telephony.provisioning import TelephonyLineModule

HANDLER_MODULES = (cards, charging, mail, order_tasks, service_tasks, telephony_tasks)
# Provisioning modules whose system is a domain of Hostlane (the drivers' own register themselves).
provisioning.register(TelephonyLineModule())
# What the scheduler runs every ``billing_run_every_seconds`` (``jobs.runner.schedule_forever``): last month's
# partner usage recorded, then the billing run.
DAILY_JOB = daily_job

__all__ = ["DAILY_JOB", "HANDLER_MODULES"]
