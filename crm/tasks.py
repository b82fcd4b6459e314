"""Thin Celery tasks: each calls one service; the database says what is done, not the broker."""

from celery import shared_task

from crm.services.notifications import emails_send_queued
from crm.services.passwords import password_reset_send
from crm.services.timeline import task_reminders_send_due


@shared_task(name="crm.tasks.send_due_task_reminders")
def send_due_task_reminders() -> int:
    return task_reminders_send_due()


@shared_task(name="crm.tasks.send_queued_emails")
def send_queued_emails() -> int:
    return emails_send_queued()


@shared_task(name="crm.tasks.send_password_reset")
def send_password_reset(email: str, domain: str, use_https: bool) -> int:
    return password_reset_send(email=email, domain=domain, use_https=use_https)
