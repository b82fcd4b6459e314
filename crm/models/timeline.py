"""What happened on a record: activities, tasks, lifecycle events, and the notifications they raise.

Timeline rows point at any record through (content_type, object_id), so every app's records share
one timeline without the kernel importing them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .external import ExternallyKeyed, external_key_constraint


class ActivityKind(models.TextChoices):
    NOTE = "note", "Note"
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MEETING = "meeting", "Meeting"


class Activity(ExternallyKeyed):
    kind = models.CharField(max_length=20, choices=ActivityKind.choices, default=ActivityKind.NOTE)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="activities"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    # The account whose 360 timeline shows this row (the target itself, its account, or the account
    # it rolled up to), denormalised so that one indexed query reads an account's whole history.
    account = models.ForeignKey(
        "crm.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-occurred_at", "-id"]
        # An activity imported from another system keeps its id there, so a re-import updates it.
        constraints = [external_key_constraint("activity_external_key")]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-occurred_at"], name="activity_timeline"),
            models.Index(
                fields=["account", "-occurred_at", "-id"],
                name="activity_account_timeline",
                condition=Q(account__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject or self.body[:40]}"


class Task(models.Model):
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    due_at = models.DateTimeField()
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks")
    # None: the CRM made it by an admin's rule (an onboarding checklist).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_tasks",
    )
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    completed_at = models.DateTimeField(null=True, blank=True)
    # Claimed by the reminder sweep with a compare-and-swap update: set once per due time (moving the due
    # time clears it, so the new time is reminded too).
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["reminder_sent_at"])

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__isnull=True, object_id__isnull=True)
                | Q(content_type__isnull=False, object_id__isnull=False),
                name="task_target_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "due_at", "id"], name="task_assignee_due"),
            models.Index(fields=["content_type", "object_id", "-created_at"], name="task_timeline"),
            models.Index(
                fields=["due_at"],
                name="task_reminder_due",
                condition=Q(completed_at__isnull=True, reminder_sent_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None

    @property
    def is_overdue(self) -> bool:
        return not self.is_done and self.due_at < timezone.now()


class LifecycleEvent(models.Model):
    """A typed state change (see crm.timeline.events), written by the service that made it, in its
    transaction."""

    type = models.CharField(max_length=60)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    # The account whose 360 timeline shows this row (the target itself, its account, or the account
    # it rolled up to), denormalised so that one indexed query reads an account's whole history.
    account = models.ForeignKey(
        "crm.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-occurred_at"], name="event_timeline"),
            models.Index(
                fields=["account", "-occurred_at", "-id"],
                name="event_account_timeline",
                condition=Q(account__isnull=False),
            ),
            models.Index(fields=["type", "-occurred_at"], name="event_type_recent"),
        ]

    def __str__(self) -> str:
        return self.type


class EngagementEvent(models.Model):
    """Something a person did with us (opened an email, clicked a link, submitted a form, visited a page).

    The type is an open string (crm.timeline.events-style keys such as "email_opened", "page_visited") so that
    campaigns and web tracking add their own; scoring rules match on it.
    """

    type = models.CharField(max_length=60)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    occurred_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "type", "-occurred_at"], name="engagement_target"
            ),
            models.Index(fields=["type", "-occurred_at"], name="engagement_type_recent"),
        ]

    def __str__(self) -> str:
        return self.type


class NotificationKind(models.TextChoices):
    TASK_DUE = "task_due", "Task due"
    ASSIGNED = "assigned", "Assigned to you"
    SALES_READY = "sales_ready", "Lead is sales-ready"
    FIRST_TOUCH_OVERDUE = "first_touch_overdue", "Lead not touched in time"
    JOB_FINISHED = "job_finished", "Background job finished"
    RENEWAL_DUE = "renewal_due", "Renewal coming up"
    POSSIBLE_DUPLICATE = "possible_duplicate", "Possible duplicate"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # The moment the message speaks of (a task's or a first touch's due time): kept as a datetime, not
    # written into the message, so each reader sees it in their own time zone.
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One due reminder per task and due time, however often beat fires or however many workers run.
            models.UniqueConstraint(
                fields=["task", "kind", "due_at"],
                condition=Q(task__isnull=False),
                name="notification_once_per_task_due",
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recipient"),
        ]

    def __str__(self) -> str:
        return self.message


class OutboundEmail(models.Model):
    """An email to send exactly once: queued in the transaction that decided it, sent by a worker."""

    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    message_id = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["created_at"], name="outbound_email_pending", condition=Q(sent_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} -> {self.to}"
