"""A sales rep's day: an overdue task shows up everywhere it should, and its reminder reaches the bell."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from crm.timeline.tasks import send_due_task_reminders
from tests.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rep_adds_an_overdue_task_sees_it_everywhere_and_is_reminded(page: Page, log_in, rep):
    account = AccountFactory(owner=rep, name="Globex Corporation")
    base_url = log_in(rep)

    page.goto(f"{base_url}{account.get_absolute_url()}")
    yesterday = timezone.localtime() - timedelta(days=1)
    add_task = page.get_by_role("form", name="Add task")
    add_task.get_by_label("Title").fill("Send the signed proposal")
    add_task.get_by_label("Due at").fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
    add_task.get_by_role("button", name="Add task").click()

    timeline = page.get_by_role("list", name="Timeline, newest first")
    task_entry = (
        timeline.get_by_role("listitem")
        .filter(has_text="Send the signed proposal")
        .filter(has_text="Overdue")
    )
    expect(task_entry).to_have_count(1)

    page.get_by_role("link", name="My tasks").click()
    overdue = page.get_by_role("region", name=re.compile("Overdue"))
    expect(overdue).to_contain_text("Send the signed proposal")
    expect(overdue.get_by_role("link", name="Globex Corporation")).to_be_visible()
    expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()

    send_due_task_reminders()  # what Celery beat runs every half minute

    page.reload()
    page.get_by_role("link", name="Notifications, 1 unread").click()
    expect(page.get_by_role("main")).to_contain_text("Reminder: Send the signed proposal")
