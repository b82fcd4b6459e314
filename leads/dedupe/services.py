"""Merging two duplicate leads into one: the values the user picked, both timelines, both audit trails."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from crm import access
from crm.errors import Invalid, NotFound
from crm.models import User
from crm.timeline.events import event_record
from crm.timeline.services import timeline_move
from leads.models import Lead, LeadMerge, WebFormSubmission
from leads.scoring.receivers import lead_rescore_soon
from leads.services.leads import lead_update

from .events import LEAD_MERGED
from .fields import MERGE_FIELDS, SIDES, field_value, joined_tags
from .rules import SELF_MERGE, leads_can_be_merged

# Marks the history rows a lead brought into the one it was merged into (see _move_everything).
MERGED_FROM = "Merged from lead #"


def check_merge(*, actor: User, kept: Lead, merged: Lead) -> None:
    """Why `actor` may not merge `merged` into `kept`, if they may not: NotFound, Forbidden or Invalid."""
    leads_can_be_merged(actor, kept, merged).ensure()


@transaction.atomic
def lead_merge(*, actor: User, kept_id: int, merged_id: int, field_choices: Mapping[str, str]) -> LeadMerge:
    """Makes two leads one: `kept` takes the picked values and everything `merged` had; `merged` goes.

    `field_choices` says for each field in MERGE_FIELDS which lead's value to keep ("kept" or
    "merged"); a field left out keeps the kept lead's value. Calling it again returns the same merge.
    """
    if kept_id == merged_id:
        raise Invalid(SELF_MERGE, code="self_merge")
    choices = _checked_choices(field_choices)
    # Both rows locked in id order, whichever is kept: two merges of the same pair never deadlock.
    leads = {
        lead.pk: lead
        for lead in Lead.objects.select_for_update(of=("self",))
        .select_related("owner", "team")
        .filter(pk__in=[kept_id, merged_id])
        .order_by("pk")
    }
    kept, merged = leads.get(kept_id), leads.get(merged_id)
    if kept is not None and merged is None:
        done = LeadMerge.objects.filter(kept_lead=kept, merged_lead_id=merged_id).first()
        if done is not None:
            access.ensure_can_change(actor, kept)
            return done
    if kept is None or merged is None:
        raise NotFound
    check_merge(actor=actor, kept=kept, merged=merged)

    snapshot = _snapshot(merged)
    kept = lead_update(actor=actor, lead_id=kept.pk, fields=_picked_values(kept, merged, choices))
    _move_everything(kept=kept, merged=merged)
    merge = LeadMerge.objects.create(
        kept_lead=kept,
        merged_lead_id=merged.pk,
        merged_snapshot=snapshot,
        field_choices=choices,
        merged_by=actor,
    )
    event_record(
        actor=actor,
        target=kept,
        type=LEAD_MERGED,
        data={"merged_lead_id": merged.pk, "merged_lead": merged.display_name},
    )
    merged._history_user = actor  # type: ignore[attr-defined]
    merged._change_reason = f"Merged into lead #{kept.pk}"  # type: ignore[attr-defined]
    merged.delete()  # its timeline points at the kept lead now: nothing of it cascades away
    # The kept lead has the merged lead's engagement now; its score is the scoring engine's to redo.
    lead_rescore_soon(kept.pk)
    return merge


def _checked_choices(field_choices: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(field_choices) - set(MERGE_FIELDS))
    if unknown:
        raise Invalid(f"A merge cannot pick {', '.join(unknown)}.", code="unknown_field")
    for name, side in field_choices.items():
        if side not in SIDES:
            raise Invalid(
                f"Pick the kept or the merged lead's {name.replace('_', ' ')}.", code="side_required"
            )
    return {name: field_choices.get(name, "kept") for name in MERGE_FIELDS}


def _picked_values(kept: Lead, merged: Lead, choices: Mapping[str, str]) -> dict[str, Any]:
    """The fields to change on the kept lead: lead_update checks them (owner, team, status) as ever."""
    values = {name: field_value(merged, name) for name, side in choices.items() if side == "merged"}
    if "status" in values:
        values["disqualified_reason"] = merged.disqualified_reason
    values["tags"] = joined_tags(kept, merged)
    return values


def _move_everything(*, kept: Lead, merged: Lead) -> None:
    """Re-points what belonged to the merged lead, one set-based UPDATE per table."""
    timeline_move(source=merged, target=kept)
    WebFormSubmission.objects.filter(lead=merged).update(lead=kept)
    # Earlier merges into the merged lead would cascade away with it: they now name the kept lead.
    LeadMerge.objects.filter(kept_lead=merged).update(kept_lead=kept)
    # The audit trail. The merged lead's history rows are re-keyed to the kept lead rather than left
    # under the deleted id, where no page would show them (the merge record's snapshot holds only the
    # last state): the kept lead's Changes list then shows who changed what on either lead, and when,
    # exactly as recorded; nothing is copied or rewritten. The two leads' rows now interleave by date,
    # so a diff of neighbouring rows would mix the two leads up: the change reason says which lead a
    # row came from (an earlier merge's mark stays) so the audit reader can diff each lead's rows
    # apart. The deletion row written below stays under the merged id: the kept lead was not deleted.
    Lead.history.filter(id=merged.pk).update(
        id=kept.pk,
        history_change_reason=Coalesce(F("history_change_reason"), Value(f"{MERGED_FROM}{merged.pk}")),
    )


def _snapshot(lead: Lead) -> dict[str, Any]:
    """Every column of the lead as JSON: dates as ISO strings, decimals as strings, foreign keys as ids."""
    values = {field.attname: field.value_from_object(lead) for field in Lead._meta.concrete_fields}
    values["display_name"] = lead.display_name
    snapshot: dict[str, Any] = json.loads(json.dumps(values, cls=DjangoJSONEncoder))
    return snapshot
