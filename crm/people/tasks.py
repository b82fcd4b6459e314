"""The password reset email's Celery task: an address in, one service call. Its name ("crm.tasks....")
stays as it is whatever module holds it: queued messages use it."""

from celery import shared_task

from crm.people.passwords import password_reset_send


@shared_task(name="crm.tasks.send_password_reset")
def send_password_reset(email: str, domain: str, use_https: bool) -> int:
    return password_reset_send(email=email, domain=domain, use_https=use_https)
