"""Onboarding: the checklist a won customer goes through, made from an admin's template."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class OnboardingRole(models.TextChoices):
    """Who does a checklist item, resolved when the onboarding starts."""

    DEAL_OWNER = "deal_owner", "The deal's owner"
    ACCOUNT_OWNER = "account_owner", "The account's owner"
    OWNER_MANAGER = "owner_manager", "The deal owner's manager"
    SUPPORT_AGENT = "support_agent", "A support agent"


class OnboardingTemplate(models.Model):
    name = models.CharField(max_length=100, unique=True)
    # Chosen for a won deal whose main product is in this line; the one without a line is the fallback.
    product_line = models.CharField(
        "product line", max_length=100, blank=True, help_text="Leave empty for the default template."
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["product_line", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["product_line"], condition=Q(is_active=True), name="onboarding_template_one_per_line"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OnboardingTemplateItem(models.Model):
    template = models.ForeignKey(OnboardingTemplate, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=OnboardingRole.choices, default=OnboardingRole.DEAL_OWNER)
    due_offset_days = models.PositiveIntegerField("due (days after the win)", default=7)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Onboarding(models.Model):
    account = models.ForeignKey("crm.Account", on_delete=models.CASCADE, related_name="onboardings")
    # One onboarding per won deal: winning twice (or a retried task) never makes a second one.
    deal = models.OneToOneField("sales.Deal", on_delete=models.CASCADE, related_name="onboarding")
    template = models.ForeignKey(
        OnboardingTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="onboardings"
    )
    name = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["account", "-started_at"], name="onboarding_account")]

    def __str__(self) -> str:
        return self.name


class OnboardingStep(models.Model):
    """A checklist item: a kernel task on the account, so due reminders come from the kernel."""

    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="steps")
    task = models.OneToOneField("crm.Task", on_delete=models.CASCADE, related_name="onboarding_step")
    role = models.CharField(max_length=20, choices=OnboardingRole.choices)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["onboarding", "position", "id"]

    def __str__(self) -> str:
        return str(self.task_id)
