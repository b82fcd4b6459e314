"""Thin Celery tasks of the sales app: one service call each; the database says what is done."""

from celery import shared_task
from django.db import OperationalError

from sales.renewals.services import renewals_create_due


# Daily: renewals are due days ahead, and a unique constraint makes a second run harmless.
@shared_task(
    name="sales.create_due_renewals", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def create_due_renewals() -> int:
    return renewals_create_due()
