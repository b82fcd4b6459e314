"""`make run`'s demo: every role opens onto a living workspace; seeding is idempotent and deterministic,
and the bulk-written book is what the services would have written (the background sweeps find nothing
left to do, every timeline row is on its account's 360 page)."""

from collections import defaultdict
from datetime import datetime
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from crm.customers.selectors import account_list
from crm.demo.people import DEMO_PASSWORD, DEMO_USERS
from crm.demo.seeding import seed_demo
from crm.models import (
    Account,
    Activity,
    Contact,
    EngagementEvent,
    LifecycleEvent,
    Notification,
    Role,
    Task,
    User,
)
from crm.timeline.rollup import rollup_account_id
from crm.timeline.selectors import my_tasks
from crm.timeline.services import task_reminders_send_due
from leads.assignment.services import first_touch_alerts_send
from leads.models import Lead, LeadScore
from leads.scoring.services import scores_reconcile
from sales.models import Deal, DealLine, Onboarding, Quota, StageVisit
from sales.renewals.services import renewals_create_due
from tests.factories.sales import create_sales_defaults

ROLE_LOGINS = ["admin", "manager", "rep", "marketer", "support"]


def _book() -> dict[str, Any]:
    """What a person would compare between two demos: how many of everything, and the names."""
    models = (
        User, Account, Contact, Activity, Task, LifecycleEvent, Notification, EngagementEvent, Lead,
        LeadScore, Deal, DealLine, StageVisit, Onboarding, Quota,
    )  # fmt: skip
    return {
        "counts": {model.__name__: model.objects.count() for model in models},
        "accounts": sorted(Account.objects.values_list("name", "lifecycle_stage", "owner__username")),
        "contacts": sorted(Contact.objects.values_list("email", "email_consent")),
        "leads": sorted(Lead.objects.values_list("email", "status", "source", "score", "owner__username")),
        "deals": sorted(Deal.objects.values_list("name", "stage__name", "amount", "owner__username")),
        "tasks": sorted(
            (title, assignee, done is None)
            for title, assignee, done in Task.objects.values_list(
                "title", "assignee__username", "completed_at"
            )
        ),
    }


@pytest.mark.django_db
def test_seeding_twice_changes_nothing_and_every_empty_database_gets_the_same_demo(capsys):
    assert not Account.objects.exists(), "runs first, before the module's demo fixture seeds"
    create_sales_defaults()
    with transaction.atomic():
        call_command("seed_demo")
        first = _book()
        call_command("seed_demo")
        assert _book() == first
        assert capsys.readouterr().out.splitlines() == [
            "Demo data created.",
            "Demo data already present; nothing changed.",
        ]
        transaction.set_rollback(True)
    assert not Account.objects.exists()

    assert seed_demo() is True
    assert _book() == first


@pytest.mark.django_db
def test_every_role_has_a_login_that_opens_its_home_page(demo: datetime, client: Client) -> None:
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    for username in ROLE_LOGINS:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD), username
        client.force_login(user)
        assert client.get(reverse("home")).status_code == 200, username


@pytest.mark.django_db
def test_every_role_has_tasks_overdue_due_today_and_coming_up_on_its_task_page(
    demo: datetime, client: Client
) -> None:
    for username in ROLE_LOGINS:
        user = User.objects.get(username=username)
        tasks = my_tasks(user=user)
        assert tasks.overdue, username
        assert tasks.today, username
        assert tasks.upcoming, username
        client.force_login(user)
        html = client.get(reverse("my-tasks")).content.decode()
        assert escape(tasks.overdue.tasks[0].title) in html
        assert escape(tasks.today.tasks[0].title) in html


@pytest.mark.django_db
def test_every_demo_user_has_unread_notifications_in_the_bell(demo: datetime) -> None:
    unread: defaultdict[str, int] = defaultdict(int)
    for username in Notification.objects.filter(read_at__isnull=True).values_list(
        "recipient__username", flat=True
    ):
        unread[username] += 1
    assert all(unread[username] for username, *_ in DEMO_USERS), dict(unread)
    assert Notification.objects.filter(read_at__isnull=False).exists()  # older ones were read


@pytest.mark.django_db
def test_the_sellers_homes_list_their_overdue_work_and_their_accounts(demo: datetime, client: Client) -> None:
    for username in ["rep", "manager"]:
        user = User.objects.get(username=username)
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert "Overdue (" in html
        latest = account_list(user=user).order_by("-updated_at", "id").first()
        assert latest is not None
        assert escape(latest.name) in html


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["marketer", "support"])
def test_marketing_and_support_open_onto_their_own_overdue_and_todays_tasks(
    demo: datetime, client: Client, username: str
) -> None:
    user = User.objects.get(username=username)
    client.force_login(user)

    html = client.get(reverse("home")).content.decode()

    overdue = Task.objects.filter(assignee=user, completed_at__isnull=True, due_at__lt=demo)
    assert overdue.exists()
    assert "Overdue (" in html
    for task in overdue:
        assert escape(task.title) in html


@pytest.mark.django_db
def test_the_background_sweeps_find_nothing_left_undone_after_seeding(demo: datetime) -> None:
    """Reminders, first-touch alerts, renewals and scores were written as the services write them, so
    the periodic jobs that would repair a missing one find none."""
    scores = dict(Lead.objects.values_list("pk", "score"))
    ready = set(Lead.objects.filter(sales_ready_at__isnull=False).values_list("pk", flat=True))
    notifications = Notification.objects.count()

    assert task_reminders_send_due(now=demo) == 0
    assert first_touch_alerts_send(now=demo) == 0
    assert renewals_create_due() == 0
    scores_reconcile()

    assert dict(Lead.objects.values_list("pk", "score")) == scores
    assert set(Lead.objects.filter(sales_ready_at__isnull=False).values_list("pk", flat=True)) == ready
    assert Notification.objects.count() == notifications


@pytest.mark.django_db
def test_every_timeline_row_is_on_the_account_page_it_belongs_to(demo: datetime) -> None:
    """The denormalised account of activities and events is what crm.timeline.rollup says for their record."""
    for model in (Activity, LifecycleEvent):
        rows: defaultdict[int, list[Activity | LifecycleEvent]] = defaultdict(list)
        for row in model.objects.all():
            rows[row.content_type_id].append(row)
        for content_type_id, on_type in rows.items():
            model_class = ContentType.objects.get_for_id(content_type_id).model_class()
            assert model_class is not None
            targets = model_class._default_manager.in_bulk({row.object_id for row in on_type})
            for row in on_type:
                assert row.account_id == rollup_account_id(targets[row.object_id]), row
