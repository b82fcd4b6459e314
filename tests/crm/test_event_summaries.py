"""Timelines read as people speak: choice labels, not stored values; dates in the reader's time zone."""

import re
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from crm.customers.services import account_update, contact_update
from crm.models import ConsentStatus, LifecycleStage, User
from crm.templatetags.crm_ui import event_summary
from crm.timeline.events import event_record
from leads.assignment.events import LEAD_FIRST_TOUCH, LEAD_FIRST_TOUCH_OVERDUE
from leads.models import LeadSource, LeadStatus
from leads.services.leads import lead_change_status, lead_create
from sales.events import RENEWAL_CREATED
from sales.services.deals import deal_create
from tests.factories import AccountFactory, ContactFactory, PipelineFactory

pytestmark = pytest.mark.django_db


def _timeline(response) -> str:
    html = response.content.decode()
    timeline = html[html.index('aria-label="Timeline, newest first"') :]
    return " ".join(re.sub(r"</?(?:time|span|a|i)\b[^>]*>", "", timeline).split())


def test_a_lead_timeline_shows_the_source_and_status_labels_not_the_stored_values(as_user, rep):
    lead = lead_create(
        actor=rep, fields={"first_name": "Li", "last_name": "Wei", "source": LeadSource.WEB_FORM}
    )
    lead_change_status(actor=rep, lead_id=lead.pk, status=LeadStatus.WORKING)
    lead_change_status(actor=rep, lead_id=lead.pk, status=LeadStatus.DISQUALIFIED, reason="No budget")

    timeline = _timeline(as_user(rep).get(lead.get_absolute_url()))

    assert "Lead created · Source: Web form" in timeline
    assert "Lead status changed · New → Working" in timeline
    assert "Lead disqualified · Working → Disqualified; Reason: No budget" in timeline
    assert "web_form" not in timeline
    assert "new → working" not in timeline


def test_an_account_timeline_shows_deal_types_amounts_and_stages_as_labels(as_user, rep):
    account = AccountFactory(owner=rep, name="Globex")
    fields = {
        "name": "Platform",
        "account": account,
        "amount": Decimal("18000"),
        "pipeline": PipelineFactory(),
    }
    deal_create(actor=rep, fields=fields)
    account_update(actor=rep, account_id=account.pk, fields={"lifecycle_stage": LifecycleStage.CUSTOMER})

    timeline = _timeline(as_user(rep).get(account.get_absolute_url()))

    assert "Type: New business" in timeline
    assert "Amount: 18,000.00" in timeline
    assert "Lifecycle stage changed · Prospect → Customer" in timeline
    assert "new_business" not in timeline
    assert "prospect →" not in timeline


def test_a_contact_timeline_names_the_consent_and_its_statuses(as_user, rep):
    contact = ContactFactory(owner=rep, email_consent=ConsentStatus.UNKNOWN)
    contact_update(actor=rep, contact_id=contact.pk, fields={"email_consent": ConsentStatus.GRANTED})

    timeline = _timeline(as_user(rep).get(contact.get_absolute_url()))

    assert "Email consent: Not asked → Granted" in timeline


def test_first_touch_and_renewal_events_show_dates_for_people_in_the_readers_zone(as_user, rep):
    User.objects.filter(pk=rep.pk).update(time_zone="Asia/Tokyo")
    lead = lead_create(actor=rep, fields={"first_name": "Li", "last_name": "Wei"})
    due = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
    event_record(
        actor=None,
        target=lead,
        type=LEAD_FIRST_TOUCH_OVERDUE,
        data={"owner": str(rep), "due_at": due.isoformat()},
    )
    event_record(
        actor=rep,
        target=lead,
        type=LEAD_FIRST_TOUCH,
        data={"activity_id": 1, "kind": "call", "on_time": False},
    )
    account = AccountFactory(owner=rep)
    event_record(
        actor=None, target=account, type=RENEWAL_CREATED, data={"renews_id": 1, "contract_end": "2027-01-31"}
    )

    lead_timeline = _timeline(as_user(rep).get(lead.get_absolute_url()))
    account_timeline = _timeline(as_user(rep).get(account.get_absolute_url()))

    assert f"Lead not touched in time · Owner: {rep}; Due: 7 Dec 2026, 10:30" in lead_timeline
    assert "Lead first touched · By: Call; On time: No" in lead_timeline
    assert "+00:00" not in lead_timeline
    assert "Renewal created · Contract ends: 31 Jan 2027" in account_timeline


def test_an_event_type_nobody_declared_reads_its_keys_as_words_without_ids():
    engagement = SimpleNamespace(
        type="page_visited", data={"page_id": 7, "url": "/pricing", "returning": True, "utm_source": None}
    )

    assert event_summary(engagement) == "Url: /pricing; Returning: Yes"
