"""The lead list's rows as the page prints them (see crm.web.presenters): every value formatted once,
every URL from the page's one reversed prefix, so leads/lead_list.html needs no include per cell."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse

from crm.web.presenters import Moment, RecordUrls, time_moment

from .models import Lead, LeadStatus

# The badge colours of a lead's status and score, in the rows and (through leads/templatetags/lead_badges)
# in leads/_status_badge.html and leads/_score_badge.html.
STATUS_BADGES: dict[str, str] = {
    LeadStatus.NEW: "text-bg-primary",
    LeadStatus.WORKING: "text-bg-info",
    LeadStatus.NURTURING: "text-bg-warning",
    LeadStatus.QUALIFIED: "text-bg-success",
    LeadStatus.CONVERTED: "text-bg-dark",
}
STATUS_LABELS: dict[str, str] = dict(LeadStatus.choices)


def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "text-bg-secondary")


def score_badge(score: int) -> str:
    return "text-bg-danger" if score >= 50 else "text-bg-warning" if score >= 20 else "text-bg-light border"


@dataclass(frozen=True, slots=True)
class TagLink:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class LeadRow:
    pk: int
    name: str  # the full name, else the email or company
    label: str  # the name a screen reader hears on the row's checkbox
    url: str
    email: str
    company: str
    status_label: str
    status_badge: str
    score: int
    score_badge: str
    owner: str  # empty for a lead in a queue
    queue: str  # "Inbound queue", "Unassigned queue"
    tags: list[TagLink]
    created: Moment


def lead_rows_presented(leads: Iterable[Lead]) -> list[LeadRow]:
    detail_url = RecordUrls("leads:detail")
    tag_url = reverse("leads:index") + "?tag="
    rows = []
    for lead in leads:
        display_name = lead.display_name
        owner = lead.owner
        rows.append(
            LeadRow(
                pk=lead.pk,
                name=lead.full_name or display_name,
                label=display_name,
                url=detail_url(lead.pk),
                email=lead.email,
                company=lead.company,
                status_label=STATUS_LABELS.get(lead.status, lead.status),
                status_badge=status_badge(lead.status),
                score=lead.score,
                score_badge=score_badge(lead.score),
                owner=str(owner) if owner else "",
                queue=f"{lead.team} queue" if lead.team else "Unassigned queue",
                tags=[TagLink(tag, tag_url + quote(tag, safe="/")) for tag in lead.tags or ()],
                created=time_moment(lead.created_at),
            )
        )
    return rows
