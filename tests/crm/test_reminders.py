"""Due reminders: an in-app notification plus an email, exactly once per task."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from crm.models import LifecycleEvent, Notification, NotificationKind, OutboundEmail, Task
from crm.timeline import events
from crm.timeline.services import task_complete, task_create, task_reminders_send_due
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
