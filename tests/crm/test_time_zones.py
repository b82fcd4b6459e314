"""Each person reads dates in their own time zone: on the pages, in notifications and in emails."""

import importlib
import re
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.urls import reverse

from crm.models import Notification, NotificationKind, OutboundEmail, User
from crm.timeline.services import task_create, task_reminders_send_due
from leads.assignment.services import first_touch_alerts_send
from tests.factories import AccountFactory, LeadFactory, TaskFactory

pytestmark = pytest.mark.django_db

# 01:30 UTC on 7 Dec is 10:30 in Tokyo and still 6 Dec, 20:30 in New York.
DUE = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
AFTER_DUE = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def _text(response) -> str:
    """The page's text as read: inline tags vanish, the others separate words."""
    html = re.sub(r"</?(?:time|span|a|i)\b[^>]*>", "", response.content.decode())
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _in_zone(user: User, zone: str) -> User:
    User.objects.filter(pk=user.pk).update(time_zone=zone)
    user.time_zone = zone
    return user


def test_a_new_user_reads_dates_in_the_sites_time_zone(settings, rep):
    assert rep.time_zone == settings.TIME_ZONE


def test_the_account_page_shows_its_times_in_the_readers_time_zone(as_user, rep):
    account = AccountFactory(owner=rep, name="Globex")
    account.__class__.objects.filter(pk=account.pk).update(created_at=DUE)

    in_utc = _text(as_user(rep).get(account.get_absolute_url()))
    in_tokyo = _text(as_user(_in_zone(rep, "Asia/Tokyo")).get(account.get_absolute_url()))

    assert "Created 7 Dec 2026, 01:30" in in_utc
    assert "Created 7 Dec 2026, 10:30" in in_tokyo


def test_the_lead_export_streamed_after_the_view_returns_writes_times_in_the_readers_zone(as_user, rep):
    lead = LeadFactory(owner=rep)
    lead.__class__.objects.filter(pk=lead.pk).update(created_at=DUE)
    _in_zone(rep, "Asia/Tokyo")

    response = as_user(rep).get(reverse("leads:export"))
    csv = b"".join(response.streaming_content).decode("utf-8-sig")

    assert "Created (Asia/Tokyo)" in csv.splitlines()[0]
    assert "2026-12-07 10:30:00" in csv


def test_a_person_picks_their_time_zone_on_their_settings_page_from_the_user_menu(as_user, rep):
    client = as_user(rep)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("user-settings")}"' in home
    assert "Your settings" in home

    page = client.get(reverse("user-settings")).content.decode()
    assert 'for="id_time_zone">Time zone' in page
    assert '<option value="America/New_York">America/New York</option>' in page

    response = client.post(reverse("user-settings"), {"time_zone": "America/New_York"})

    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.time_zone == "America/New_York"


def test_an_unknown_time_zone_is_refused_on_the_field_without_changing_anything(as_user, rep):
    response = as_user(rep).post(reverse("user-settings"), {"time_zone": "Mars/Olympus_Mons"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    rep.refresh_from_db()
    assert rep.time_zone == "UTC"


def test_an_admin_sets_a_users_time_zone_in_the_django_admin(client, rep):
    superuser = User.objects.create_superuser("root", "root@example.com", "root-pass-123")
    client.force_login(superuser)

    page = client.get(reverse("admin:crm_user_change", args=[rep.pk])).content.decode()

    assert 'name="time_zone"' in page


def test_a_task_reminder_shows_its_due_time_in_the_readers_zone_and_the_email_in_the_recipients(as_user, rep):
    _in_zone(rep, "Asia/Tokyo")
    task = task_create(actor=rep, title="Call back", due_at=DUE, target=AccountFactory(owner=rep))

    task_reminders_send_due(now=AFTER_DUE)

    notification = Notification.objects.get(kind=NotificationKind.TASK_DUE)
    assert notification.message == "Reminder: Call back"  # no date frozen into the text
    assert notification.due_at == task.due_at
    page = _text(as_user(rep).get(reverse("notification-list")))
    assert "Reminder: Call back (due 7 Dec 2026, 10:30)" in page
    assert "2026-12-07" not in page
    assert "was due at 7 Dec 2026, 10:30 JST" in OutboundEmail.objects.get().body


def test_two_readers_of_a_first_touch_alert_see_its_due_time_each_in_their_own_zone(
    as_user, rep, manager, admin_user
):
    _in_zone(manager, "America/New_York")
    LeadFactory(owner=rep, first_name="Li", last_name="Wei", company="", first_touch_due_at=DUE)

    assert first_touch_alerts_send(now=AFTER_DUE) == 1

    alert = Notification.objects.get(kind=NotificationKind.FIRST_TOUCH_OVERDUE)
    assert alert.due_at == DUE
    assert "2026" not in alert.message
    assert "(due 6 Dec 2026, 20:30)" in _text(as_user(manager).get(reverse("notification-list")))
    assert "(due 6 Dec 2026, 20:30 EST)" in OutboundEmail.objects.get(to=manager.email).body
    # The same row read by someone in another zone: the time follows the reader.
    Notification.objects.filter(pk=alert.pk).update(recipient=admin_user)
    assert "(due 7 Dec 2026, 01:30)" in _text(as_user(admin_user).get(reverse("notification-list")))


def test_the_migration_moves_the_due_time_out_of_older_notification_texts(rep):
    task = TaskFactory(assignee=rep, due_at=DUE)
    old_reminder = Notification.objects.create(
        recipient=rep,
        kind=NotificationKind.TASK_DUE,
        message="Task due: Call back (2026-12-07 01:30)",
        task=task,
    )
    old_alert = Notification.objects.create(
        recipient=rep,
        kind=NotificationKind.FIRST_TOUCH_OVERDUE,
        message="Ann has not touched the lead Li Wei in time (due 2026-12-07 01:30).",
    )
    other = Notification.objects.create(
        recipient=rep, kind=NotificationKind.ASSIGNED, message="Ann gave you a task"
    )
    migration = importlib.import_module("crm.migrations.0006_user_time_zone_notification_due_at")

    migration.due_times_out_of_messages(apps, None)

    old_reminder.refresh_from_db()
    old_alert.refresh_from_db()
    other.refresh_from_db()
    assert (old_reminder.message, old_reminder.due_at) == ("Reminder: Call back", DUE)
    assert (old_alert.message, old_alert.due_at) == ("Ann has not touched the lead Li Wei in time", DUE)
    assert (other.message, other.due_at) == ("Ann gave you a task", None)
