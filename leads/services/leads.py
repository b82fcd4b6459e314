"""Every write to a lead: create, edit, assign, change status, tag, delete, one at a time or in bulk."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from crm import access
from crm.errors import Invalid
from crm.lists.bulk import BulkResult, bulk_apply
from crm.models import NotificationKind, Role, Team, User
from crm.records import (
    apply_changes,
    check_owner_assignable,
    delete_with_audit,
    lock_for_change,
    save_with_audit,
    validate,
)
from crm.timeline.events import event_record
from crm.timeline.notifications import notification_send
from leads import events
from leads.assignment.services import Routing, first_touch_start, lead_route, lead_routing_announce
from leads.dedupe.pending import duplicates_stale, lead_duplicates_check_soon
from leads.models import Lead, LeadStatus
from leads.rules import (
    lead_can_be_assigned,
    lead_can_be_deleted,
    lead_can_be_edited,
    lead_can_change_status,
    lead_status_allowed,
    lead_team_assignable,
    leads_may_be_queued,
)
from leads.scoring.receivers import lead_rescore_soon

NON_DIGITS = re.compile(r"\D")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def normalize_phone(phone: str) -> str:
    """Digits only, so that "+1 (555) 010-2030" and "15550102030" match."""
    return NON_DIGITS.sub("", phone)


def _normalize(lead: Lead) -> None:
    lead.email = lead.email.strip()
    lead.email_normalized = normalize_email(lead.email)
    lead.phone_normalized = normalize_phone(lead.phone)


def _notify_owner(*, actor: User | None, lead: Lead) -> None:
    if lead.owner is not None and lead.owner != actor:
        notification_send(
            recipient=lead.owner,
            kind=NotificationKind.ASSIGNED,
            message=f"{actor or 'The CRM'} assigned the lead {lead} to you.",
            url=lead.get_absolute_url(),
        )


def check_lead_owner_assignable(*, actor: User, owner: User | None) -> None:
    """Anyone the actor may assign to; back to the queue (no owner) only for managers and admins."""
    if owner is not None:
        check_owner_assignable(actor=actor, owner=owner)
    else:
        leads_may_be_queued(actor).ensure()


def check_team_assignable(*, actor: User, team: Team | None) -> None:
    lead_team_assignable(actor, team).ensure()


@transaction.atomic
def lead_create(*, actor: User, fields: dict[str, Any]) -> Lead:
    access.ensure_can_create(actor, Lead)
    fields = dict(fields)
    if "owner" not in fields and actor.role == Role.SALES_REP and not actor.is_admin:
        fields["owner"] = actor  # a rep's new lead is theirs; managers and admins may leave it queued
    if fields.get("owner") is not None:
        check_owner_assignable(actor=actor, owner=fields["owner"])
    check_team_assignable(actor=actor, team=fields.get("team"))
    lead_status_allowed(None, fields.get("status", LeadStatus.NEW)).ensure()
    lead = Lead(**fields)
    _normalize(lead)
    routing = _route_new(actor=actor, lead=lead)
    save_with_audit(lead, actor=actor)
    event_record(actor=actor, target=lead, type=events.LEAD_CREATED, data={"source": lead.source})
    return _after_create(actor=actor, lead=lead, routing=routing)


def _route_new(*, actor: User | None, lead: Lead) -> Routing | None:
    """Who works a new lead, decided before its insert so that one write saves it: the assignment rules
    route one without owner or team (the routing is returned); an owner other than its creator starts the
    first-touch timer."""
    if lead.owner_id is None and lead.team_id is None:
        return lead_route(lead)
    if lead.owner_id is not None and lead.owner != actor:
        first_touch_start(lead=lead)
    return None


def _after_create(*, actor: User | None, lead: Lead, routing: Routing | None) -> Lead:
    """A new lead is scored and checked for duplicates, and its new owner hears of it."""
    lead_rescore_soon(lead.pk)
    lead_duplicates_check_soon(lead.pk)
    if routing is not None:
        lead_routing_announce(lead=lead, routing=routing)
    elif lead.owner_id is not None and lead.owner != actor:
        _notify_owner(actor=actor, lead=lead)
    return lead


@transaction.atomic
def lead_capture(*, fields: dict[str, Any]) -> Lead:
    """Creates a lead that no signed-in user typed in (a public web form, an integration).

    Nobody's permissions apply; the fields were validated by the capturing interface, and the model's
    own validation still runs.
    """
    lead = Lead(**fields)
    lead_status_allowed(None, lead.status).ensure()
    _normalize(lead)
    validate(lead)
    routing = _route_new(actor=None, lead=lead)
    lead.save()
    event_record(actor=None, target=lead, type=events.LEAD_CREATED, data={"source": lead.source})
    return _after_create(actor=None, lead=lead, routing=routing)


@transaction.atomic
def lead_update(*, actor: User, lead_id: int, fields: dict[str, Any]) -> Lead:
    """Changes a lead's fields; status, owner and team changes are checked and leave events."""
    lead = lock_for_change(actor=actor, model=Lead, pk=lead_id)
    lead_can_be_edited(actor, lead).ensure()
    changed = {name: value for name, value in fields.items() if getattr(lead, name) != value}
    access.ensure_fields_writable(actor, lead, changed)
    if "owner" in changed or "team" in changed:
        lead_can_be_assigned(actor, lead).ensure()
    if "owner" in changed:
        check_lead_owner_assignable(actor=actor, owner=changed["owner"])
    if "team" in changed:
        check_team_assignable(actor=actor, team=changed["team"])
    if "status" in changed:
        lead_can_change_status(actor, lead).ensure()
        lead_status_allowed(lead.status, changed["status"]).ensure()
        if lead.status == LeadStatus.DISQUALIFIED:
            changed.setdefault("disqualified_reason", "")
        elif (
            changed["status"] == LeadStatus.DISQUALIFIED
            and not changed.get("disqualified_reason", "").strip()
        ):
            raise Invalid(
                "Say why the lead is disqualified.", field="disqualified_reason", code="reason_required"
            )
    changes = apply_changes(lead, changed)
    if not changes:
        return lead
    _normalize(lead)
    recheck = duplicates_stale(changes)
    if recheck:
        lead.duplicates_checked_at = None
    save_with_audit(lead, actor=actor)
    _record_change_events(actor=actor, lead=lead, changes=changes)
    lead_rescore_soon(lead.pk)  # status, fields and owner all weigh in on the score and sales-readiness
    if recheck:
        lead_duplicates_check_soon(lead.pk)
    return lead


def _record_change_events(*, actor: User, lead: Lead, changes: dict[str, tuple[Any, Any]]) -> None:
    if "owner" in changes or "team" in changes:
        old_owner, new_owner = changes.get("owner", (lead.owner, lead.owner))
        event_record(
            actor=actor,
            target=lead,
            type=events.LEAD_ASSIGNED,
            data={"from": str(old_owner) if old_owner else None, "to": str(new_owner) if new_owner else None},
        )
        if "owner" in changes:
            first_touch_start(lead=lead)
            _notify_owner(actor=actor, lead=lead)
    if "status" in changes:
        old, new = changes["status"]
        event_type = {
            LeadStatus.QUALIFIED: events.LEAD_QUALIFIED,
            LeadStatus.DISQUALIFIED: events.LEAD_DISQUALIFIED,
        }.get(new, events.LEAD_STATUS_CHANGED)
        data = {"from": old, "to": new}
        if new == LeadStatus.DISQUALIFIED:
            data["reason"] = lead.disqualified_reason
        event_record(actor=actor, target=lead, type=event_type, data=data)


def lead_change_status(*, actor: User, lead_id: int, status: str, reason: str = "") -> Lead:
    fields: dict[str, Any] = {"status": status}
    if status == LeadStatus.DISQUALIFIED:
        fields["disqualified_reason"] = reason.strip()
    return lead_update(actor=actor, lead_id=lead_id, fields=fields)


@transaction.atomic
def lead_delete(*, actor: User, lead_id: int) -> None:
    lead = lock_for_change(actor=actor, model=Lead, pk=lead_id)
    lead_can_be_deleted(actor, lead).ensure()
    delete_with_audit(lead, actor=actor)


# What a bulk request may do, and how many leads at most: each lead is its own savepoint.
BULK_ACTIONS = {
    "assign": "Assign to an owner",
    "status": "Change the status",
    "tag": "Add a tag",
    "delete": "Delete",
}
MAX_BULK_LEADS = 500


def leads_bulk_apply(
    *,
    actor: User,
    action: str,
    lead_ids: list[int],
    owner: User | None = None,
    status: str = "",
    reason: str = "",
    tag: str = "",
) -> BulkResult:
    """The one entry for the list's bulk bar and the API's bulk endpoint."""
    if len(lead_ids) > MAX_BULK_LEADS:
        raise Invalid(f"Select at most {MAX_BULK_LEADS} leads at a time.", field="ids", code="too_many")
    if action == "assign":
        return leads_bulk_assign(actor=actor, lead_ids=lead_ids, owner=owner)
    if action == "status":
        return leads_bulk_change_status(actor=actor, lead_ids=lead_ids, status=status, reason=reason)
    if action == "tag":
        return leads_bulk_add_tag(actor=actor, lead_ids=lead_ids, tag=tag)
    if action == "delete":
        return leads_bulk_delete(actor=actor, lead_ids=lead_ids)
    raise Invalid(f"Unknown bulk action {action!r}.", field="action", code="unknown_action")


def leads_bulk_assign(*, actor: User, lead_ids: Iterable[int], owner: User | None) -> BulkResult:
    return bulk_apply(lead_ids, lambda pk: lead_update(actor=actor, lead_id=pk, fields={"owner": owner}))


def leads_bulk_change_status(
    *, actor: User, lead_ids: Iterable[int], status: str, reason: str = ""
) -> BulkResult:
    return bulk_apply(
        lead_ids, lambda pk: lead_change_status(actor=actor, lead_id=pk, status=status, reason=reason)
    )


def leads_bulk_add_tag(*, actor: User, lead_ids: Iterable[int], tag: str) -> BulkResult:
    tag = tag.strip()
    if not tag:
        raise Invalid("Name the tag to add.", field="tag", code="tag_required")
    return bulk_apply(lead_ids, lambda pk: lead_add_tag(actor=actor, lead_id=pk, tag=tag))


@transaction.atomic
def lead_add_tag(*, actor: User, lead_id: int, tag: str) -> Lead:
    lead = lock_for_change(actor=actor, model=Lead, pk=lead_id)  # held: no concurrent tag is lost
    if tag in lead.tags:
        return lead
    return lead_update(actor=actor, lead_id=lead_id, fields={"tags": [*lead.tags, tag]})


def leads_bulk_delete(*, actor: User, lead_ids: Iterable[int]) -> BulkResult:
    return bulk_apply(lead_ids, lambda pk: lead_delete(actor=actor, lead_id=pk))
