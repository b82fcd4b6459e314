"""The timeline, tasks, notifications, password reset and mailbox, as a person uses them in the browser."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from crm.models import Activity, Notification, Task, User
from crm.timeline.notifications import emails_send_queued
from crm.timeline.services import task_reminders_send_due
from tests.factories import AccountFactory, TaskFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_logging_a_call_over_htmx_returns_the_refreshed_timeline_with_it(client, rep):
    account = AccountFactory(owner=rep)
    client.force_login(rep)
    url = reverse("timeline-activity-add", args=["crm.account", account.pk])

    call = {"kind": "call", "subject": "Pricing call", "body": "<b>Budget</b> agreed"}
    response = client.post(url, call, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="timeline-section"' in html
    assert "<html" not in html  # a partial, not the whole page
    assert "Pricing call" in html
    assert "&lt;b&gt;Budget&lt;/b&gt;" in html  # user text is escaped, never rendered as HTML
    assert Activity.objects.get().author == rep


def test_a_rep_cannot_add_to_the_timeline_of_a_record_they_cannot_see(client, rep, outsider):
    account = AccountFactory(owner=outsider)
    client.force_login(rep)

    response = client.post(
        reverse("timeline-activity-add", args=["crm.account", account.pk]), {"kind": "note", "body": "Hi"}
    )

    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_marking_a_task_done_from_my_tasks_removes_it_from_the_open_lists(client, rep):
    task = TaskFactory(assignee=rep, title="Prepare the demo", due_at=timezone.now() - timedelta(hours=2))
    client.force_login(rep)
    row = f'id="task-{task.pk}"'
    assert row in client.get(reverse("my-tasks")).content.decode()

    response = client.post(reverse("task-complete", args=[task.pk]), follow=True)

    task.refresh_from_db()
    assert task.completed_at is not None
    assert "Marked Prepare the demo done." in response.content.decode()
    assert row not in client.get(reverse("my-tasks")).content.decode()


def test_my_tasks_shows_each_section_a_page_at_a_time_with_its_full_count(client, rep):
    now = timezone.now()
    for n in range(30):
        TaskFactory(assignee=rep, title=f"Overdue {n:02}", due_at=now - timedelta(days=40 - n))
    upcoming = TaskFactory(assignee=rep, title="Next week", due_at=now + timedelta(days=7))
    TaskFactory(assignee=rep, title="Done already", due_at=now - timedelta(days=1), completed_at=now)
    client.force_login(rep)

    first = client.get(reverse("my-tasks")).content.decode()

    assert 'Overdue <span class="badge text-bg-danger">30</span>' in first
    assert [f"Overdue {n:02}" in first for n in (0, 24, 25)] == [True, True, False]  # oldest first
    assert "Next week" in first
    assert "Done already" not in first
    more = re.search(r'href="(\?overdue=[^"]+)">More overdue tasks', first)
    assert more is not None

    second = client.get(reverse("my-tasks") + more.group(1).replace("&amp;", "&")).content.decode()

    assert [f"Overdue {n:02}" in second for n in (24, 25, 29)] == [False, True, True]
    assert "More overdue tasks" not in second
    assert f'id="task-{upcoming.pk}"' in second  # the other sections stay on their first page


def test_someone_elses_task_cannot_be_completed(client, rep, outsider):
    task = TaskFactory(assignee=outsider)
    client.force_login(rep)

    assert client.post(reverse("task-complete", args=[task.pk])).status_code == 404
    assert Task.objects.get(pk=task.pk).completed_at is None


def test_the_bell_counts_unread_reminders_and_reading_them_clears_it(client, rep):
    TaskFactory(assignee=rep, due_at=timezone.now() - timedelta(minutes=1))
    task_reminders_send_due()
    client.force_login(rep)

    assert "Notifications, 1 unread" in client.get(reverse("notification-bell"), **HTMX).content.decode()
    client.post(reverse("notifications-read"))
    assert "Notifications, 0 unread" in client.get(reverse("notification-bell"), **HTMX).content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_password_reset_mails_a_working_link_through_the_outbox(
    client, rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the eager worker runs the job and the outbox
        response = client.post(reverse("password_reset"), {"email": rep.email})
    assert response.status_code == 302

    (message,) = mail.outbox
    assert message.to == [rep.email]
    link = re.search(r"https?://[^/\s]+(/auth/reset/\S+)", str(message.body))
    assert link, message.body
    form_page = client.get(link.group(1), follow=True)
    new_password = {"new_password1": "Correct-horse-battery-9", "new_password2": "Correct-horse-battery-9"}
    client.post(form_page.redirect_chain[-1][0], new_password)
    rep.refresh_from_db()
    assert rep.check_password("Correct-horse-battery-9")


def test_the_mailbox_shows_what_the_file_backend_captured(client, admin_user, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    TaskFactory(assignee=admin_user, title="Renew the contract", due_at=timezone.now() - timedelta(minutes=1))
    task_reminders_send_due()
    emails_send_queued()
    client.force_login(admin_user)

    html = client.get(reverse("mailbox")).content.decode()

    assert "Reminder: Renew the contract is due" in html
    assert admin_user.email in html


def test_the_demo_data_renders_on_every_page_for_every_role(client):
    call_command("seed_demo")

    for user in User.objects.filter(username__in=["admin", "manager", "rep", "marketer", "support"]):
        client.force_login(user)
        for name in ["home", "account-list", "contact-list", "my-tasks", "notification-list"]:
            assert client.get(reverse(name)).status_code == 200, (user.username, name)
