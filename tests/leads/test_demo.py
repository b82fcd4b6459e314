"""`make run`'s demo leads: a year of capture in every status and from every source, queues with work
in them, and scores that are the scoring engine's own."""

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from crm.demo.people import SELLERS
from crm.models import LifecycleEvent, Notification, NotificationKind, User
from leads.models import Lead, LeadSettings, LeadSource, LeadStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def test_there_are_a_few_hundred_leads_in_every_status_and_from_every_source() -> None:
    assert 300 <= Lead.objects.count() <= 400
    assert set(Lead.objects.values_list("status", flat=True)) == set(LeadStatus.values)
    assert set(Lead.objects.values_list("source", flat=True)) == set(LeadSource.values)
    assert Lead.objects.exclude(tags=[]).count() > 50
    assert Lead.objects.exclude(utm_campaign="").count() > 50


def test_leads_wait_in_the_default_queue_and_each_teams_queue_and_every_seller_has_some() -> None:
    queued = Lead.objects.filter(owner__isnull=True)
    assert queued.filter(team__isnull=True).count() >= 5
    for team in ("East", "West"):
        assert queued.filter(team__name=team).exists(), team
    for username in SELLERS:
        assert Lead.objects.filter(owner__username=username).count() >= 20, username
    assert not queued.exclude(status=LeadStatus.NEW).exists()  # nobody works a queued lead


def test_the_managers_lead_list_shows_the_newest_leads_with_their_owners(client: Client) -> None:
    client.force_login(User.objects.get(username="manager"))

    html = client.get(reverse("leads:index")).content.decode()

    newest = Lead.objects.order_by("-created_at", "-id").first()
    assert newest is not None
    assert escape(newest.display_name) in html
    assert "East queue" in html or "Unassigned" in html


def test_each_score_is_the_sum_of_its_rules_and_the_sales_ready_badge_follows_the_threshold() -> None:
    threshold = LeadSettings.current().sales_ready_score
    for lead in Lead.objects.annotate(points=Sum("score_items__points")):
        assert lead.score == (lead.points or 0), lead
    ready = Lead.objects.filter(sales_ready_at__isnull=False)
    assert ready.count() >= 20
    assert not ready.filter(score__lt=threshold).exists()
    closed = [LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED]
    assert not Lead.objects.filter(score__gte=threshold, sales_ready_at__isnull=True).exclude(
        status__in=closed
    )
    assert Lead.objects.filter(score__lt=threshold).exclude(status__in=closed).count() > 100
    assert LifecycleEvent.objects.filter(type="lead.sales_ready").count() >= ready.count()


def test_a_sales_ready_leads_page_explains_its_score(client: Client) -> None:
    lead = Lead.objects.filter(sales_ready_at__isnull=False, owner__username="rep").order_by("-score").first()
    assert lead is not None
    client.force_login(User.objects.get(username="rep"))

    html = client.get(lead.get_absolute_url()).content.decode()

    assert "Sales-ready since" in html
    for rule, points in lead.score_items.values_list("rule__name", "points"):
        assert escape(rule) in html
        assert f"{points:+d}" in html


def test_converted_leads_became_a_contact_at_their_account_and_a_deal() -> None:
    converted = Lead.objects.filter(status=LeadStatus.CONVERTED).select_related("converted_contact")
    assert converted.count() >= 5
    for lead in converted:
        assert lead.converted_contact is not None
        assert lead.converted_contact.account_id == lead.converted_account_id
        assert lead.deal.account_id == lead.converted_account_id
        assert LifecycleEvent.objects.filter(type="lead.converted", object_id=lead.pk).exists()


def test_first_touch_timers_run_on_new_leads_and_a_missed_one_alerted_the_manager() -> None:
    now = timezone.now()
    untouched = Lead.objects.filter(owner__isnull=False, first_touched_at__isnull=True)
    assert untouched.filter(first_touch_due_at__gt=now).exists()
    missed = untouched.filter(first_touch_due_at__lte=now, first_touch_alerted_at__isnull=False)
    assert missed.exists()
    alerts = Notification.objects.filter(kind=NotificationKind.FIRST_TOUCH_OVERDUE, read_at__isnull=True)
    assert alerts.filter(recipient__role="sales_manager").exists()
    assert not untouched.filter(first_touch_due_at__lte=now, first_touch_alerted_at__isnull=True).exists()
