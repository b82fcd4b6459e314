"""Admins' writes to pipelines and their ordered stages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from crm import access
from crm.errors import Invalid, NotFound
from crm.models import LifecycleEvent, User
from crm.records import validate
from crm.web.fragments import fragments_changed
from sales import events
from sales.models import (
    Deal,
    Pipeline,
    Stage,
    StageKind,
    StageVisit,
)

from .ordering import changed_positions, in_new_order, moved

PIPELINES = "configure pipelines"
# A new pipeline is usable at once: deals need an open stage to start in, and a won and a lost stage.
STARTER_STAGES = [
    ("Qualification", 10, StageKind.OPEN),
    ("Won", 100, StageKind.WON),
    ("Lost", 0, StageKind.LOST),
]
KIND_NAMES = {StageKind.OPEN: "open", StageKind.WON: "won", StageKind.LOST: "lost"}


def clean_name(name: str, *, what: str, max_length: int = 100) -> str:
    name = " ".join(name.split())
    if not name:
        raise Invalid(f"Name the {what}.", field="name", code="required")
    if len(name) > max_length:
        raise Invalid(f"Keep the name to {max_length} characters.", field="name", code="max_length")
    return name


def _locked_pipelines() -> list[Pipeline]:
    # Always all of them, in id order: two admins switching the default wait for each other, never clash.
    return list(Pipeline.objects.select_for_update().order_by("id"))


def _pipeline(pipelines: list[Pipeline], pipeline_id: int) -> Pipeline:
    pipeline = next((p for p in pipelines if p.pk == pipeline_id), None)
    if pipeline is None:
        raise NotFound
    return pipeline


def _check_pipeline_name(name: str, *, exclude: int | None = None) -> str:
    name = clean_name(name, what="pipeline")
    if Pipeline.objects.filter(name__iexact=name).exclude(pk=exclude or 0).exists():
        raise Invalid(f"There is already a pipeline named {name}.", field="name", code="name_taken")
    return name


@transaction.atomic
def pipeline_create(*, actor: User, name: str) -> Pipeline:
    """A new, active pipeline with starter stages (one open, won, lost) for the admin to adapt."""
    access.ensure_admin(actor, doing=PIPELINES)
    _locked_pipelines()
    pipeline = Pipeline(name=_check_pipeline_name(name))
    validate(pipeline)
    pipeline.save()
    Stage.objects.bulk_create(
        Stage(pipeline=pipeline, name=stage, probability=probability, kind=kind, position=position)
        for position, (stage, probability, kind) in enumerate(STARTER_STAGES)
    )
    return pipeline


@transaction.atomic
def pipeline_rename(*, actor: User, pipeline_id: int, name: str) -> Pipeline:
    access.ensure_admin(actor, doing=PIPELINES)
    pipeline = _pipeline(_locked_pipelines(), pipeline_id)
    pipeline.name = _check_pipeline_name(name, exclude=pipeline.pk)
    pipeline.save(update_fields=["name"])
    return pipeline


@transaction.atomic
def pipeline_set_default(*, actor: User, pipeline_id: int) -> Pipeline:
    """Makes the pipeline the one new deals go to, and the previous default an ordinary one."""
    access.ensure_admin(actor, doing=PIPELINES)
    pipelines = _locked_pipelines()
    pipeline = _pipeline(pipelines, pipeline_id)
    if not pipeline.is_active:
        raise Invalid(
            f"{pipeline} is inactive; activate it before making it the default.", code="pipeline_inactive"
        )
    if pipeline.is_default:
        return pipeline
    # The old default is unset first: one default at a time is a (non-deferred) unique constraint.
    Pipeline.objects.filter(is_default=True).update(is_default=False)
    Pipeline.objects.filter(pk=pipeline.pk).update(is_default=True)
    fragments_changed()
    pipeline.is_default = True
    return pipeline


@transaction.atomic
def pipeline_set_active(*, actor: User, pipeline_id: int, active: bool) -> Pipeline:
    """Deactivating hides a pipeline from new deals; its deals stay where they are."""
    access.ensure_admin(actor, doing=PIPELINES)
    pipelines = _locked_pipelines()
    pipeline = _pipeline(pipelines, pipeline_id)
    if not active and pipeline.is_default:
        raise Invalid(
            f"{pipeline} is the default pipeline; make another one the default first.",
            code="pipeline_default",
        )
    if not active and not any(p.is_active for p in pipelines if p.pk != pipeline.pk):
        raise Invalid(
            f"{pipeline} is the only active pipeline; deals need one to start in.",
            code="last_active_pipeline",
        )
    if pipeline.is_active != active:
        pipeline.is_active = active
        pipeline.save(update_fields=["is_active"])
    return pipeline


@transaction.atomic
def pipeline_change(*, actor: User, pipeline_id: int, fields: Mapping[str, Any]) -> Pipeline:
    """The API's partial change of `name`, `is_active` and `is_default`, each through its own service
    above and all or nothing. Activating comes before becoming the default, which needs it; a default
    is unset only by making another pipeline the default."""
    access.ensure_admin(actor, doing=PIPELINES)
    pipeline = _pipeline(_locked_pipelines(), pipeline_id)
    if fields.get("is_default") is False and pipeline.is_default:
        raise Invalid(
            f"{pipeline} is the default pipeline; make another one the default instead.",
            field="is_default",
            code="pipeline_default",
        )
    if fields.get("is_active") is True:
        pipeline = pipeline_set_active(actor=actor, pipeline_id=pipeline_id, active=True)
    if fields.get("is_default") is True:
        pipeline = pipeline_set_default(actor=actor, pipeline_id=pipeline_id)
    if fields.get("is_active") is False:
        pipeline = pipeline_set_active(actor=actor, pipeline_id=pipeline_id, active=False)
    # Renamed last, so a refusal above names the pipeline as the admin knows it.
    if "name" in fields:
        pipeline = pipeline_rename(actor=actor, pipeline_id=pipeline_id, name=fields["name"])
    return pipeline


# Stages


def _locked_stages(pipeline_id: int) -> list[Stage]:
    if not list(Pipeline.objects.select_for_update().filter(pk=pipeline_id).values_list("pk", flat=True)):
        raise NotFound
    return list(Stage.objects.select_for_update().filter(pipeline_id=pipeline_id).order_by("position", "id"))


def locked_stage(stage_id: int) -> tuple[Stage, list[Stage]]:
    pipeline_id = Stage.objects.filter(pk=stage_id).values_list("pipeline_id", flat=True).first()
    if pipeline_id is None:
        raise NotFound
    stages = _locked_stages(pipeline_id)
    stage = next((s for s in stages if s.pk == stage_id), None)
    if stage is None:  # moved or deleted meanwhile
        raise NotFound
    return stage, stages


def check_stage_order(stages: Sequence[Stage]) -> None:
    """A pipeline has an open, a won and a lost stage, and its won and lost stages follow the open ones."""
    missing = [KIND_NAMES[kind] for kind in StageKind if not any(s.kind == kind for s in stages)]
    if missing:
        raise Invalid(
            f"A pipeline needs at least one open, one won and one lost stage; this would leave it "
            f"without a{'n' if missing[0] == 'open' else ''} {' or '.join(missing)} stage.",
            code="stage_kind_missing",
        )
    first_closed = next((i for i, s in enumerate(stages) if s.kind != StageKind.OPEN), len(stages))
    late_open = [s for s in stages[first_closed:] if s.kind == StageKind.OPEN]
    if late_open:
        raise Invalid(
            f"Won and lost stages come after the open ones: {late_open[0].name} is open, so it must "
            f"come before {stages[first_closed].name}.",
            code="stage_order",
        )


def _save_order(stages: Sequence[Stage]) -> None:
    check_stage_order(stages)
    Stage.objects.bulk_update(changed_positions(stages), ["position"])
    fragments_changed()


def _placed(stages: list[Stage], stage: Stage) -> list[Stage]:
    """`stages` with `stage` put last among its kind's place: open stages before the first closed one."""
    others = [s for s in stages if s.pk != stage.pk]
    if stage.kind != StageKind.OPEN:
        return [*others, stage]
    last_open = max((i for i, s in enumerate(others) if s.kind == StageKind.OPEN), default=-1)
    return [*others[: last_open + 1], stage, *others[last_open + 1 :]]


def _stage_fields(
    stages: Sequence[Stage], *, name: str, probability: int | None, kind: str, exclude: int | None = None
) -> tuple[str, int, str]:
    errors: dict[str | None, list[str]] = {}
    try:
        name = clean_name(name, what="stage")
    except Invalid as error:
        errors.update(error.errors)
    else:
        if any(s.name.casefold() == name.casefold() and s.pk != exclude for s in stages):
            errors["name"] = [f"This pipeline already has a stage named {name}."]
    if probability is None or not 0 <= probability <= 100:
        errors["probability"] = ["Enter a win probability from 0 to 100 (%)."]
    if kind not in StageKind.values:
        errors["kind"] = ["Choose whether the stage is open, won or lost."]
    if errors or probability is None:
        raise Invalid(errors=errors, code="stage_invalid")
    return name, probability, kind


@transaction.atomic
def stage_create(*, actor: User, pipeline_id: int, name: str, probability: int | None, kind: str) -> Stage:
    """Adds an open stage after the other open ones, a won or lost stage at the end."""
    access.ensure_admin(actor, doing=PIPELINES)
    stages = _locked_stages(pipeline_id)
    name, probability, kind = _stage_fields(stages, name=name, probability=probability, kind=kind)
    stage = Stage(
        pipeline_id=pipeline_id, name=name, probability=probability, kind=kind, position=len(stages)
    )
    validate(stage)
    stage.save()
    _save_order(_placed([*stages, stage], stage))
    return stage


def _deal_count(stage: Stage) -> int:
    return Deal.objects.filter(stage=stage).count()


def _deals(count: int) -> str:
    return f"{count} deal{'s are' if count != 1 else ' is'}"


@transaction.atomic
def stage_update(*, actor: User, stage_id: int, name: str, probability: int | None, kind: str) -> Stage:
    access.ensure_admin(actor, doing=PIPELINES)
    stage, stages = locked_stage(stage_id)
    name, probability, kind = _stage_fields(
        stages, name=name, probability=probability, kind=kind, exclude=stage.pk
    )
    if kind != stage.kind:
        count = _deal_count(stage)
        if count:
            raise Invalid(
                f"{_deals(count)} in {stage.name}, and a deal's status follows its stage's kind; move "
                "them to another stage before changing this one's kind.",
                field="kind",
                code="stage_has_deals",
            )
        if kind != StageKind.OPEN and stage.exit_criteria.exists():
            raise Invalid(
                f"Only open stages have exit criteria; remove those of {stage.name} first.",
                field="kind",
                code="stage_has_criteria",
            )
    kind_changed = kind != stage.kind
    stage.name, stage.probability, stage.kind = name, probability, kind
    validate(stage)
    stage.save()
    if kind_changed:
        _save_order(_placed(stages, stage))
    return stage


@transaction.atomic
def stage_change(*, actor: User, stage_id: int, fields: Mapping[str, Any]) -> Stage:
    """The API's partial change: `name`, `probability` and `kind` as stage_update checks them (the ones
    left out keep their value), then `position` (0 is first) as stage_move places it; all or nothing."""
    access.ensure_admin(actor, doing=PIPELINES)
    stage, _ = locked_stage(stage_id)
    current = {"name": stage.name, "probability": stage.probability, "kind": stage.kind}
    if current.keys() & fields.keys():
        changed = {name: fields.get(name, value) for name, value in current.items()}
        stage = stage_update(actor=actor, stage_id=stage_id, **changed)
    if "position" in fields:
        order = stage_move(actor=actor, stage_id=stage_id, to=fields["position"])
        stage = next(s for s in order if s.pk == stage_id)
    return stage


@transaction.atomic
def stages_reorder(*, actor: User, pipeline_id: int, stage_ids: Sequence[int]) -> list[Stage]:
    """Saves the order a drag and drop made; an order breaking the pipeline's rules changes nothing."""
    access.ensure_admin(actor, doing=PIPELINES)
    stages = in_new_order(_locked_stages(pipeline_id), stage_ids, what="stages")
    _save_order(stages)
    return stages


@transaction.atomic
def stage_move(*, actor: User, stage_id: int, to: int) -> list[Stage]:
    """Moves one stage to place `to` (0 is first): the keyboard's way to reorder."""
    access.ensure_admin(actor, doing=PIPELINES)
    stage, stages = locked_stage(stage_id)
    order = moved(stages, stage.pk, to)
    _save_order(order)
    return order


@dataclass(frozen=True)
class StageDeletion:
    stage: str
    moved_to: Stage | None
    deals_moved: int


@transaction.atomic
def stage_delete(*, actor: User, stage_id: int, move_to_id: int | None = None) -> StageDeletion:
    """Deletes a stage, first moving its deals to `move_to_id` (a stage of the same pipeline and kind).

    A stage's deals and stage history are never lost. Without a target, a stage that holds deals, or
    that deals have passed through, is refused. With one, the deals there now are moved (their stage
    history and timeline record the move) and the stage's earlier visits are counted under the target:
    StageVisit.stage is PROTECTed, and the timeline's stage-change events keep the old stage's name.
    """
    access.ensure_admin(actor, doing=PIPELINES)
    stage, stages = locked_stage(stage_id)
    remaining = [s for s in stages if s.pk != stage.pk]
    if not any(s.kind == stage.kind for s in remaining):
        raise Invalid(
            f"{stage.name} is the pipeline's only {KIND_NAMES[StageKind(stage.kind)]} stage; a pipeline "
            "needs at least one open, one won and one lost stage.",
            code="stage_kind_missing",
        )
    count = _deal_count(stage)
    if move_to_id is None:
        if count:
            raise Invalid(
                f"{_deals(count)} in this stage; move them first.", field="move_to", code="stage_has_deals"
            )
        if stage.visits.exists():
            raise Invalid(
                "Deals have passed through this stage; choose the stage that takes over its history.",
                field="move_to",
                code="stage_has_history",
            )
        stage.delete()
        _save_order(remaining)
        return StageDeletion(stage=stage.name, moved_to=None, deals_moved=0)
    target = next((s for s in remaining if s.pk == move_to_id), None)
    if target is None or target.kind != stage.kind:
        raise Invalid(
            f"Choose another {KIND_NAMES[StageKind(stage.kind)]} stage of this pipeline for its deals.",
            field="move_to",
            code="move_to_invalid",
        )
    moved_count = _move_deals(actor=actor, source=stage, target=target)
    StageVisit.objects.filter(stage=stage).update(stage=target)
    name = stage.name
    stage.delete()
    _save_order(remaining)
    return StageDeletion(stage=name, moved_to=target, deals_moved=moved_count)


def _move_deals(*, actor: User, source: Stage, target: Stage) -> int:
    """Moves every deal in `source` to `target`: stage, visit and stage-change event, as a move writes."""
    deals = list(Deal.objects.select_for_update(of=("self",)).filter(stage=source).order_by("id"))
    if not deals:
        return 0
    now = timezone.now()
    for deal in deals:
        deal.stage = target
        deal.stage_changed_at = now
    bulk_update_with_history(deals, Deal, ["stage", "stage_changed_at"], default_user=actor, batch_size=500)
    StageVisit.objects.filter(deal__in=deals, left_at__isnull=True).update(left_at=now)
    StageVisit.objects.bulk_create(
        StageVisit(deal=deal, stage=target, entered_at=now, entered_by=actor) for deal in deals
    )
    data = {
        "from": source.name,
        "to": target.name,
        "from_id": source.pk,
        "to_id": target.pk,
        "reason": f"the stage {source.name} was deleted",
    }
    content_type = ContentType.objects.get_for_model(Deal)
    LifecycleEvent.objects.bulk_create(
        LifecycleEvent(
            type=events.DEAL_STAGE_CHANGED,
            actor=actor,
            content_type=content_type,
            object_id=deal.pk,
            data=data,
            occurred_at=now,
            account_id=deal.account_id,
        )
        for deal in deals
    )
    return len(deals)
