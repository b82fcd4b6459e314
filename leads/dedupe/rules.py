"""Who may merge two leads, and which leads may be merged: one rule for the merge service, the merge
screen and the duplicates panel's "Merge" links."""

from __future__ import annotations

from crm import access
from crm.errors import ALLOWED, Decision, Forbidden, Invalid, NotFound, refused
from crm.models import User
from leads.models import Lead

SELF_MERGE = "A lead cannot be merged with itself; pick another lead."


def _changeable(user: User, lead: Lead) -> Decision:
    if not access.can(user, "view", lead):
        return refused(NotFound())
    if not access.can(user, "change", lead):
        return refused(Forbidden("You can see this record but not change it.", code="read_only"))
    return ALLOWED


def _mergeable_by(user: User, lead: Lead) -> Decision:
    if not access.can(user, "merge", lead):
        return refused(Forbidden("Your role cannot merge leads.", code="merge_not_allowed"))
    return ALLOWED


def _not_converted(lead: Lead) -> Decision:
    if lead.is_converted:
        return refused(
            Invalid(
                f"{lead} is converted: a converted lead is kept as it was, so it cannot be merged.",
                code="lead_converted",
            )
        )
    return ALLOWED


def lead_can_be_merged(user: User, lead: Lead) -> Decision:
    """Whether `user` may merge `lead` with another lead (into it, or it into another): a lead they see
    and work (the policy's "merge" act: not a marketer's), that is not converted (kept as it was)."""
    return leads_can_be_merged(user, lead)


def leads_can_be_merged(user: User, *leads: Lead) -> Decision:
    """Whether `user` may merge the leads (the merged one into the kept one): different leads, each of
    which they may merge. The leads' visibility is checked first, then the act, then their state."""
    if len({lead.pk for lead in leads}) < len(leads):
        return refused(Invalid(SELF_MERGE, code="self_merge"))
    for rule in (_changeable, _mergeable_by):
        for lead in leads:
            if not (decision := rule(user, lead)):
                return decision
    for lead in leads:
        if not (decision := _not_converted(lead)):
            return decision
    return ALLOWED
