"""A record's change log names its fields and shows values as people read them, never stored values."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.customers.services import account_update
from crm.models import LifecycleStage, User
from sales.services.deals import deal_create, deal_move
from tests.factories import AccountFactory, PipelineFactory
from tests.factories.sales import stage

pytestmark = pytest.mark.django_db

CLOSED_AT = datetime(2026, 12, 7, 1, 52, 47, 633862, tzinfo=UTC)


def _changes_url(record) -> str:
    return reverse("timeline-changes", args=[record._meta.label_lower, record.pk])


def _changes(client, record) -> str:
    """The change history as the record's page shows it once the section is opened."""
    html = client.get(_changes_url(record), headers={"HX-Request": "true"}).content.decode()
    section = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())  # as seen: "Open → Won"


def test_a_deals_change_log_shows_labels_names_amounts_and_dates_in_the_readers_zone(as_user, rep):
    User.objects.filter(pk=rep.pk).update(time_zone="Asia/Tokyo")
    pipeline = PipelineFactory()
    account = AccountFactory(owner=rep, name="Globex")
    fields = {
        "name": "Platform",
        "account": account,
        "pipeline": pipeline,
        "amount": Decimal("18000"),
        "close_date": date(2027, 1, 16),
    }
    deal = deal_create(actor=rep, fields=fields)
    deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Won").pk, closed_at=CLOSED_AT)

    changes = _changes(as_user(rep), deal)

    assert "Closed: — → 7 Dec 2026, 10:52" in changes
    assert "Status: Open → Won" in changes
    assert "Account: Globex" in changes
    assert "Amount: 18,000.00" in changes
    assert "Expected close date: 16 Jan 2027" in changes
    assert "Type: New business" in changes
    for raw in ("2026-12-07", "+00:00", "new_business", "2027-01-16", "None"):
        assert raw not in changes


def test_an_account_change_log_shows_the_stage_label_and_a_dash_for_an_emptied_field(as_user, rep):
    account = AccountFactory(owner=rep, industry="Retail")
    account_update(
        actor=rep, account_id=account.pk, fields={"lifecycle_stage": LifecycleStage.CUSTOMER, "industry": ""}
    )

    changes = _changes(as_user(rep), account)

    assert "Lifecycle stage: Prospect → Customer" in changes
    assert "Industry: Retail → —" in changes


def test_a_record_page_opens_its_change_history_on_demand_and_links_it_for_no_script_readers(as_user, rep):
    account = AccountFactory(owner=rep, name="Globex")
    client = as_user(rep)

    page = client.get(account.get_absolute_url()).content.decode()
    history = client.get(_changes_url(account))

    assert f'hx-get="{_changes_url(account)}" hx-trigger="toggle once"' in page
    assert f'<a href="{_changes_url(account)}">Show the change history</a>' in page
    assert history.status_code == 200
    assert "<title>Changes to Globex" in history.content.decode()
    assert "Name: Globex" in " ".join(re.sub(r"<[^>]+>", " ", history.content.decode()).split())


def test_the_change_history_of_a_record_the_user_cannot_see_is_not_found(as_user, rep, teammate):
    someone_else = AccountFactory(owner=teammate)

    assert as_user(rep).get(_changes_url(someone_else), headers={"HX-Request": "true"}).status_code == 404
    assert as_user(rep).get(_changes_url(someone_else)).status_code == 404
