"""What may be done to a lead, and by whom: each rule decides once, for the services (which raise its
refusal: `.ensure()`) and for the pages and the API (which ask it what to offer: `if rule(...)`).

Who may act at all is the access policy's (leads/access.py: marketers change the marketing fields and
do none of the acts); what the lead's own state allows is decided here.
"""

from __future__ import annotations

from crm import access
from crm.errors import ALLOWED, Decision, Forbidden, Invalid, refused
from crm.models import Role, Team, User

from .models import STATUS_TRANSITIONS, Lead, LeadStatus

CONVERTED_IS_KEPT = "A converted lead is kept as it was; change the contact or the deal instead."


def lead_status_allowed(old: str | None, new: str) -> Decision:
    """The transition table (leads.models.STATUS_TRANSITIONS), except that only a conversion converts.
    `old` is None for a new lead, which may start in any status but converted."""
    if new == LeadStatus.CONVERTED:
        return refused(
            Invalid(
                "A lead becomes converted only by converting it.",
                field="status",
                code="converted_by_conversion",
            )
        )
    if old is not None and new not in STATUS_TRANSITIONS[old]:
        return refused(
            Invalid(
                f"A {LeadStatus(old).label.lower()} lead cannot move to {LeadStatus(new).label.lower()}.",
                field="status",
                code="status_transition_not_allowed",
            )
        )
    return ALLOWED


def lead_next_statuses(lead: Lead) -> list[tuple[str, str]]:
    """The statuses the lead may be moved to by hand, in lifecycle order, with their labels."""
    return [(value, label) for value, label in LeadStatus.choices if lead_status_allowed(lead.status, value)]


def lead_is_open(lead: Lead) -> Decision:
    """A converted lead is kept as it was: its contact and its deal carry on from it."""
    if lead.is_converted:
        return refused(Invalid(CONVERTED_IS_KEPT, code="lead_converted"))
    return ALLOWED


def lead_can_be_edited(user: User, lead: Lead) -> Decision:
    if not access.can(user, "change", lead):
        return refused(Forbidden("You can see this record but not change it.", code="read_only"))
    return lead_is_open(lead)


def lead_can_change_status(user: User, lead: Lead) -> Decision:
    if not access.can(user, "status", lead):
        return refused(Forbidden("Your role cannot change the status of leads.", code="status_not_allowed"))
    if not (editable := lead_can_be_edited(user, lead)):
        return editable
    if not lead_next_statuses(lead):
        return refused(
            Invalid(
                f"A {lead.get_status_display().lower()} lead stays as it is.",
                field="status",
                code="status_final",
            )
        )
    return ALLOWED


def lead_can_be_assigned(user: User, lead: Lead) -> Decision:
    """Giving the lead an owner or a queue (which one is checked apart: lead_owner_assignable...)."""
    if not access.can(user, "assign", lead):
        return refused(Forbidden("Your role cannot assign leads.", code="assign_not_allowed"))
    return lead_can_be_edited(user, lead)


def lead_can_be_claimed(user: User, lead: Lead) -> Decision:
    """ "Assign to me": a lead in a queue the user works."""
    if lead.owner_id is not None:
        return refused(Invalid(f"{lead} already has an owner.", field="owner", code="lead_has_owner"))
    return lead_can_be_assigned(user, lead)


def lead_can_be_deleted(user: User, lead: Lead) -> Decision:
    if not access.can(user, "delete", lead):
        return refused(Forbidden("Your role cannot delete leads.", code="delete_not_allowed"))
    return lead_can_be_edited(user, lead)


def leads_may_be_queued(user: User) -> Decision:
    """Managers and admins may leave a lead in the queue without an owner, or put it back there."""
    if user.is_admin or user.role == Role.SALES_MANAGER:
        return ALLOWED
    return refused(Forbidden("Only managers can put a lead back in the queue.", code="queue_not_allowed"))


def lead_team_assignable(user: User, team: Team | None) -> Decision:
    """A lead may go to the default queue, or to a team queue the user reaches (admins: any)."""
    if team is not None and not user.is_admin and team.pk not in access.team_ids(user):
        return refused(Forbidden("You cannot put leads in that team's queue.", code="team_not_assignable"))
    return ALLOWED


def works_leads(user: User) -> bool:
    """Whether the user works leads as their owner does (reps, managers, admins), rather than reading
    them and changing their marketing fields (marketers)."""
    return access.allows(user, "status", Lead)


# The list's bulk actions, by the act each one is.
BULK_ACTS: dict[str, access.Action] = {
    "assign": "assign",
    "status": "status",
    "tag": "change",
    "delete": "delete",
}


def lead_bulk_actions(user: User) -> set[str]:
    """The bulk actions the list offers the user: those their role may do to some leads."""
    return {action for action, act in BULK_ACTS.items() if access.allows(user, act, Lead)}
