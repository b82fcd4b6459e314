"""The broker only wakes workers. While it cannot be reached, a request answers for what it committed
(no 500 after the fact, so a client does not retry into a duplicate), and the work waits in PostgreSQL
for the periodic pass that finds it."""

import logging
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.celery import app as celery_app
from crm.jobs import wakeups
from crm.jobs.services import jobs_sweep
from crm.models import BackgroundJob, JobStatus, OutboundEmail
from leads.importing.services import import_confirm, import_upload
from leads.models import DuplicatePolicy, ImportStatus, Lead

# A port nothing listens on: every publish is refused at once.
UNREACHABLE = "redis://127.0.0.1:9/0"


def _drop_connections() -> None:
    """Celery keeps its broker connections and producers once made: the next publish makes new ones."""
    celery_app._after_fork()  # type: ignore[attr-defined]


@pytest.fixture
def broker_down(monkeypatch):
    # Celery takes the broker from the environment first (Settings.broker_url), then from its settings,
    # which it reads under Django's CELERY_ namespace.
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE)
    monkeypatch.setattr(wakeups, "_quiet_until", 0.0)  # and back to 0 after: later tests wake workers
    down = {
        "CELERY_TASK_ALWAYS_EAGER": False,
        "CELERY_BROKER_URL": UNREACHABLE,
        "CELERY_TASK_PUBLISH_RETRY": False,
        "CELERY_BROKER_CONNECTION_TIMEOUT": 0.5,  # kombu's 4 s, shortened for the test
    }
    conf = celery_app.conf
    saved = {name: conf.get(name) for name in down}
    conf.update(down)
    _drop_connections()

    def back_up() -> None:
        monkeypatch.undo()
        conf.update(saved)
        _drop_connections()

    yield back_up
    back_up()


@pytest.mark.django_db(transaction=True)
def test_a_lead_created_through_the_api_while_the_broker_is_down_is_a_201_and_is_kept(
    api_as, rep, broker_down, caplog
):
    with caplog.at_level(logging.INFO, logger="crm.jobs.wakeups"):
        response = api_as(rep).post("/api/v1/leads/", {"company": "Outage Co"}, format="json")

    assert response.status_code == 201
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.company == "Outage Co"
    # The first wake-up found the broker down; the next one (the duplicate check) did not try again.
    messages = [r.getMessage() for r in caplog.records if r.name == "crm.jobs.wakeups"]
    (refused, skipped) = messages
    assert refused.startswith("No worker woken for leads.rescore_lead")
    assert skipped.startswith("No worker woken for leads.check_lead_duplicates")
    assert "the broker was unreachable" in skipped


@pytest.mark.django_db(transaction=True)
def test_a_password_reset_asked_while_the_broker_is_down_answers_the_same_page_and_mails_later(
    client, rep, broker_down
):
    response = client.post(reverse("password_reset"), {"email": rep.email})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert not OutboundEmail.objects.exists()
    broker_down()  # the broker is back; the wake-up sent during the outage never was
    BackgroundJob.objects.update(woken_at=timezone.now() - timedelta(minutes=1))

    jobs_sweep()

    (email,) = OutboundEmail.objects.all()
    assert email.to == rep.email
    assert "/auth/reset/" in email.body


@pytest.mark.django_db(transaction=True)
def test_an_email_queued_while_the_broker_is_down_waits_in_the_outbox(rep, broker_down):
    from crm.timeline.notifications import email_queue

    email_queue(to="rep@example.com", subject="Reminder", body="Call Acme.")

    assert OutboundEmail.objects.filter(to="rep@example.com", sent_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_import_confirmed_while_the_broker_is_down_runs_once_it_is_back(
    rep, broker_down, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    data = b"First Name,Last Name,Email Address\nAnn,Lee,ann@example.com\nBo,Chan,bo@example.com\n"
    uploaded = import_upload(actor=rep, file=SimpleUploadedFile("leads.csv", data))
    lead_import = import_confirm(
        actor=rep,
        import_id=uploaded.pk,
        mapping=uploaded.mapping,
        duplicate_policy=DuplicatePolicy.SKIP,
        all_or_nothing=False,
        owner=None,
    )
    assert lead_import.status == ImportStatus.QUEUED
    broker_down()  # the broker is back; the wake-up sent during the outage never was
    BackgroundJob.objects.update(woken_at=timezone.now() - timedelta(minutes=1))

    jobs_sweep()

    lead_import.refresh_from_db()
    assert lead_import.status == ImportStatus.DONE
    assert BackgroundJob.objects.get(leadimport=lead_import).status == JobStatus.DONE
    assert sorted(Lead.objects.values_list("first_name", flat=True)) == ["Ann", "Bo"]
