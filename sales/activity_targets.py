"""Deals as records activities are imported on (crm.timeline.importing): named by external id or name."""

from __future__ import annotations

from crm.timeline.importing import ActivityTarget, TargetKey

from .models import Deal

DEAL_TARGET = ActivityTarget(
    "deal",
    "Deal (its external id or name)",
    (
        "deal",
        "dealname",
        "associateddeal",
        "activitydeal",
        "opportunity",
        "opportunityname",
        "relatedopportunity",
    ),
    Deal,
    (TargetKey("name", "name"),),
)
