"""The "Possible duplicates" panel and the merge screen, as a user meets them."""

import re

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import Activity, Task
from leads.dedupe.checking import duplicates_reconcile
from leads.dedupe.selectors import duplicate_panel_context
from leads.models import Lead, LeadMerge, LeadStatus
from leads.services.leads import lead_create, lead_update
from tests.factories import ActivityFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db

CONTROL = re.compile(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*>')
CONTROL_ID = re.compile(r'\bid="([^"]+)"')


@pytest.fixture
def as_user(client: Client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


def _lead(actor, **fields) -> Lead:
    return lead_create(actor=actor, fields=fields)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _merge_url(kept: Lead, merged: Lead) -> str:
    return reverse("leads:dedupe-merge", args=[kept.pk, merged.pk])


def _panel(user, lead: Lead) -> str:
    lead = Lead.objects.select_related("owner", "team").get(pk=lead.pk)  # as the page loads it
    return render_to_string(
        "leads/dedupe/_panel.html", {"lead": lead, **duplicate_panel_context(user=user, lead=lead)}
    )


@pytest.fixture
def pair(rep):
    kept = _lead(rep, first_name="John", last_name="Smith", company="Acme Inc", email="john@acme.example")
    merged = _lead(
        rep, first_name="Jon", last_name="Smith", company="Acme Inc", email="JOHN@acme.example", title="CTO"
    )
    ActivityFactory.create_batch(2, target=merged, author=rep)
    TaskFactory(target=merged, assignee=rep)
    duplicates_reconcile()  # as the worker does after they are created
    return kept, merged


def _state() -> tuple[object, ...]:
    return (
        list(Lead.objects.order_by("pk").values_list("pk", "first_name", "title")),
        list(Activity.objects.order_by("pk").values_list("pk", "object_id")),
        list(Task.objects.order_by("pk").values_list("pk", "object_id")),
        LeadMerge.objects.count(),
    )


# The panel


def test_the_panel_lists_each_duplicate_with_its_reasons_and_a_compare_link(rep, pair):
    kept, merged = pair
    contact = ContactFactory(first_name="Johnny", last_name="Smith", email="john@ACME.example", owner=rep)

    html = _panel(rep, kept)

    assert "Possible duplicates" in html
    assert f'href="{merged.get_absolute_url()}"' in html
    assert "Same email, similar name and company (0.8" in html
    assert f'href="{_merge_url(kept, merged)}"' in html
    assert "Compare and merge" in html
    assert "Existing contact" in html
    assert f'href="{contact.get_absolute_url()}"' in html
    assert "No likely duplicates" not in html


def test_the_panel_says_so_when_there_are_no_likely_duplicates(rep):
    lead = _lead(rep, first_name="Maria", last_name="Garcia", company="Globex", email="maria@globex.example")
    _lead(rep, first_name="Jon", last_name="Smith", company="Acme Inc", email="jon@acme.example")
    duplicates_reconcile()

    html = _panel(rep, lead)

    assert "No likely duplicates." in html
    assert "Compare and merge" not in html


def test_the_panel_offers_no_merge_to_a_marketer(rep, marketer, pair):
    kept, merged = pair

    html = _panel(marketer, kept)

    assert f'href="{merged.get_absolute_url()}"' in html
    assert "Compare and merge" not in html


def test_the_panel_costs_the_same_queries_however_many_duplicates(rep, pair, assert_same_query_count):
    kept, _ = pair

    def grow() -> None:
        for index in range(12):
            _lead(
                rep, first_name="John", last_name="Smith", company="Acme Inc", email=f"j{index}@acme.example"
            )
        ContactFactory.create_batch(4, email="john@acme.example", owner=rep)
        duplicates_reconcile()

    assert_same_query_count(lambda: _panel(rep, kept), grow=grow)


# The merge screen


def test_the_merge_screen_shows_the_differing_fields_side_by_side(as_user, rep, pair):
    kept, merged = pair

    response = as_user(rep).get(_merge_url(kept, merged))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<input[^>]*name="first_name"[^>]*value="kept"[^>]*checked', html)
    assert re.search(r'<input[^>]*name="title"[^>]*value="merged"[^>]*checked', html)  # kept has none
    assert re.search(r'<input[^>]*name="email"[^>]*value="kept"[^>]*checked', html)
    assert 'name="last_name"' not in html  # the same in both: nothing to pick
    assert "2 activities, 1 task" in html
    controls = CONTROL.findall(html)
    labelled = [c for c in controls if (m := CONTROL_ID.search(c)) and f'for="{m.group(1)}"' in html]
    assert controls == labelled
    ids = CONTROL_ID.findall(html)
    assert len(ids) == len(set(ids))


def test_merging_from_the_screen_keeps_the_picks_and_the_merged_lead_is_gone(as_user, rep, pair):
    kept, merged = pair
    client = as_user(rep)

    response = client.post(
        _merge_url(kept, merged), {"first_name": "merged", "email": "kept", "title": "merged"}
    )

    assert response.status_code == 302
    assert response.url == kept.get_absolute_url()
    assert _messages(response) == ["Merged Jon Smith into John Smith."]
    kept.refresh_from_db()
    assert (kept.first_name, kept.email, kept.title) == ("Jon", "john@acme.example", "CTO")
    assert kept.activities.count() == 2
    assert kept.tasks.count() == 1
    assert client.get(merged.get_absolute_url()).status_code == 404
    assert client.get(_merge_url(kept, merged)).status_code == 404


def test_the_merge_screen_is_not_found_for_a_lead_the_user_cannot_see(as_user, rep, outsider, pair):
    kept, _ = pair
    theirs = _lead(outsider, first_name="John", last_name="Smith", email="john@acme.example")
    before = _state()
    client = as_user(rep)

    assert client.get(_merge_url(kept, theirs)).status_code == 404
    assert client.post(_merge_url(theirs, kept), {}).status_code == 404
    assert _state() == before


def test_the_merge_screen_is_forbidden_to_a_marketer_who_sees_both(as_user, marketer, pair):
    kept, merged = pair
    before = _state()
    client = as_user(marketer)

    assert client.get(_merge_url(kept, merged)).status_code == 403
    assert client.post(_merge_url(kept, merged), {"first_name": "merged"}).status_code == 403
    assert _state() == before


def test_merging_a_lead_with_itself_is_refused_with_a_message(as_user, rep, pair):
    kept, _ = pair
    before = _state()

    response = as_user(rep).post(_merge_url(kept, kept), {})

    assert response.url == kept.get_absolute_url()
    assert _messages(response) == ["A lead cannot be merged with itself; pick another lead."]
    assert _state() == before


def test_a_converted_lead_is_refused_with_a_message(as_user, rep, pair):
    kept, merged = pair
    Lead.objects.filter(pk=merged.pk).update(status=LeadStatus.CONVERTED, converted_at=timezone.now())
    before = _state()

    response = as_user(rep).post(_merge_url(kept, merged), {"first_name": "merged"})

    assert response.url == kept.get_absolute_url()
    assert _messages(response) == [
        "Jon Smith is converted: a converted lead is kept as it was, so it cannot be merged."
    ]
    assert _state() == before


def test_a_merge_the_rules_refuse_is_explained_on_the_screen(as_user, rep, pair):
    kept, merged = pair
    lead_update(
        actor=rep, lead_id=kept.pk, fields={"status": LeadStatus.DISQUALIFIED, "disqualified_reason": "x"}
    )
    lead_update(actor=rep, lead_id=merged.pk, fields={"status": LeadStatus.QUALIFIED})
    before = _state()

    response = as_user(rep).post(
        _merge_url(kept, merged),
        {"first_name": "merged", "email": "kept", "title": "merged", "status": "merged"},
    )

    assert response.status_code == 200
    assert "A disqualified lead cannot move to qualified." in response.content.decode()
    assert _state() == before


def test_the_merge_screen_costs_the_same_queries_however_much_the_leads_hold(
    as_user, rep, pair, assert_same_query_count
):
    kept, merged = pair
    client = as_user(rep)

    def grow() -> None:
        ActivityFactory.create_batch(10, target=merged, author=rep)
        TaskFactory.create_batch(5, target=merged, assignee=rep)
        TaskFactory.create_batch(5, target=kept, assignee=rep)
        for title in ["VP", "CEO", "COO"]:
            lead_update(actor=rep, lead_id=merged.pk, fields={"title": title})

    assert_same_query_count(lambda: client.get(_merge_url(kept, merged)), grow=grow)
