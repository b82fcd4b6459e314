"""The leads app's Celery tasks, where autodiscovery finds them (each lives with its sub-domain)."""

from leads.assignment.tasks import send_first_touch_alerts
from leads.importing.tasks import import_leads

__all__ = ["import_leads", "send_first_touch_alerts"]
