"""Thin Celery tasks of lead assignment: each calls one service; the database says what is done."""

from celery import shared_task

from .services import first_touch_alerts_send


@shared_task(name="leads.send_first_touch_alerts")
def send_first_touch_alerts() -> int:
    return first_touch_alerts_send()
