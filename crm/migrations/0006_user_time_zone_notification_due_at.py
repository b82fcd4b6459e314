import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models

import crm.people.timezones

# The due time older notifications wrote into their text, in the site's zone (workers had no other).
TASK_DUE = re.compile(r"^Task due: (?P<title>.*) \((?P<due>\d{4}-\d\d-\d\d \d\d:\d\d)\)$", re.DOTALL)
FIRST_TOUCH = re.compile(r"^(?P<text>.* in time) \(due (?P<due>\d{4}-\d\d-\d\d \d\d:\d\d)\)\.$", re.DOTALL)
BATCH_SIZE = 500


def due_times_out_of_messages(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Moves the due time out of the text of older reminders and first-touch alerts into due_at, so
    they read like new ones: the date in the reader's zone."""
    notification_model = apps.get_model("crm", "Notification")
    zone = ZoneInfo(settings.TIME_ZONE)
    changed = []
    rows = notification_model.objects.filter(
        kind__in=["task_due", "first_touch_overdue"], due_at__isnull=True
    ).select_related("task")
    for notification in rows.iterator(chunk_size=BATCH_SIZE):
        pattern = TASK_DUE if notification.kind == "task_due" else FIRST_TOUCH
        match = pattern.match(notification.message)
        if match is None:
            continue
        due = datetime.strptime(match["due"], "%Y-%m-%d %H:%M").replace(tzinfo=zone)
        if notification.kind == "task_due":
            notification.message = f"Reminder: {match['title']}"
            notification.due_at = notification.task.due_at if notification.task is not None else due
        else:
            notification.message = match["text"]
            notification.due_at = due
        changed.append(notification)
    notification_model.objects.bulk_update(changed, ["message", "due_at"], batch_size=BATCH_SIZE)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0005_account_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="time_zone",
            field=models.CharField(
                choices=crm.people.timezones.time_zone_choices,
                default=crm.people.timezones.default_time_zone,
                help_text="Dates and times on the pages and in emails are shown in this zone.",
                max_length=64,
                verbose_name="time zone",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="due_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(due_times_out_of_messages, migrations.RunPython.noop),
    ]
