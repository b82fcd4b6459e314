"""The timeline's Celery tasks: due task reminders and the email outbox; each calls one service, and the
database says what is done, not the broker. Their names ("crm.tasks....") stay as they are whatever
module holds them: queued messages and the beat schedule use them."""

from celery import shared_task

from crm.timeline.notifications import emails_send_queued
from crm.timeline.services import task_reminders_send_due


@shared_task(name="crm.tasks.send_due_task_reminders")
def send_due_task_reminders() -> int:
    return task_reminders_send_due()


@shared_task(name="crm.tasks.send_queued_emails")
def send_queued_emails() -> int:
    return emails_send_queued()
