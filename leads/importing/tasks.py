"""The import job's Celery task: an id in, one service call; the database says how far it got."""

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from .running import import_run


# DjangoTask is what the app uses anyway; naming it types `delay_on_commit` for mypy.
@shared_task(name="leads.import_leads", acks_late=True, base=DjangoTask)
def import_leads(import_id: int) -> None:
    import_run(import_id=import_id)
