"""The leads app's Celery tasks, where autodiscovery finds them (each lives with its sub-domain)."""

from leads.assignment.tasks import send_first_touch_alerts
from leads.importing.tasks import import_leads
from leads.scoring.tasks import (
    reconcile_scores,
    refresh_decayed_scores,
    rescore_all,
    rescore_chunk,
    rescore_lead,
)

__all__ = [
    "import_leads",
    "reconcile_scores",
    "refresh_decayed_scores",
    "rescore_all",
    "rescore_chunk",
    "rescore_lead",
    "send_first_touch_alerts",
]
