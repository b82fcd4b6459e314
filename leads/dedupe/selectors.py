"""What the duplicates panel and the merge screen show, read in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Expression, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from crm.errors import NotFound
from crm.models import Activity, EngagementEvent, LifecycleEvent, Task, User
from leads.models import Lead
from leads.selectors import lead_list
from leads.services.leads import normalize_email

from .fields import MERGE_FIELDS, Side, field_display, field_label, field_value, is_empty, joined_tags
from .matching import (
    CONTACT_LIMIT,
    Candidate,
    Likeness,
    contact_candidates,
    lead_candidate,
    may_merge_into,
)

PANEL_LEADS = 10


def duplicate_panel_context(*, user: User, lead: Lead) -> dict[str, Any]:
    """The context of leads/dedupe/_panel.html for the lead's detail page (the caller checked access).

    The leads its last duplicate check stored, as `user` may see them; none while a check is due
    (the panel says so), since the stored ones may no longer hold. Contacts with its email, live.
    """
    pending = lead.duplicates_checked_at is None
    email = normalize_email(lead.email)
    return {
        "duplicates": [
            *([] if pending else stored_duplicates(user=user, lead=lead)),
            *(contact_candidates(user=user, email=email, limit=CONTACT_LIMIT) if email else []),
        ],
        "duplicates_pending": pending,
    }


def stored_duplicates(*, user: User, lead: Lead, limit: int = PANEL_LEADS) -> list[Candidate]:
    """The stored candidates of `lead` that `user` may see, strongest first: one query, by the
    lead_duplicate_panel index, the access policy applied to each candidate as it is read."""
    rows = (
        lead_list(user=user)
        .filter(candidate_of__lead=lead.pk)
        .annotate(
            same_email=F("candidate_of__same_email"),
            same_phone=F("candidate_of__same_phone"),
            similar=F("candidate_of__similar_name_and_company"),
            similarity=F("candidate_of__similarity"),
        )
        .order_by("-same_email", "-same_phone", "-similarity", "-id")[:limit]
    )
    may_merge = may_merge_into(user, lead)
    return [
        lead_candidate(
            user,
            row,
            Likeness(row.same_email, row.same_phone, row.similar, row.similarity),
            may_merge=may_merge,
        )
        for row in rows
    ]


# What the merged lead brings along, as merge_preview annotates it: {annotation: (one, many)}.
COUNTED = {
    "activity_count": ("activity", "activities"),
    "task_count": ("task", "tasks"),
    "event_count": ("lifecycle event", "lifecycle events"),
    "engagement_count": ("engagement", "engagements"),
    "history_count": ("history entry", "history entries"),
}


@dataclass(frozen=True)
class FieldDifference:
    """One field the two leads hold differently, as the merge screen offers it."""

    name: str
    label: str
    kept: str
    merged: str
    initial: Side


@dataclass(frozen=True)
class MergePreview:
    kept: Lead
    merged: Lead
    differences: list[FieldDifference]
    tags: list[str]
    moving: list[str]  # what the merged lead brings along: ["3 activities", "1 task"]


def merge_preview(*, user: User, kept_id: int, merged_id: int) -> MergePreview:
    """Both leads and what merging them would do; 404 unless `user` sees both."""
    lead_type = ContentType.objects.get_for_model(Lead)
    counts = {
        "activity_count": _count(Activity.objects.filter(content_type=lead_type)),
        "task_count": _count(Task.objects.filter(content_type=lead_type)),
        "event_count": _count(LifecycleEvent.objects.filter(content_type=lead_type)),
        "engagement_count": _count(EngagementEvent.objects.filter(content_type=lead_type)),
        "history_count": _count(Lead.history.all(), key="id"),
    }
    leads = lead_list(user=user).filter(pk__in=[kept_id, merged_id]).annotate(**counts).in_bulk()
    kept, merged = leads.get(kept_id), leads.get(merged_id)
    if kept is None or merged is None:
        raise NotFound
    return MergePreview(
        kept=kept,
        merged=merged,
        differences=[
            _difference(kept, merged, name) for name in MERGE_FIELDS if _differs(kept, merged, name)
        ],
        tags=joined_tags(kept, merged),
        moving=_moving(merged),
    )


def _count(rows: QuerySet[Any], key: str = "object_id") -> Expression:
    counted = rows.filter(**{key: OuterRef("pk")}).order_by().values(key).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted), 0)


def _differs(kept: Lead, merged: Lead, name: str) -> bool:
    if name == "status":
        return (kept.status, kept.disqualified_reason) != (merged.status, merged.disqualified_reason)
    return bool(field_value(kept, name) != field_value(merged, name))


def _difference(kept: Lead, merged: Lead, name: str) -> FieldDifference:
    initial: Side = "merged" if is_empty(field_value(kept, name)) else "kept"
    return FieldDifference(
        name=name,
        label=field_label(name),
        kept=field_display(kept, name),
        merged=field_display(merged, name),
        initial=initial,
    )


def _moving(merged: Lead) -> list[str]:
    counted = {name: int(getattr(merged, name)) for name in COUNTED}  # annotated by merge_preview
    return [
        f"{count} {one if count == 1 else many}"
        for name, (one, many) in COUNTED.items()
        if (count := counted[name])
    ]
