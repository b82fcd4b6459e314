"""Connects the first-touch timer to the kernel's activity hook (leads/apps.py calls `connect()`)."""

from __future__ import annotations

from typing import Any

from crm.models import Activity
from crm.timeline.signals import activity_logged

from .services import first_touch_record

DISPATCH_UID = "leads.assignment.first_touch_record"


def on_activity_logged(sender: type[Activity], *, activity: Activity, **kwargs: Any) -> None:
    first_touch_record(activity=activity)


def connect() -> None:
    """Connects the receiver; calling it again changes nothing (the dispatch_uid is the same)."""
    activity_logged.connect(on_activity_logged, sender=Activity, dispatch_uid=DISPATCH_UID)
