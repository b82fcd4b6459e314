"""Reads for the configuration pages, each list in one query whatever its length."""

from __future__ import annotations

from django.db.models import Model, OuterRef, Prefetch, QuerySet

from crm import access
from crm.errors import NotFound
from crm.lists.counting import CappedCountSubquery
from crm.models import User
from sales.models import (
    Deal,
    DealStatus,
    ExitCriterion,
    LostReason,
    OnboardingTemplate,
    OnboardingTemplateItem,
    Pipeline,
    Stage,
)

from .onboarding_templates import ONBOARDING


def _count(rows: QuerySet[Model], link: str) -> CappedCountSubquery:
    """How many of `rows` point at the outer row through `link`, up to the cap (shown as "10,000+")."""
    return CappedCountSubquery(rows.filter(**{link: OuterRef("pk")}))


def pipeline_rows() -> QuerySet[Pipeline]:
    return Pipeline.objects.annotate(
        stage_count=_count(Stage.objects.all(), "pipeline"),
        open_deal_count=_count(Deal.objects.filter(status=DealStatus.OPEN), "pipeline"),
    ).order_by("-is_active", "-is_default", "name", "id")


def pipeline_get(*, pk: int) -> Pipeline:
    pipeline = Pipeline.objects.filter(pk=pk).first()
    if pipeline is None:
        raise NotFound
    return pipeline


def pipeline_stages(*, pipeline: Pipeline) -> list[Stage]:
    """The stages in order, each with its deal count and its exit criteria."""
    return list(
        Stage.objects.filter(pipeline=pipeline)
        .annotate(deal_count=_count(Deal.objects.all(), "stage"))
        .prefetch_related(Prefetch("exit_criteria", queryset=ExitCriterion.objects.order_by("id")))
        .order_by("position", "id")
    )


def stage_get(*, pk: int) -> Stage:
    stage = (
        Stage.objects.select_related("pipeline")
        .annotate(deal_count=_count(Deal.objects.all(), "stage"))
        .filter(pk=pk)
        .first()
    )
    if stage is None:
        raise NotFound
    return stage


def pipeline_stage_get(*, pipeline_id: int, pk: int) -> Stage:
    """A stage of that pipeline only: another pipeline's is not found there."""
    stage = Stage.objects.filter(pipeline_id=pipeline_id, pk=pk).first()
    if stage is None:
        raise NotFound
    return stage


def stage_has_history(*, stage: Stage) -> bool:
    """Whether deals are in the stage or have been: deleting it then needs a stage to take them over."""
    return Deal.objects.filter(stage=stage).exists() or stage.visits.exists()


def lost_reason_rows() -> QuerySet[LostReason]:
    return LostReason.objects.annotate(deal_count=_count(Deal.objects.all(), "lost_reason")).order_by(
        "position", "name", "id"
    )


def lost_reason_get(*, pk: int) -> LostReason:
    reason = lost_reason_rows().filter(pk=pk).first()
    if reason is None:
        raise NotFound
    return reason


def onboarding_template_rows() -> QuerySet[OnboardingTemplate]:
    return OnboardingTemplate.objects.annotate(
        item_count=_count(OnboardingTemplateItem.objects.all(), "template")
    ).order_by("-is_active", "product_line", "name", "id")


def onboarding_template_get(*, pk: int) -> OnboardingTemplate:
    template = OnboardingTemplate.objects.filter(pk=pk).first()
    if template is None:
        raise NotFound
    return template


def onboarding_template_items(*, template: OnboardingTemplate) -> list[OnboardingTemplateItem]:
    return list(template.items.order_by("position", "id"))


def onboarding_item_get(*, pk: int, template_id: int | None = None) -> OnboardingTemplateItem:
    items = OnboardingTemplateItem.objects.select_related("template").filter(pk=pk)
    if template_id is not None:
        items = items.filter(template_id=template_id)
    item = items.first()
    if item is None:
        raise NotFound
    return item


def onboarding_templates_for_admin(*, user: User) -> QuerySet[OnboardingTemplate]:
    """The templates with their checklists in order, for an admin (the API; the pages check the admin
    in their decorator)."""
    access.ensure_admin(user, doing=ONBOARDING)
    items = OnboardingTemplateItem.objects.order_by("position", "id")
    return onboarding_template_rows().prefetch_related(Prefetch("items", queryset=items))


def onboarding_template_for_admin(*, user: User, pk: int) -> OnboardingTemplate:
    template = onboarding_templates_for_admin(user=user).filter(pk=pk).first()
    if template is None:
        raise NotFound
    return template
