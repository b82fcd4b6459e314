"""One chunk of an import: what each row does (create, update, skip or error), then the writes, set-based.

Per chunk: one query for the duplicate leads, one for the duplicate contacts, then the inserts and
updates (each with their history rows), the lifecycle events and the report rows, each COPied into a
staging table and written from it (crm.imports.copying): a few statements whatever the chunk's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from crm import access
from crm.imports.copying import records_insert, records_update
from crm.imports.running import Tally, problems_save, row_problems
from crm.models import LifecycleEvent, User
from crm.models.imports import FileImportProblem
from crm.timeline.events import event_type
from leads import events
from leads.assignment.services import lead_assign_by_rules
from leads.dedupe.pending import duplicates_stale, leads_duplicates_check_soon
from leads.models import AssignmentRule, DuplicatePolicy, Lead, LeadImport, LeadImportError, LeadSource
from leads.scoring.receivers import leads_rescore_soon
from leads.services.leads import normalize_email, normalize_phone

from .dedupe import DuplicateFinder, Key, Match, lead_keys, row_keys
from .rows import LeadRow


@dataclass(frozen=True)
class ImportContext:
    lead_import: LeadImport
    actor: User
    owner: User | None
    policy: str
    run_assignment_rules: bool = True  # for new leads without an owner; False leaves them in the queue

    @property
    def import_id(self) -> int:
        return self.lead_import.pk


@dataclass
class ChunkPlan:
    creates: list[Lead] = field(default_factory=list)
    updates: dict[int, Lead] = field(default_factory=dict)  # only leads whose fields really change
    updated_fields: set[str] = field(default_factory=set)
    notes: list[FileImportProblem] = field(default_factory=list)  # errors, and why rows were not imported
    tally: Tally = field(default_factory=Tally)


def plan_chunk(
    rows: Sequence[LeadRow], *, context: ImportContext, finder: DuplicateFinder, lock: bool
) -> ChunkPlan:
    """Decides each row's fate; `lock` holds the leads an update policy may change."""
    plan = ChunkPlan()
    # "Create" updates the leads the rows' external ids name, so it locks them as "update" does.
    finder.load(rows, lock=lock and context.policy != DuplicatePolicy.SKIP)
    new_leads: dict[tuple[Key, str], Lead] = {}  # this chunk's new leads by ("email", "ann@example.com")...
    for row in rows:
        if not row.ok:
            plan.notes.extend(row_problems(context.lead_import, row))
            plan.tally.errors += 1
            continue
        earlier, existing = finder.earlier_line(row), finder.existing(row)
        finder.remember(row)
        if earlier is not None and earlier.key == "external":
            message = f"Not imported: {earlier}; an external id names one lead, so give it one row."
            plan.notes.append(
                LeadImportError(lead_import_id=context.import_id, line=row.line, message=message)
            )
            plan.tally.errors += 1
            continue
        new_lead = next((new_leads[key] for key in row_keys(row) if key in new_leads), None)
        duplicate = earlier or existing
        # A lead an external id names is never doubled: "create" updates it.
        keyed = existing is not None and existing.key == "external"
        if duplicate is None or (context.policy == DuplicatePolicy.CREATE and not keyed):
            lead = _new_lead(row, context)
            plan.creates.append(lead)
            _index(new_leads, lead)
        elif context.policy == DuplicatePolicy.SKIP:
            _skip(plan, row, context, f"Skipped: {duplicate}.")
        elif new_lead is not None and not keyed:
            _change(new_lead, row.fields)
            _index(new_leads, new_lead)
            plan.tally.updated += 1
        elif existing is not None and existing.lead is not None:
            _update_existing(plan, row, context, existing)
        elif existing is not None:
            _skip(plan, row, context, f"Not updated: {existing}; an import changes leads, never contacts.")
        else:  # it repeats an earlier row that was not imported, so there is nothing to update
            lead = _new_lead(row, context)
            plan.creates.append(lead)
            _index(new_leads, lead)
    plan.tally.created = len(plan.creates)
    return plan


def _new_lead(row: LeadRow, context: ImportContext) -> Lead:
    lead = Lead(**row.fields, owner=context.owner)
    if "source" not in row.fields:
        lead.source = LeadSource.IMPORT
    _normalise(lead)
    return lead


def _index(new_leads: dict[tuple[Key, str], Lead], lead: Lead) -> None:
    for key in lead_keys(lead):
        new_leads.setdefault(key, lead)


def _skip(plan: ChunkPlan, row: LeadRow, context: ImportContext, message: str) -> None:
    plan.notes.append(LeadImportError(lead_import_id=context.import_id, line=row.line, message=message[:500]))
    plan.tally.skipped += 1


def _update_existing(plan: ChunkPlan, row: LeadRow, context: ImportContext, existing: Match) -> None:
    lead = existing.lead
    assert lead is not None  # noqa: S101  (the caller checked; this narrows the type)
    if lead.is_converted:
        _skip(plan, row, context, f"Not updated: {existing}, which is converted and kept as it was.")
    elif not access.can(context.actor, "change", lead):
        _skip(plan, row, context, f"Not updated: {existing}, which you may not change.")
    else:
        changed = _change(lead, row.fields)
        if changed:
            plan.updates[lead.pk] = lead
            plan.updated_fields |= changed
        plan.tally.updated += 1


def _change(lead: Lead, fields: dict[str, Any]) -> set[str]:
    """Sets the row's non-empty values on the lead (empty cells never blank a field); tags are added."""
    changed = set()
    for name, value in fields.items():
        if name == "tags":
            value = [*lead.tags, *(tag for tag in value if tag not in lead.tags)]
        if getattr(lead, name) != value:
            setattr(lead, name, value)
            changed.add(name)
    _normalise(lead)
    return changed


def _normalise(lead: Lead) -> None:
    lead.email_normalized = normalize_email(lead.email)
    lead.phone_normalized = normalize_phone(lead.phone)


def apply_plan(plan: ChunkPlan, *, context: ImportContext) -> None:
    """Writes the plan; call it inside the chunk's transaction."""
    if plan.creates:
        records_insert(Lead, plan.creates, history_user=context.actor)
        event_type(events.LEAD_CREATED)  # an unknown type fails here, as event_record would
        content_type = ContentType.objects.get_for_model(Lead)
        records_insert(
            LifecycleEvent,
            [
                LifecycleEvent(
                    type=events.LEAD_CREATED,
                    actor=context.actor,
                    content_type=content_type,
                    object_id=lead.pk,
                    data={"source": "import", "import_id": context.import_id},
                )
                for lead in plan.creates
            ],
        )
    # New leads are due a duplicate check as created; the updated ones when the chunk's updates change
    # a field the match reads (one field list serves the whole bulk update).
    recheck = duplicates_stale(plan.updated_fields)
    if plan.updates:
        now = timezone.now()
        for lead in plan.updates.values():
            lead.updated_at = now
            if recheck:
                lead.duplicates_checked_at = None
        written = {"email_normalized", "phone_normalized", "updated_at"}
        records_update(
            Lead,
            list(plan.updates.values()),
            sorted(plan.updated_fields | written | ({"duplicates_checked_at"} if recheck else set())),
            history_user=context.actor,
        )
    problems_save(plan.notes)
    touched = [lead.pk for lead in plan.creates] + [lead.pk for lead in plan.updates.values()]
    leads_rescore_soon(touched)  # one set-based rescore per block of ids, after the chunk commits
    # One check per block of ids as well, never one task per row.
    leads_duplicates_check_soon(touched if recheck else [lead.pk for lead in plan.creates])
    queued = [lead.pk for lead in plan.creates if lead.owner_id is None and lead.team_id is None]
    if queued and context.run_assignment_rules and AssignmentRule.objects.filter(is_active=True).exists():
        for lead_id in queued:  # as for any new lead without an owner: the rules decide, or the queue
            lead_assign_by_rules(lead_id=lead_id)
