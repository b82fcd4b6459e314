"""Onboarding a won customer: a checklist of kernel tasks from the template for the deal's product line."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from crm.models import Role, Task, User
from crm.timeline.events import event_record
from crm.timeline.services import task_create_by_rule
from sales import events
from sales.models import Deal, Onboarding, OnboardingRole, OnboardingStep, OnboardingTemplate


def template_for(deal: Deal) -> OnboardingTemplate | None:
    """The active template of the deal's main product line (its largest line), else the default one."""
    main_line = (
        deal.lines.exclude(product__product_line="")
        .values("product__product_line")
        .annotate(line_sum=Sum(F("quantity") * F("unit_price")))
        .order_by("-line_sum")
        .first()
    )
    templates = OnboardingTemplate.objects.filter(is_active=True)
    if main_line is not None:
        template = templates.filter(product_line=main_line["product__product_line"]).first()
        if template is not None:
            return template
    return templates.filter(product_line="").first()


def _assignee(role: str, deal: Deal) -> User:
    owner = deal.owner
    if role == OnboardingRole.ACCOUNT_OWNER and deal.account is not None and deal.account.owner is not None:
        return deal.account.owner
    if role == OnboardingRole.OWNER_MANAGER and owner.team is not None and owner.team.manager is not None:
        return owner.team.manager
    if role == OnboardingRole.SUPPORT_AGENT:
        # The active agent with the fewest open tasks, so onboarding work spreads over the team.
        agent = (
            User.objects.filter(role=Role.SUPPORT_AGENT, is_active=True)
            .annotate(open_tasks=Count("tasks", filter=Q(tasks__completed_at__isnull=True)))
            .order_by("open_tasks", "id")
            .first()
        )
        if agent is not None:
            return agent
    return owner


@transaction.atomic
def onboarding_start(*, actor: User | None, deal: Deal) -> Onboarding | None:
    """Starts the won deal's onboarding; a deal that has one (won twice, a retry) keeps it, and a deal
    without an account has none (the checklist is the account's)."""
    if deal.account is None:
        return None
    existing = Onboarding.objects.filter(deal=deal).first()
    if existing is not None:
        return existing
    template = template_for(deal)
    if template is None:
        return None
    now = timezone.now()
    onboarding = Onboarding.objects.create(
        account=deal.account,
        deal=deal,
        template=template,
        name=f"{template.name}: {deal.account}",
        started_at=now,
    )
    for position, item in enumerate(template.items.all()):
        task = task_create_by_rule(
            title=item.title,
            due_at=now + timedelta(days=item.due_offset_days),
            assignee=_assignee(item.role, deal),
            target=deal.account,
            notes=f"Onboarding of {deal.account} after winning {deal}.",
        )
        OnboardingStep.objects.create(onboarding=onboarding, task=task, role=item.role, position=position)
    event_record(
        actor=actor,
        target=deal.account,
        type=events.ONBOARDING_STARTED,
        data={"onboarding_id": onboarding.pk, "template": template.name, "deal": deal.name},
    )
    return onboarding


def onboarding_check_complete(*, task: Task) -> None:
    """When the last checklist task is done, the customer is onboarded (once: compare-and-swap)."""
    step = OnboardingStep.objects.filter(task=task).select_related("onboarding__account").first()
    if step is None:
        return
    onboarding = step.onboarding
    if onboarding.steps.filter(task__completed_at__isnull=True).exists():
        return
    if Onboarding.objects.filter(pk=onboarding.pk, completed_at__isnull=True).update(
        completed_at=timezone.now()
    ):
        event_record(
            actor=None,
            target=onboarding.account,
            type=events.ACCOUNT_ONBOARDED,
            data={"onboarding_id": onboarding.pk, "name": onboarding.name},
        )


def _on_task_completed(sender: Any, task: Task, **kwargs: Any) -> None:
    onboarding_check_complete(task=task)


def connect() -> None:
    from crm.timeline.signals import task_completed

    task_completed.connect(_on_task_completed, sender=Task, dispatch_uid="sales.onboarding_check_complete")
