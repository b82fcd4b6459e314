"""Every unit of background work that must happen is a row here; the broker only wakes workers for it.

A worker claims a row (SKIP LOCKED), holds it with a lease it renews while it runs, and commits a
checkpoint with each chunk of work, so a job whose worker died is re-claimed and resumes (crm/jobs/).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


# Attempts a job gets before it fails for good (each lost worker or database fault uses one).
ATTEMPTS_ALLOWED = 10
FINISHED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


class JobInterrupt(models.TextChoices):
    """Asked of a running job, which stops at its next checkpoint."""

    NONE = "", "None"
    RELEASE = "release", "Release"  # its worker is shutting down: back to the queue, resumed elsewhere
    CANCEL = "cancel", "Cancel"  # an admin cancelled it


class BackgroundJob(models.Model):
    """One run of bulk work: what it is, how far it got, and how it ended. Pages poll it for progress."""

    kind = models.CharField(max_length=60)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total = models.PositiveIntegerField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    result = models.JSONField(default=dict, blank=True)
    # What the job is asked to do (e.g. which rules to rescore), and how far its committed work got.
    payload = models.JSONField(default=dict, blank=True)
    checkpoint = models.JSONField(default=dict, blank=True)
    # Each claim counts one attempt; a worker writes only while the count is still its own (fencing).
    attempts = models.PositiveIntegerField(default=0)
    # A job whose worker keeps dying gives up here; an admin's retry grants it as many attempts again.
    attempt_limit = models.PositiveIntegerField(default=ATTEMPTS_ALLOWED)
    last_error = models.TextField(blank=True)
    run_after = models.DateTimeField(db_default=Now())
    claimed_by = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    woken_at = models.DateTimeField(null=True, blank=True)
    interrupt = models.CharField(max_length=10, choices=JobInterrupt.choices, default="", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(done__lte=models.F("total")), name="job_done_within_total"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "-created_at"], name="job_kind_recent"),
            # The sweep's two questions, each answered from a small index whatever the history holds.
            models.Index(fields=["run_after"], condition=Q(status="queued"), name="job_queued_due"),
            models.Index(
                fields=["lease_expires_at"], condition=Q(status="running"), name="job_running_lease"
            ),
            models.Index(fields=["finished_at"], condition=Q(status="failed"), name="job_failed_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED
