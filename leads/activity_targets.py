"""Leads as records activities are imported on (crm.timeline.importing): named by external id or email
address."""

from __future__ import annotations

from crm.timeline.importing import ActivityTarget, TargetKey

from .models import Lead
from .services.leads import normalize_email

LEAD_TARGET = ActivityTarget(
    "lead",
    "Lead (their email address or external id)",
    ("lead", "leademail", "associatedlead", "activitylead", "relatedlead"),
    Lead,
    # email_normalized is indexed (the duplicate checks read it) and already in lower case.
    (TargetKey("email", "email_normalized", None, normalize_email),),
)
