"""The Celery workers that have run here, each recording when it was last seen (crm/jobs/workers.py).

A worker that stops cleanly says so; one that is killed stops being seen, and the jobs page and the
health endpoint count it as gone once it has missed a few beats.
"""

from __future__ import annotations

from django.db import models


class WorkerBeat(models.Model):
    """One Celery worker, by its node name: the name a job's `claimed_by` holds while it runs there."""

    name = models.CharField(max_length=200, primary_key=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    concurrency = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "name"]
        indexes = [models.Index(fields=["-last_seen_at"], name="worker_last_seen")]

    def __str__(self) -> str:
        return self.name
