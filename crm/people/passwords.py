"""Password reset emails, looked up, rendered and queued by a job rather than in the request.

The reset page queues a job for every address alike (crm.people.forms.OutboxPasswordResetForm): when the
request itself rendered and queued an email for a known address, it answered about ten times slower
than for an unknown one, which told an attacker which addresses have an account. A job rather than a
bare message, so that a request made while the broker is down is still answered by an email.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.template import loader

from crm.jobs.running import JobRun, job_kind
from crm.jobs.services import job_enqueue
from crm.models import BackgroundJob
from crm.timeline.notifications import email_queue

RESET_JOB_KIND = "Password reset email"


class _OutboxResetEmails(PasswordResetForm):
    """Django's reset emails (the active accounts of the address, their links, the templates), queued in
    the outbox so that a worker sends them and none is lost."""

    queued = 0

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        email_queue(to=to_email, subject=subject, body=body)
        self.queued += 1


def password_reset_send(*, email: str, domain: str, use_https: bool) -> int:
    """Queues a reset link to each active account with this address; returns how many (often none)."""
    emails = _OutboxResetEmails({"email": email})
    if not emails.is_valid():
        return 0
    with transaction.atomic():
        emails.save(domain_override=domain, use_https=use_https)
    return emails.queued


def password_reset_request(*, email: str, domain: str, use_https: bool) -> BackgroundJob:
    """Queues the job that looks the address up: the same single write whether an account has it or not."""
    return job_enqueue(
        kind=RESET_JOB_KIND,
        created_by=None,
        payload={"email": email, "domain": domain, "use_https": use_https},
    )


@job_kind(RESET_JOB_KIND)
def password_reset_run(run: JobRun) -> None:
    # One transaction for the emails and the job's end: a resumed job never queues them twice.
    with transaction.atomic():
        queued = password_reset_send(**run.payload)
        run.finish(
            message=f"{queued} reset email{'' if queued == 1 else 's'} queued.", result={"queued": queued}
        )
