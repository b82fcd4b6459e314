"""Every write to a deal: create, edit, move through the stages, win, lose, reopen, delete.

A deal keeps two dates apart: `close_date`, when it is expected to close (the rep's plan, kept as it
was when the deal closes), and `closed_at`, when it was won or lost (set by the close, cleared by a
reopening). A closed deal moves again only once it is reopened (deal_reopen).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from crm import access
from crm.errors import Invalid
from crm.models import Account, Contact, LifecycleStage, NotificationKind, User
from crm.money import currency_problem
from crm.records import (
    apply_changes,
    check_owner_assignable,
    delete_with_audit,
    lock_for_change,
    save_with_audit,
)
from crm.timeline import events as kernel_events
from crm.timeline.events import event_record
from crm.timeline.notifications import notification_send
from crm.timeline.rollup import rollup_reassign
from sales import events
from sales.errors import StaleMove
from sales.models import (
    Deal,
    DealStatus,
    LostReason,
    Pipeline,
    SalesSettings,
    Stage,
    StageKind,
    StageVisit,
)
from sales.onboarding.services import onboarding_start
from sales.rules import deal_can_be_deleted, deal_can_be_reopened, deal_can_move, deal_is_closed
from sales.services.gates import ensure_may_enter


def default_pipeline() -> Pipeline:
    pipeline = Pipeline.objects.filter(is_active=True).order_by("-is_default", "id").first()
    if pipeline is None:
        raise Invalid(
            "There is no active pipeline; an admin needs to create one first.",
            field="pipeline",
            code="no_pipeline",
        )
    return pipeline


def first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("position", "id").first()
    if stage is None:
        raise Invalid(f"The pipeline {pipeline} has no open stage.", field="stage", code="no_open_stage")
    return stage


def _check_close_date(close_date: date | None) -> None:
    if close_date is not None and close_date < timezone.localdate():
        raise Invalid(
            "The expected close date is in the past; give an open deal a date from today on.",
            field="close_date",
            code="close_date_past",
        )


def _check_currency(fields: dict[str, Any]) -> None:
    """Refuses a currency that is not a 3-letter code; upper-cases the one given."""
    if "currency" in fields:
        if problem := currency_problem(fields["currency"]):
            raise Invalid(problem, field="currency", code="currency_invalid")
        fields["currency"] = str(fields["currency"]).strip().upper()


def _check_closed_at(closed_at: datetime) -> None:
    if closed_at > timezone.now():
        raise Invalid(
            "A deal cannot be closed in the future; give the day it was won or lost, today at the latest.",
            field="closed_at",
            code="closed_in_future",
        )


def closed_on(day: date) -> datetime:
    """When a deal closed on `day` (a form's date): now for today, else midday of that day, local time."""
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time(12)))


def _check_account_and_contact(*, actor: User, account: Account | None, contact: Contact | None) -> None:
    """The account is one the actor may see, or none; the primary contact works at that account (a deal
    without an account takes a contact without one)."""
    if account is not None:
        access.ensure_can_view(actor, account)
    if contact is None or contact.account_id == (account.pk if account is not None else None):
        return
    if account is None:
        raise Invalid(
            f"{contact} works at {contact.account}; give the deal that account, or choose a contact "
            "without one.",
            field="primary_contact",
            code="contact_not_at_account",
        )
    raise Invalid(
        f"{contact} does not work at {account}; choose one of its contacts.",
        field="primary_contact",
        code="contact_not_at_account",
    )


def _notify_owner(*, actor: User | None, deal: Deal, message: str) -> None:
    if deal.owner_id != (actor.pk if actor else None):
        notification_send(
            recipient=deal.owner,
            kind=NotificationKind.ASSIGNED,
            message=message,
            url=deal.get_absolute_url(),
        )


@transaction.atomic
def deal_create(*, actor: User, fields: dict[str, Any]) -> Deal:
    """Creates a deal in an open stage (the pipeline's first unless told), checking the stages it skips."""
    access.ensure_can_create(actor, Deal)
    fields = {"owner": actor, **fields}
    check_owner_assignable(actor=actor, owner=fields["owner"])
    _check_account_and_contact(
        actor=actor, account=fields.get("account"), contact=fields.get("primary_contact")
    )
    stage: Stage | None = fields.get("stage")
    pipeline: Pipeline = stage.pipeline if stage else fields.get("pipeline") or default_pipeline()
    stage = stage or first_open_stage(pipeline)
    if stage.kind != StageKind.OPEN:
        raise Invalid(
            "A new deal starts in an open stage; win or lose it afterwards.",
            field="stage",
            code="stage_not_open",
        )
    _check_close_date(fields.get("close_date"))
    _check_currency(fields)
    fields.setdefault("currency", SalesSettings.current().default_currency)
    deal = Deal(**{**fields, "pipeline": pipeline, "stage": stage, "status": DealStatus.OPEN})
    ensure_may_enter(deal=deal, current=None, target=stage)
    now = timezone.now()
    deal.stage_changed_at = now
    save_with_audit(deal, actor=actor)
    StageVisit.objects.create(deal=deal, stage=stage, entered_at=now, entered_by=actor)
    event_record(
        actor=actor,
        target=deal,
        type=events.DEAL_CREATED,
        data={
            "name": deal.name,
            "type": deal.type,
            "stage": stage.name,
            "amount": str(deal.amount),
        },
    )
    _notify_owner(actor=actor, deal=deal, message=f"{actor} gave you the deal {deal}.")
    return deal


# Fields the edit form and the API change, in the form's order; the stage moves through deal_move's
# rules.
EDITABLE_FIELD_ORDER = (
    "name",
    "account",
    "primary_contact",
    "amount",
    "currency",
    "close_date",
    "owner",
    "type",
    "forecast_category",
    "next_step",
    "next_step_due",
    "contract_start",
    "contract_end",
    "lost_note",
)
EDITABLE_FIELDS = frozenset(EDITABLE_FIELD_ORDER)


@transaction.atomic
def deal_update(
    *, actor: User, deal_id: int, fields: dict[str, Any], expected_stage_id: int | None = None
) -> Deal:
    """Changes a deal's fields and, when `fields` names a stage, then moves it there (one transaction:
    filling the missing criteria and moving past them is one save)."""
    deal = _lock(actor=actor, deal_id=deal_id)
    fields = dict(fields)
    stage: Stage | None = fields.pop("stage", None)
    lost_reason: LostReason | None = fields.pop("lost_reason", None)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise Invalid(
            f"These fields cannot be changed here: {', '.join(sorted(unknown))}.", code="field_not_editable"
        )
    _check_currency(fields)
    changed = {name: value for name, value in fields.items() if getattr(deal, name) != value}
    if "owner" in changed:
        check_owner_assignable(actor=actor, owner=changed["owner"])
    if "account" in changed or "primary_contact" in changed:
        _check_account_and_contact(
            actor=actor,
            account=changed.get("account", deal.account),
            contact=changed.get("primary_contact", deal.primary_contact),
        )
    if "amount" in changed and deal.lines.exists():
        raise Invalid(
            "The amount is the sum of the product lines; change the lines instead.",
            field="amount",
            code="amount_from_lines",
        )
    if "currency" in changed and deal.lines.exists():
        raise Invalid(
            "Remove the product lines before changing the currency.", field="currency", code="deal_has_lines"
        )
    stays_open = deal.is_open and (stage is None or stage.kind == StageKind.OPEN)
    if "close_date" in changed and stays_open:
        _check_close_date(changed["close_date"])
    changes = apply_changes(deal, changed)
    if changes:
        save_with_audit(deal, actor=actor)
        if "account" in changes:
            rollup_reassign(target=deal, account_id=deal.account_id)
        if "owner" in changes:
            old, new = changes["owner"]
            event_record(
                actor=actor,
                target=deal,
                type=events.DEAL_ASSIGNED,
                data={"from": str(old), "to": str(new)},
            )
            _notify_owner(actor=actor, deal=deal, message=f"{actor} gave you the deal {deal}.")
    if stage is not None and stage.pk != deal.stage_id:
        _move(
            actor=actor,
            deal=deal,
            stage=stage,
            expected_stage_id=expected_stage_id,
            lost_reason=lost_reason,
        )
    return deal


@transaction.atomic
def deal_move(
    *,
    actor: User,
    deal_id: int,
    stage_id: int,
    expected_stage_id: int | None = None,
    lost_reason_id: int | None = None,
    lost_note: str = "",
    close_date: date | None = None,
    closed_at: datetime | None = None,
) -> Deal:
    """Moves a deal to a stage (a board drop, the form, the API).

    `expected_stage_id` is where the mover saw the deal: if someone moved it since, the move is refused
    with where it is now, never applied over their move. Moving to where it already is changes nothing.
    A `close_date` sent along is saved with the move; `closed_at` says when a win or a loss happened
    (now when left out).
    """
    deal = _lock(actor=actor, deal_id=deal_id)
    stage = Stage.objects.filter(pk=stage_id).select_related("pipeline").first()
    if stage is None:
        raise Invalid("That stage no longer exists; reload the board.", field="stage", code="stage_gone")
    lost_reason = (
        LostReason.objects.filter(pk=lost_reason_id, is_active=True).first() if lost_reason_id else None
    )
    if lost_note:
        deal.lost_note = lost_note.strip()
    moved_from = deal.stage_id
    new_close_date = close_date is not None and close_date != deal.close_date
    if new_close_date:
        if deal.is_open and stage.kind == StageKind.OPEN:
            _check_close_date(close_date)
        deal.close_date = close_date
    _move(
        actor=actor,
        deal=deal,
        stage=stage,
        expected_stage_id=expected_stage_id,
        lost_reason=lost_reason,
        closed_at=closed_at,
    )
    if new_close_date and deal.stage_id == moved_from:
        save_with_audit(deal, actor=actor)  # no move, but the close date sent along is kept
    return deal


def reopen_stage(deal: Deal) -> Stage:
    """Where a reopened deal goes unless told: the last open stage it was in, else its pipeline's first."""
    visit = (
        deal.stage_visits.filter(stage__kind=StageKind.OPEN, stage__pipeline_id=deal.pipeline_id)
        .select_related("stage")
        .order_by("-entered_at", "-id")
        .first()
    )
    return visit.stage if visit is not None else first_open_stage(deal.pipeline)


@transaction.atomic
def deal_reopen(
    *, actor: User, deal_id: int, stage_id: int | None = None, close_date: date | None = None
) -> Deal:
    """Reopens a won or lost deal in an open stage of its pipeline (the last one it was in unless told),
    with a new expected close date when the old one has passed. Reopening an open deal changes nothing."""
    deal = _lock(actor=actor, deal_id=deal_id)
    if not deal_is_closed(deal):
        return deal
    deal_can_be_reopened(actor, deal).ensure()
    if stage_id is None:
        stage = reopen_stage(deal)
    else:
        found = Stage.objects.filter(pk=stage_id, pipeline_id=deal.pipeline_id, kind=StageKind.OPEN).first()
        if found is None:
            raise Invalid(
                f"Choose an open stage of the pipeline {deal.pipeline} to reopen the deal in.",
                field="stage",
                code="reopen_stage_invalid",
            )
        stage = found
    if close_date is not None:
        deal.close_date = close_date
    _check_close_date(deal.close_date)
    _enter(actor=actor, deal=deal, stage=stage, lost_reason=None, closed_at=None)
    return deal


def _lock(*, actor: User, deal_id: int) -> Deal:
    deal = lock_for_change(actor=actor, model=Deal, pk=deal_id)
    return Deal.objects.select_related("stage", "pipeline", "account", "owner").get(pk=deal.pk)


def _move(
    *,
    actor: User,
    deal: Deal,
    stage: Stage,
    expected_stage_id: int | None,
    lost_reason: LostReason | None,
    closed_at: datetime | None = None,
) -> None:
    current = deal.stage
    if expected_stage_id is not None and expected_stage_id != current.pk:
        visit = deal.stage_visits.filter(left_at__isnull=True).select_related("entered_by").first()
        moved_by = str(visit.entered_by) if visit and visit.entered_by else "Someone"
        raise StaleMove(
            current_stage=current.name, moved_by=moved_by if visit and visit.entered_by != actor else "You"
        )
    if stage.pk == current.pk:
        return
    deal_can_move(actor, deal).ensure()
    if stage.kind == StageKind.LOST and lost_reason is None:
        raise Invalid("Choose why the deal was lost.", field="lost_reason", code="lost_reason_required")
    _enter(actor=actor, deal=deal, stage=stage, lost_reason=lost_reason, closed_at=closed_at)


def _enter(
    *,
    actor: User,
    deal: Deal,
    stage: Stage,
    lost_reason: LostReason | None,
    closed_at: datetime | None,
) -> None:
    """The move itself, once the rules allow it: the stage, status and close, the visit and the events."""
    current = deal.stage
    ensure_may_enter(deal=deal, current=current, target=stage)
    now = timezone.now()
    old_status = deal.status
    deal.stage = stage
    deal.pipeline_id = stage.pipeline_id
    deal.status = stage.kind
    deal.stage_changed_at = now
    if stage.kind == StageKind.OPEN:
        deal.closed_at = None
        deal.lost_reason = None
    else:
        if closed_at is not None:
            _check_closed_at(closed_at)
        deal.closed_at = closed_at or now
        deal.lost_reason = lost_reason if stage.kind == StageKind.LOST else None
    save_with_audit(deal, actor=actor)
    StageVisit.objects.filter(deal=deal, left_at__isnull=True).update(left_at=now)
    StageVisit.objects.create(deal=deal, stage=stage, entered_at=now, entered_by=actor)
    event_record(
        actor=actor,
        target=deal,
        type=events.DEAL_STAGE_CHANGED,
        data={"from": current.name, "to": stage.name, "from_id": current.pk, "to_id": stage.pk},
    )
    if stage.kind == StageKind.WON:
        _after_win(actor=actor, deal=deal)
    elif stage.kind == StageKind.LOST:
        event_record(
            actor=actor,
            target=deal,
            type=events.DEAL_LOST,
            data={"reason": str(lost_reason), "note": deal.lost_note},
        )
    elif old_status != DealStatus.OPEN:
        event_record(actor=actor, target=deal, type=events.DEAL_REOPENED, data={"from": old_status})


def _after_win(*, actor: User, deal: Deal) -> None:
    """A win makes the account a customer and starts its onboarding from the matching template; a deal
    without an account is won alone (an onboarding is the account's)."""
    event_record(actor=actor, target=deal, type=events.DEAL_WON, data={"amount": str(deal.amount)})
    if deal.account_id is None:
        return
    account = Account.objects.select_for_update().get(pk=deal.account_id)
    if account.lifecycle_stage != LifecycleStage.CUSTOMER:
        old = account.lifecycle_stage
        account.lifecycle_stage = LifecycleStage.CUSTOMER
        save_with_audit(account, actor=actor)
        event_record(
            actor=actor,
            target=account,
            type=kernel_events.ACCOUNT_STAGE_CHANGED,
            data={"from": old, "to": LifecycleStage.CUSTOMER, "deal": deal.name},
        )
    onboarding_start(actor=actor, deal=deal)


@transaction.atomic
def deal_delete(*, actor: User, deal_id: int) -> None:
    deal = lock_for_change(actor=actor, model=Deal, pk=deal_id)
    deal_can_be_deleted(actor, deal).ensure()
    delete_with_audit(deal, actor=actor)
