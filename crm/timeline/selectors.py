"""Reads of what happened on a record, of a user's tasks, and of their notifications."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from crm import access
from crm.errors import NotFound
from crm.lists.counting import BoundedCount, capped_count, capped_counts
from crm.lists.pagination import KeysetPage, keyset_page
from crm.models import Activity, LifecycleEvent, Notification, Task, User
from crm.records import get_or_not_found
from crm.timeline.events import EventType, event_type

TIMELINE_LIMIT = 50
MY_TASKS_PAGE = 25
TASK_SECTIONS = ("overdue", "today", "upcoming")


@dataclass(frozen=True)
class TimelineEntry:
    kind: Literal["activity", "task", "event"]
    at: datetime
    item: Activity | Task | LifecycleEvent

    @property
    def event_type(self) -> EventType | None:
        return event_type(self.item.type) if isinstance(self.item, LifecycleEvent) else None


def record_timeline(*, record: Model, limit: int = TIMELINE_LIMIT) -> list[TimelineEntry]:
    """The record's activities, tasks and lifecycle events, newest first (the caller checked access)."""
    on_record = {"content_type": ContentType.objects.get_for_model(record), "object_id": record.pk}
    activities = Activity.objects.filter(**on_record).select_related("author").order_by("-occurred_at", "-id")
    tasks = Task.objects.filter(**on_record).select_related("assignee").order_by("-created_at", "-id")
    events = (
        LifecycleEvent.objects.filter(**on_record).select_related("actor").order_by("-occurred_at", "-id")
    )
    tasks_on_record = list(tasks[:limit])
    for task in tasks_on_record:
        task.target = record  # known already: spares a query per task wherever its target is read
    entries = [
        *(TimelineEntry("activity", a.occurred_at, a) for a in activities[:limit]),
        *(TimelineEntry("task", t.created_at, t) for t in tasks_on_record),
        *(TimelineEntry("event", e.occurred_at, e) for e in events[:limit]),
    ]
    entries.sort(key=lambda entry: (entry.at, entry.item.pk), reverse=True)
    return entries[:limit]


@dataclass(frozen=True)
class TaskBucket:
    """One section of a user's open tasks: a keyset page of them, and how many there are in all."""

    key: str  # the query-string parameter of its next page's cursor
    page: KeysetPage[Task]
    count: BoundedCount

    @property
    def tasks(self) -> list[Task]:
        return self.page.rows

    def __bool__(self) -> bool:
        return bool(self.count)


@dataclass(frozen=True)
class MyTasks:
    overdue: TaskBucket
    today: TaskBucket
    upcoming: TaskBucket


def my_tasks(
    *,
    user: User,
    now: datetime | None = None,
    after: Mapping[str, str | None] | None = None,
    size: int = MY_TASKS_PAGE,
) -> MyTasks:
    """The user's open tasks in three sections by the local calendar day, each a page of `size` tasks
    (after its cursor in `after`) and its count: a constant number of queries, however many tasks."""
    now = now or timezone.now()
    end_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
        days=1
    )
    open_tasks = Task.objects.filter(assignee=user, completed_at__isnull=True)
    sections = {
        "overdue": open_tasks.filter(due_at__lt=now),
        "today": open_tasks.filter(due_at__gte=now, due_at__lt=end_of_today),
        "upcoming": open_tasks.filter(due_at__gte=end_of_today),
    }
    counts = capped_counts(sections)
    cursors = after or {}
    pages = {
        key: keyset_page(tasks, ordering=["due_at"], after=cursors.get(key), size=size)
        for key, tasks in sections.items()
    }
    # One query per kind of record the tasks are about, for the three sections together.
    prefetch_related_objects([task for page in pages.values() for task in page.rows], "target")
    return MyTasks(**{key: TaskBucket(key, pages[key], counts[key]) for key in sections})


def task_list(*, user: User) -> QuerySet[Task]:
    tasks = Task.objects.select_related("assignee", "created_by", "content_type")
    if user.is_admin:
        return tasks
    return tasks.filter(Q(assignee=user) | Q(created_by=user) | access.visible_targets(user))


def activity_list(*, user: User) -> QuerySet[Activity]:
    activities = Activity.objects.select_related("author", "content_type")
    if user.is_admin:
        return activities
    return activities.filter(access.visible_targets(user))


# The bell's badge says "99+" past this: it runs on every page, so it never counts more.
BELL_CAP = 99


def unread_notification_count(*, user: User) -> BoundedCount:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    return capped_count(unread, cap=BELL_CAP)


def notification_queryset(*, user: User) -> QuerySet[Notification]:
    """A user's own notifications: nobody reads another person's."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def notification_list(*, user: User, limit: int = 50) -> list[Notification]:
    return list(notification_queryset(user=user)[:limit])


def timeline_target(*, user: User, label: str, pk: int) -> Model:
    """The record behind a timeline URL ("crm.account", 7), if it carries a timeline and `user` may see it."""
    models = {m._meta.label_lower: m for m in access.timeline_models()}
    model = models.get(label)
    if model is None:
        raise NotFound
    return get_or_not_found(access.visible(user, model._default_manager.select_related("owner")), pk=pk)
