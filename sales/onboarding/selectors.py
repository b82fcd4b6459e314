"""Reads of onboardings: an account's checklists with their progress, for its page's onboarding panel."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from crm.customers.selectors import account_list
from crm.errors import NotFound
from crm.models import Account, User
from crm.timeline.rules import task_can_be_completed
from sales.models import Onboarding, OnboardingStep

ONBOARDINGS_SHOWN = 5


@dataclass(frozen=True)
class OnboardingProgress:
    onboarding: Onboarding
    steps: list[OnboardingStep]

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def done(self) -> int:
        return sum(1 for step in self.steps if step.task.is_done)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def overdue(self) -> int:
        return sum(1 for step in self.steps if step.task.is_overdue)


def account_onboardings(*, account: Account, limit: int = ONBOARDINGS_SHOWN) -> list[OnboardingProgress]:
    """The account's onboardings, newest first, each with its checklist (kernel tasks) in order."""
    steps = OnboardingStep.objects.select_related("task__assignee").order_by("position", "id")
    onboardings = (
        Onboarding.objects.filter(account=account)
        .select_related("deal")
        .prefetch_related(Prefetch("steps", queryset=steps))
        .order_by("-started_at", "-id")[:limit]
    )
    progress = []
    for onboarding in onboardings:
        checklist = list(onboarding.steps.all())
        for step in checklist:
            step.task.target = account  # the steps are tasks on the account: no query per step
        progress.append(OnboardingProgress(onboarding, checklist))
    return progress


def changeable_step_task_ids(user: User, progress: list[OnboardingProgress]) -> set[int]:
    return {
        step.task_id for item in progress for step in item.steps if task_can_be_completed(user, step.task)
    }


def onboarding_list(*, user: User) -> QuerySet[Onboarding]:
    """The onboardings of the accounts `user` may see (whoever sees an account sees its onboarding
    panel), each with its checklist; with_step_targets() after paging spares a query per step."""
    return (
        Onboarding.objects.filter(account__in=account_list(user=user).order_by().values("pk"))
        .select_related("account__owner", "deal")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=OnboardingStep.objects.select_related("task__assignee").order_by("position", "id"),
            )
        )
    )


def onboarding_get(*, user: User, pk: int) -> Onboarding:
    onboarding = onboarding_list(user=user).filter(pk=pk).first()
    if onboarding is None:
        raise NotFound
    return onboarding


def onboarding_step_get(*, user: User, onboarding_id: int, pk: int) -> OnboardingStep:
    """A step of an onboarding `user` may see; what they may do to it is the task's rule."""
    step = (
        OnboardingStep.objects.filter(
            pk=pk, onboarding_id=onboarding_id, onboarding__in=onboarding_list(user=user).values("pk")
        )
        .select_related("task")
        .first()
    )
    if step is None:
        raise NotFound
    return step


def with_step_targets(onboardings: list[Onboarding]) -> list[Onboarding]:
    """The steps are tasks on the onboarding's account: set it, so no step queries for its target."""
    for onboarding in onboardings:
        for step in onboarding.steps.all():
            step.task.target = onboarding.account
    return onboardings
