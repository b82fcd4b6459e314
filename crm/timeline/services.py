"""Every write to a record's timeline: activities, tasks and their due reminders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from crm import access
from crm.errors import Decision, Forbidden, NotFound
from crm.models import Activity, EngagementEvent, LifecycleEvent, NotificationKind, Task, User
from crm.people.timezones import format_for
from crm.records import apply_changes, delete_with_audit, save_with_audit, validate
from crm.timeline import events
from crm.timeline.events import event_record
from crm.timeline.notifications import email_queue, notification_send
from crm.timeline.rollup import rollup_account_id
from crm.timeline.rules import task_can_be_changed, task_can_be_completed
from crm.timeline.selectors import task_list
from crm.timeline.signals import activity_logged, task_completed

# Everything a record's trail is made of: the rows attached to it by content type and id.
TIMELINE_MODELS: tuple[type[Model], ...] = (Activity, Task, LifecycleEvent, EngagementEvent)
# The timeline rows that carry the account they roll up to (the account 360 reads them by it).
_ROLLED_UP = (Activity, LifecycleEvent)

# Reminders claimed per transaction: small enough that a slow SMTP hand-off never holds many locks.
REMINDER_BATCH_SIZE = 200


def timeline_move(*, source: Model, target: Model, models: tuple[type[Model], ...] = TIMELINE_MODELS) -> None:
    """Re-points `source`'s timeline rows of `models` at `target`, whose page now shows them, rolled up to
    `target`'s account: one set-based UPDATE per table (call it inside the caller's transaction)."""
    on_source = {"content_type": ContentType.objects.get_for_model(source), "object_id": source.pk}
    to_target = {"content_type": ContentType.objects.get_for_model(target), "object_id": target.pk}
    account_id = rollup_account_id(target)
    for model in models:
        changes = {**to_target, "account_id": account_id} if model in _ROLLED_UP else to_target
        model._default_manager.filter(**on_source).update(**changes)


@transaction.atomic
def activity_log(
    *,
    actor: User,
    target: Model,
    kind: str,
    subject: str = "",
    body: str = "",
    occurred_at: datetime | None = None,
) -> Activity:
    """Adds a note, call, email or meeting to a record; anyone who may see the record may add to it."""
    access.ensure_can_view(actor, target)
    activity = Activity(
        kind=kind,
        subject=subject,
        body=body,
        occurred_at=occurred_at or timezone.now(),
        author=actor,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        account_id=rollup_account_id(target),
    )
    validate(activity)
    activity.save()
    activity_logged.send(sender=Activity, activity=activity)
    return activity


def _check_assignee(*, actor: User, assignee: User) -> None:
    if assignee != actor and not access.assignable_owners(actor).filter(pk=assignee.pk).exists():
        raise Forbidden("You cannot assign tasks to that person.", code="assignee_not_assignable")


def task_target_url(task: Task) -> str:
    target = task.target
    if target is not None and hasattr(target, "get_absolute_url"):
        return str(target.get_absolute_url())
    return reverse("my-tasks")


@transaction.atomic
def task_create(
    *,
    actor: User,
    title: str,
    due_at: datetime,
    assignee: User | None = None,
    notes: str = "",
    target: Model | None = None,
) -> Task:
    assignee = assignee or actor
    _check_assignee(actor=actor, assignee=assignee)
    if target is not None:
        access.ensure_can_view(actor, target)
    return _task_add(
        created_by=actor, title=title, due_at=due_at, assignee=assignee, notes=notes, target=target
    )


@transaction.atomic
def task_create_by_rule(
    *, title: str, due_at: datetime, assignee: User, target: Model | None = None, notes: str = ""
) -> Task:
    """A task the CRM hands out by an admin's rule (an onboarding checklist): no user's permissions apply."""
    return _task_add(
        created_by=None, title=title, due_at=due_at, assignee=assignee, notes=notes, target=target
    )


def _task_add(
    *,
    created_by: User | None,
    title: str,
    due_at: datetime,
    assignee: User,
    notes: str,
    target: Model | None,
) -> Task:
    task = Task(title=title, notes=notes, due_at=due_at, assignee=assignee, created_by=created_by)
    if target is not None:
        task.content_type = ContentType.objects.get_for_model(target)
        task.object_id = target.pk
    validate(task)
    task._history_user = created_by  # type: ignore[attr-defined]
    task.save()
    if target is not None:
        event_record(
            actor=created_by,
            target=target,
            type=events.TASK_CREATED,
            data={"task_id": task.pk, "title": task.title, "assignee": str(assignee)},
        )
    _notify_assignee(task=task, by=created_by)
    return task


def _notify_assignee(*, task: Task, by: User | None) -> None:
    if task.assignee != by:
        notification_send(
            recipient=task.assignee,
            kind=NotificationKind.ASSIGNED,
            message=f"{by or 'The CRM'} gave you a task: {task.title}",
            url=task_target_url(task),
        )


def _lock_task(*, actor: User, task_id: int, rule: Callable[[User, Task], Decision]) -> Task:
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    if task is None:
        raise NotFound
    if not (decision := rule(actor, task)):
        if not task_list(user=actor).filter(pk=task.pk).exists():
            raise NotFound
        decision.ensure()
    return task


@transaction.atomic
def task_complete(*, actor: User, task_id: int) -> Task:
    """Marks the task done; completing a done task changes nothing."""
    task = _lock_task(actor=actor, task_id=task_id, rule=task_can_be_completed)
    if task.completed_at is not None:
        return task
    task.completed_at = timezone.now()
    save_with_audit(task, actor=actor)
    if task.target is not None:
        event_record(
            actor=actor,
            target=task.target,
            type=events.TASK_COMPLETED,
            data={"task_id": task.pk, "title": task.title},
        )
    task_completed.send(sender=Task, task=task)
    return task


@transaction.atomic
def task_reopen(*, actor: User, task_id: int) -> Task:
    task = _lock_task(actor=actor, task_id=task_id, rule=task_can_be_completed)
    if task.completed_at is None:
        return task
    task.completed_at = None
    save_with_audit(task, actor=actor)
    if task.target is not None:
        event_record(
            actor=actor,
            target=task.target,
            type=events.TASK_REOPENED,
            data={"task_id": task.pk, "title": task.title},
        )
    return task


@transaction.atomic
def task_update(*, actor: User, task_id: int, fields: dict[str, Any]) -> Task:
    """Changes a task's title, notes, due time or assignee. A new due time is reminded when it comes
    (unless it was reminded already), and a new assignee is told, as when a task is given."""
    task = _lock_task(actor=actor, task_id=task_id, rule=task_can_be_changed)
    if "assignee" in fields and fields["assignee"].pk != task.assignee_id:
        _check_assignee(actor=actor, assignee=fields["assignee"])
    changes = apply_changes(task, fields)
    if not changes:
        return task
    if "due_at" in changes:
        task.reminder_sent_at = _reminded_at(task)
    save_with_audit(task, actor=actor)
    if "assignee" in changes:
        _notify_assignee(task=task, by=actor)
    return task


def _reminded_at(task: Task) -> datetime | None:
    """When the task's current due time was reminded, if it was (it moved back to a time reminded
    before); None lets the sweep remind it."""
    reminders = task.notifications.filter(kind=NotificationKind.TASK_DUE, due_at=task.due_at)
    return reminders.values_list("created_at", flat=True).first()


@transaction.atomic
def task_delete(*, actor: User, task_id: int) -> None:
    """Deletes the task, and its reminders with it."""
    task = _lock_task(actor=actor, task_id=task_id, rule=task_can_be_changed)
    delete_with_audit(task, actor=actor)


def task_reminders_send_due(*, now: datetime | None = None) -> int:
    """Reminds the assignee of every open task that has come due, exactly once per task and due time.

    Rows are claimed with SKIP LOCKED and a compare-and-swap on reminder_sent_at (which task_update
    clears when it moves the due time), and the notification has a unique constraint per task and due
    time: two beats or two workers never remind twice.
    """
    now = now or timezone.now()
    reminded = 0
    while True:
        with transaction.atomic():
            due = list(
                Task.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(completed_at__isnull=True, reminder_sent_at__isnull=True, due_at__lte=now)
                .select_related("assignee")
                .order_by("due_at")[:REMINDER_BATCH_SIZE]
            )
            for task in due:
                if Task.objects.filter(pk=task.pk, reminder_sent_at__isnull=True).update(
                    reminder_sent_at=now
                ):
                    _remind(task)
                    reminded += 1
        if len(due) < REMINDER_BATCH_SIZE:
            return reminded


def _remind(task: Task) -> None:
    url = task_target_url(task)
    notification_send(
        recipient=task.assignee,
        kind=NotificationKind.TASK_DUE,
        message=f"Reminder: {task.title}",
        url=url,
        task_id=task.pk,
        due_at=task.due_at,
    )
    if task.assignee.email:
        due = format_for(task.assignee, task.due_at)
        email_queue(
            to=task.assignee.email,
            subject=f"Reminder: {task.title} is due",
            body=f'Hello {task.assignee},\n\nYour task "{task.title}" was due at {due}.\n\n'
            f"Open it: {settings.SITE_URL}{url}\n",
        )
    if task.target is not None:
        event_record(
            actor=None,
            target=task.target,
            type=events.TASK_REMINDED,
            data={"task_id": task.pk, "title": task.title},
        )
