"""The machinery of the demo books: a clock for relative dates, bulk writes with their history rows, and
the timeline rows the kernel's services would have written along (see crm.demo.seeding)."""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from crm.models import Activity, LifecycleEvent, Notification, NotificationKind, Task, User
from crm.timeline import events
from crm.timeline.events import event_type
from crm.timeline.rollup import rollup_account_id

BATCH = 500
# Notifications older than this were read by the demo people; newer ones wait unread in the bell.
UNREAD_FOR = timedelta(days=3)
M = TypeVar("M", bound=Model)


def table(text: str) -> list[list[str]]:
    """The rows of a `|`-separated table, one a line: the demo's data stays readable at a glance."""
    return [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]


@dataclass(frozen=True)
class DemoClock:
    """'Now' for one seeding: every date of the book is counted back or forward from it."""

    now: datetime

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def work_time(self, rng: random.Random, day: date) -> datetime:
        """A moment in working hours on `day`, never later than now."""
        moment = self.at(day, rng.randint(8, 17), rng.choice((0, 10, 20, 30, 40, 50)))
        return min(moment, self.now - timedelta(minutes=rng.randint(5, 120)))

    def days_ago(self, rng: random.Random, days: int) -> datetime:
        return self.work_time(rng, self.today - timedelta(days=days))

    def between(self, rng: random.Random, start: datetime, end: datetime) -> datetime:
        """A moment between two others, in working hours where they leave room, never in the future."""
        end = min(end, self.now)
        if end <= start:
            return start
        moment = start + (end - start) * rng.random()
        return min(max(self.work_time(rng, timezone.localdate(moment)), start), end)

    def later_today(self, rng: random.Random) -> datetime:
        """Still to come today, whatever the hour of seeding."""
        end_of_day = self.at(self.today, 0) + timedelta(days=1)
        return self.now + (end_of_day - self.now) * rng.uniform(0.2, 0.8)

    def due(self, rng: random.Random, when: str) -> datetime:
        """A due time that is overdue (1 to 6 days ago), later today, or upcoming (1 to 12 days)."""
        if when == "today":
            return self.later_today(rng)
        if when == "upcoming":
            return self.at(self.today + timedelta(days=rng.randint(1, 12)), rng.randint(9, 17))
        return self.at(self.today - timedelta(days=rng.randint(1, 6)), rng.randint(9, 17))


def demo_phone(rng: random.Random) -> str:
    """A number in the 555-01xx range kept for fiction, under one of many area codes."""
    return f"+1 {rng.randint(201, 989)} 555 01{rng.randint(0, 99):02d}"


def demo_clock() -> DemoClock:
    return DemoClock(now=timezone.now())


@dataclass(frozen=True)
class Dated(Generic[M]):
    """A record to write as of `at` (its creation or its change), by `by`. `initially` holds the values
    (by attname) it had when created where they differ from today's, e.g. {"status": "new"}: its history
    then shows the creation with those and one change, as of `updated_at`, to today's (by `changed_by`)."""

    record: M
    at: datetime
    by: User | None = None
    updated_at: datetime | None = None
    initially: Mapping[str, object] = field(default_factory=dict)
    changed_by: User | None = None  # who made that change, when not `by`


def _has_field(model: type[Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def insert_dated(model: type[M], rows: Sequence[Dated[M]]) -> list[M]:
    """Bulk-creates the records with their history, then gives them their own creation times
    (bulk_create stamps auto_now_add fields with the present)."""
    records = [row.record for row in rows]
    if not records:
        return records
    model._default_manager.bulk_create(records, batch_size=BATCH)
    if hasattr(model, "history"):
        created, changed = [], []
        for row in rows:
            original = copy.copy(row.record)
            for name, value in row.initially.items():
                setattr(original, name, value)
            _stamp(original, row.at, row.by)
            created.append(original)
            if row.initially:
                changed.append(_stamp(row.record, row.updated_at or row.at, row.changed_by or row.by))
        model.history.bulk_history_create(created, batch_size=BATCH)  # type: ignore[attr-defined]
        model.history.bulk_history_create(changed, update=True, batch_size=BATCH)  # type: ignore[attr-defined]
    stamped = [name for name in ("created_at", "updated_at") if _has_field(model, name)]
    for row in rows:
        row.record.created_at = row.at  # type: ignore[attr-defined]
        if "updated_at" in stamped:
            row.record.updated_at = row.updated_at or row.at  # type: ignore[attr-defined]
    restamp(model, records, stamped)
    return records


def restamp(model: type[M], records: Sequence[M], names: Sequence[str]) -> None:
    """Writes the records' timestamp fields in one statement: bulk_update's CASE per row takes seconds
    for a few hundred rows, a join on unnested arrays milliseconds."""
    if not records or not names:
        return
    quote = connection.ops.quote_name
    column_of = {f.name: str(f.column) for f in model._meta.concrete_fields}
    columns = [column_of[name] for name in names]
    table, pk = quote(model._meta.db_table), quote(str(model._meta.pk.column))
    assignments = ", ".join(f"{quote(column)} = v.{quote(column)}" for column in columns)
    arrays = "".join(", %s::timestamptz[]" for _ in columns)
    aliases = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM unnest(%s::bigint[]{arrays})"  # noqa: S608  (our names)
            f" AS v(pk, {aliases}) WHERE t.{pk} = v.pk",
            [[record.pk for record in records], *([getattr(r, name) for r in records] for name in names)],
        )


def _stamp(record: M, at: datetime, by: User | None) -> M:
    """Who and when for the history row simple_history writes of `record`."""
    record._history_date = at  # type: ignore[attr-defined]
    record._history_user = by  # type: ignore[attr-defined]
    return record


def change_dated(model: type[M], rows: Sequence[Dated[M]], fields: Sequence[str]) -> None:
    """Writes changed fields already set on the records, with a history row each as of its change."""
    records = [row.record for row in rows]
    if not records:
        return
    model._default_manager.bulk_update(records, fields, batch_size=BATCH)
    if _has_field(model, "updated_at"):
        for row in rows:
            row.record.updated_at = row.updated_at or row.at  # type: ignore[attr-defined]
        restamp(model, records, ["updated_at"])
    if hasattr(model, "history"):
        stamped = [_stamp(row.record, row.at, row.by) for row in rows]
        model.history.bulk_history_create(stamped, update=True, batch_size=BATCH)  # type: ignore[attr-defined]


def record_url(target: Model | None) -> str:
    get_url = getattr(target, "get_absolute_url", None)
    return str(get_url()) if get_url is not None else reverse("my-tasks")


@dataclass
class _PlannedTask:
    task: Task
    target: Model | None
    created_at: datetime
    completed_by: User | None


@dataclass
class DemoTimeline:
    """Timeline rows planned along with their records and written in bulk once the records have ids,
    the way the kernel's services write them: each row carries the account it rolls up to, a task leaves
    its "added" and "completed" events, its assignee is told when someone else gave it, and an overdue
    task has had its due reminder (so the reminder sweep finds nothing left to send). Rows on a record
    that was not written (it existed already) are dropped with it."""

    clock: DemoClock
    _events: list[tuple[Model, LifecycleEvent]] = field(default_factory=list)
    _activities: list[tuple[Model, Activity]] = field(default_factory=list)
    _tasks: list[_PlannedTask] = field(default_factory=list)
    _notifications: list[tuple[Model | None, Notification]] = field(default_factory=list)

    def event(
        self,
        target: Model,
        type: str,
        *,
        at: datetime,
        actor: User | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        event_type(type)  # an unknown type fails here, as event_record would
        self._events.append((target, LifecycleEvent(type=type, actor=actor, data=data or {}, occurred_at=at)))

    def activity(
        self, target: Model, kind: str, subject: str, *, author: User | None, at: datetime, body: str = ""
    ) -> Activity:
        """The activity, so that an event's data may name it (its id is filled in when written)."""
        activity = Activity(kind=kind, subject=subject, body=body, author=author, occurred_at=at)
        self._activities.append((target, activity))
        return activity

    def task(
        self,
        *,
        title: str,
        assignee: User,
        created_by: User | None,
        created_at: datetime,
        due_at: datetime,
        target: Model | None = None,
        completed_at: datetime | None = None,
        notes: str = "",
    ) -> Task:
        task = Task(
            title=title[:200],
            notes=notes,
            due_at=due_at,
            assignee=assignee,
            created_by=created_by,
            completed_at=completed_at,
        )
        self._tasks.append(_PlannedTask(task, target, min(created_at, self.clock.now), assignee))
        return task

    def notify(
        self,
        recipient: User,
        kind: str,
        message: str,
        *,
        at: datetime,
        about: Model | None = None,
        url: str = "",
        due_at: datetime | None = None,
        task: Task | None = None,
    ) -> None:
        """A notification, read already when older than UNREAD_FOR, linking to `url` or else to `about`
        (dropped when `about` was not written)."""
        read_at = None if at > self.clock.now - UNREAD_FOR else at + timedelta(hours=2)
        notification = Notification(
            recipient=recipient,
            kind=kind,
            message=message[:300],
            url=url,
            created_at=at,
            read_at=read_at,
            due_at=due_at,
            task=task,
        )
        self._notifications.append((about, notification))

    def save(self) -> None:
        """Writes the rows planned on records that were written (tasks, activities, events, notifications,
        in that order, so that an event's data may name a task or an activity)."""
        tasks = [planned for planned in self._tasks if _written(planned.target)]
        for planned in tasks:
            task = planned.task
            if planned.target is not None:
                task.content_type = _content_type(planned.target)
                task.object_id = planned.target.pk
            if task.completed_at is None and task.due_at <= self.clock.now:
                task.reminder_sent_at = task.due_at
        insert_dated(Task, [Dated(p.task, p.created_at, p.task.created_by) for p in tasks])
        for planned in tasks:
            self._task_rows(planned)

        activities = [(target, row) for target, row in self._activities if _written(target)]
        for target, activity in activities:
            activity.content_type = _content_type(target)
            activity.object_id = target.pk
            activity.account_id = rollup_account_id(target)
        Activity.objects.bulk_create([row for _, row in activities], batch_size=BATCH)
        planned_events = [(target, row) for target, row in self._events if _written(target)]
        for target, event in planned_events:
            event.content_type = _content_type(target)
            event.object_id = target.pk
            event.account_id = rollup_account_id(target)
            event.data = {
                key: value.pk if isinstance(value, Model) else value for key, value in event.data.items()
            }
        LifecycleEvent.objects.bulk_create([row for _, row in planned_events], batch_size=BATCH)
        notifications = [(about, row) for about, row in self._notifications if _written(about)]
        for about, notification in notifications:
            notification.url = notification.url or (record_url(about) if about is not None else "")
        Notification.objects.bulk_create([row for _, row in notifications], batch_size=BATCH)
        self._events, self._activities, self._tasks, self._notifications = [], [], [], []

    def _task_rows(self, planned: _PlannedTask) -> None:
        """What task_create, task_complete and the reminder sweep would have written along."""
        task, target = planned.task, planned.target
        assignee, creator = task.assignee, task.created_by
        url = record_url(target)
        if target is not None:
            added = {"task_id": task.pk, "title": task.title, "assignee": str(assignee)}
            self.event(target, events.TASK_CREATED, at=planned.created_at, actor=creator, data=added)
            if task.completed_at is not None:
                done = {"task_id": task.pk, "title": task.title}
                self.event(
                    target, events.TASK_COMPLETED, at=task.completed_at, actor=planned.completed_by, data=done
                )
        if assignee != creator:
            message = f"{creator or 'The CRM'} gave you a task: {task.title}"
            self.notify(assignee, NotificationKind.ASSIGNED, message, at=planned.created_at, url=url)
        if task.reminder_sent_at is not None:
            reminder = f"Reminder: {task.title}"
            due = task.due_at
            self.notify(assignee, NotificationKind.TASK_DUE, reminder, at=due, url=url, due_at=due, task=task)
            if target is not None:
                reminded = {"task_id": task.pk, "title": task.title}
                self.event(target, events.TASK_REMINDED, at=task.due_at, data=reminded)


def _written(record: Model | None) -> bool:
    return record is None or record.pk is not None


def _content_type(target: Model) -> ContentType:
    return ContentType.objects.get_for_model(target)
