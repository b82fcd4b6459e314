"""Due reminders: an in-app notification plus an email, exactly once per task and due time."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from crm.models import LifecycleEvent, Notification, NotificationKind, OutboundEmail, Task
from crm.timeline import events
from crm.timeline.services import task_complete, task_create, task_reminders_send_due, task_update
from tests.factories import AccountFactory, TaskFactory

PAST = timedelta(minutes=5)


@pytest.mark.django_db
def test_a_task_that_came_due_reminds_its_assignee_in_app_and_by_email(rep):
    account = AccountFactory(owner=rep)
    task = task_create(actor=rep, title="Call back", due_at=timezone.now() - PAST, target=account)

    assert task_reminders_send_due() == 1

    notification = Notification.objects.get(recipient=rep, kind=NotificationKind.TASK_DUE)
    assert "Call back" in notification.message
    assert notification.url == account.get_absolute_url()
    email = OutboundEmail.objects.get()
    assert email.to == rep.email
    assert "Call back" in email.subject
    assert LifecycleEvent.objects.filter(type=events.TASK_REMINDED, object_id=account.pk).exists()
    task.refresh_from_db()
    assert task.reminder_sent_at is not None


@pytest.mark.django_db
def test_running_the_sweep_again_reminds_nobody_twice(rep):
    TaskFactory(assignee=rep, due_at=timezone.now() - PAST)

    first, second = task_reminders_send_due(), task_reminders_send_due()

    assert (first, second) == (1, 0)
    assert Notification.objects.count() == 1
    assert OutboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_tasks_not_yet_due_or_already_done_are_not_reminded(rep):
    TaskFactory(assignee=rep, due_at=timezone.now() + timedelta(hours=1))
    done = TaskFactory(assignee=rep, due_at=timezone.now() - PAST)
    task_complete(actor=rep, task_id=done.pk)

    assert task_reminders_send_due() == 0
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_running_at_once_remind_each_task_exactly_once(rep):
    """Two beats firing together, or two workers picking up the same periodic task."""
    TaskFactory.create_batch(300, assignee=rep, due_at=timezone.now() - PAST)
    start = threading.Barrier(2)
    counts: list[int] = []

    def sweep() -> None:
        try:
            start.wait()
            counts.append(task_reminders_send_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counts) == 300
    assert Notification.objects.filter(kind=NotificationKind.TASK_DUE).count() == 300
    assert OutboundEmail.objects.count() == 300
    assert not Task.objects.filter(reminder_sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_completing_a_task_twice_keeps_the_first_completion_time(rep):
    task = TaskFactory(assignee=rep)

    first = task_complete(actor=rep, task_id=task.pk).completed_at
    second = task_complete(actor=rep, task_id=task.pk).completed_at

    assert first == second


@pytest.mark.django_db
def test_a_task_moved_to_a_new_due_time_is_reminded_again_once(rep):
    now = timezone.now()
    task = TaskFactory(assignee=rep, due_at=now - PAST)
    assert task_reminders_send_due(now=now) == 1

    task_update(actor=rep, task_id=task.pk, fields={"due_at": now + timedelta(hours=1)})
    before, after = task_reminders_send_due(now=now), task_reminders_send_due(now=now + timedelta(hours=2))

    assert (before, after) == (0, 1)
    assert task_reminders_send_due(now=now + timedelta(hours=3)) == 0
    reminders = Notification.objects.filter(task=task, kind=NotificationKind.TASK_DUE).order_by("due_at")
    assert list(reminders.values_list("due_at", flat=True)) == [now - PAST, now + timedelta(hours=1)]
    assert OutboundEmail.objects.count() == 2


@pytest.mark.django_db
def test_a_task_moved_back_to_a_time_already_reminded_is_not_reminded_twice(rep):
    now = timezone.now()
    first_due = now - PAST
    task = TaskFactory(assignee=rep, due_at=first_due)
    task_reminders_send_due(now=now)

    task_update(actor=rep, task_id=task.pk, fields={"due_at": now + timedelta(days=1)})
    task_update(actor=rep, task_id=task.pk, fields={"due_at": first_due})

    assert task_reminders_send_due(now=now) == 0
    assert Notification.objects.filter(task=task, kind=NotificationKind.TASK_DUE).count() == 1


@pytest.mark.django_db
def test_renaming_a_reminded_task_does_not_remind_it_again(rep):
    task = TaskFactory(assignee=rep, due_at=timezone.now() - PAST)
    task_reminders_send_due()

    task_update(actor=rep, task_id=task.pk, fields={"title": "A better title"})

    assert task_reminders_send_due() == 0


@pytest.mark.django_db
def test_the_database_refuses_a_second_reminder_for_the_same_due_time(rep):
    task = TaskFactory(assignee=rep)
    remind = {"recipient": rep, "kind": NotificationKind.TASK_DUE, "message": "Reminder", "task": task}
    Notification.objects.create(**remind, due_at=task.due_at)
    Notification.objects.create(**remind, due_at=task.due_at + timedelta(hours=1))

    with pytest.raises(IntegrityError):
        Notification.objects.create(**remind, due_at=task.due_at)
