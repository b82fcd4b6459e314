"""The lead pages as people use them: who sees what, the forms and their refusals, bulk actions, saved
views, keyset pages, labels, and constant query counts at any data size."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from crm.models import Role, SavedView
from leads.models import Lead, LeadStatus
from leads.services.leads import lead_update
from tests.factories import ActivityFactory, LeadFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
CONTROL = re.compile(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*>')
CONTROL_ID = re.compile(r'\bid="([^"]+)"')
LEAD_LINK = re.compile(r'href="/leads/(\d+)/"')


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _lead_ids(response) -> list[int]:
    return [int(pk) for pk in LEAD_LINK.findall(response.content.decode())]


def _has_label(control: str, html: str) -> bool:
    control_id = CONTROL_ID.search(control)
    return "aria-label=" in control or (control_id is not None and f'for="{control_id.group(1)}"' in html)


def _edit_form(lead: Lead, **changes: object) -> dict[str, object]:
    """What the browser posts from the edit page: every field as it is, plus `changes`."""
    form = {
        name: getattr(lead, name)
        for name in ["first_name", "last_name", "email", "phone", "company", "title", "website", "industry"]
    }
    form |= {
        "country": lead.country,
        "authority": lead.authority,
        "need": lead.need,
        "timeline": lead.timeline,
        "source": lead.source,
        "utm_source": lead.utm_source,
        "utm_medium": lead.utm_medium,
        "utm_campaign": lead.utm_campaign,
        "utm_term": lead.utm_term,
        "utm_content": lead.utm_content,
        "tags": ", ".join(lead.tags),
        "owner": lead.owner_id or "",
    }
    return {name: "" if value is None else value for name, value in (form | changes).items()}


# Who sees which lead


def test_a_rep_sees_their_own_leads_and_the_unassigned_queue_but_not_another_reps(as_user, rep, outsider):
    mine = LeadFactory(owner=rep)
    queued = LeadFactory(owner=None)
    theirs = LeadFactory(owner=outsider)

    response = as_user(rep).get(reverse("leads:index"))

    assert response.status_code == 200
    assert set(_lead_ids(response)) == {mine.pk, queued.pk}
    assert theirs.pk not in _lead_ids(response)


@pytest.mark.parametrize(("name", "method"), [("detail", "get"), ("edit", "get"), ("status", "post")])
def test_another_reps_lead_is_not_found_on_its_pages(as_user, rep, outsider, name, method):
    lead = LeadFactory(owner=outsider)

    response = getattr(as_user(rep), method)(reverse(f"leads:{name}", args=[lead.pk]), {"status": "working"})

    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_a_rep_picks_a_lead_from_the_queue_with_assign_to_me(as_user, rep):
    lead = LeadFactory(owner=None)
    client = as_user(rep)
    assert "Assign to me" in client.get(lead.get_absolute_url()).content.decode()

    response = client.post(reverse("leads:edit", args=[lead.pk]), {"assign": "me"}, follow=True)

    lead.refresh_from_db()
    assert lead.owner == rep
    assert f"You own {lead} now." in _messages(response)
    assert "Assign to me" not in response.content.decode()


# Editing, and what a marketer may change


def test_a_marketer_changes_the_utm_campaign_of_a_reps_lead(as_user, marketer, rep):
    lead = LeadFactory(owner=rep, company="Initech")

    response = as_user(marketer).post(
        reverse("leads:edit", args=[lead.pk]), _edit_form(lead, utm_campaign="spring-launch")
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.utm_campaign == "spring-launch"
    assert lead.company == "Initech"


def test_a_marketers_edit_form_shows_the_other_fields_disabled(as_user, marketer, rep):
    lead = LeadFactory(owner=rep)

    html = as_user(marketer).get(reverse("leads:edit", args=[lead.pk])).content.decode()

    assert re.search(r'<input[^>]*name="company"[^>]*disabled', html)
    assert not re.search(r'<input[^>]*name="utm_campaign"[^>]*disabled', html)


def test_a_marketer_posting_a_new_company_is_refused_and_nothing_changes(as_user, marketer, rep):
    lead = LeadFactory(owner=rep, company="Initech")

    response = as_user(marketer).post(
        reverse("leads:edit", args=[lead.pk]), _edit_form(lead, company="Evil Corp", utm_campaign="x")
    )

    assert response.status_code == 200
    assert "Your role cannot change this field." in response.content.decode()
    lead.refresh_from_db()
    assert (lead.company, lead.utm_campaign) == ("Initech", "")


def test_a_marketer_can_neither_create_nor_delete_leads(as_user, marketer, rep):
    lead = LeadFactory(owner=rep)
    client = as_user(marketer)

    assert client.get(reverse("leads:create")).status_code == 403
    assert client.get(reverse("leads:delete", args=[lead.pk])).status_code == 403
    assert client.post(reverse("leads:delete", args=[lead.pk])).status_code == 403
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_creating_a_lead_splits_its_tags_and_lands_on_its_page(as_user, rep):
    form = {"first_name": "Ada", "company": "Analytical", "tags": " vip, q3 ,,vip ", "owner": rep.pk}
    form |= {"source": "referral", "authority": "unknown", "timeline": "unknown"}

    response = as_user(rep).post(reverse("leads:create"), form, follow=True)

    lead = Lead.objects.get(company="Analytical")
    assert response.redirect_chain[-1][0] == lead.get_absolute_url()
    assert (lead.tags, lead.owner, lead.source) == (["vip", "q3"], rep, "referral")


def test_a_lead_without_a_name_email_or_company_is_refused_on_the_form(as_user, rep):
    form = {
        "title": "CTO",
        "owner": rep.pk,
        "source": "manual",
        "authority": "unknown",
        "timeline": "unknown",
    }

    response = as_user(rep).post(reverse("leads:create"), form)

    assert response.status_code == 200
    assert "A lead needs at least a name, an email address or a company." in response.content.decode()
    assert not Lead.objects.exists()


def test_the_inline_edit_swaps_the_details_for_a_form_and_back(as_user, rep):
    lead = LeadFactory(owner=rep, company="Initech")
    client = as_user(rep)
    url = reverse("leads:edit", args=[lead.pk])

    form_html = client.get(url, **HTMX).content.decode()
    saved_html = client.post(url, _edit_form(lead, company="Initrode"), **HTMX).content.decode()

    assert "<html" not in form_html
    assert 'id="lead-details"' in form_html
    assert 'hx-post="' + url in form_html
    assert "<html" not in saved_html
    assert "Saved the details." in saved_html
    assert "Initrode" in saved_html
    assert 'id="lead-header"' in saved_html
    assert 'hx-swap-oob="true"' in saved_html
    lead.refresh_from_db()
    assert lead.company == "Initrode"


def test_a_converted_lead_is_read_only_with_a_note(as_user, admin_user):
    lead = LeadFactory(owner=admin_user)
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.CONVERTED, converted_at=timezone.now())
    client = as_user(admin_user)

    html = client.get(lead.get_absolute_url()).content.decode()
    response = client.get(reverse("leads:edit", args=[lead.pk]))

    assert "A converted lead is kept as it was" in html
    assert reverse("leads:status", args=[lead.pk]) not in html
    assert reverse("leads:delete", args=[lead.pk]) not in html
    assert response.status_code == 302


# Status changes


def test_the_status_select_offers_only_the_allowed_next_statuses(as_user, rep):
    lead = LeadFactory(owner=rep)
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.NURTURING)

    html = as_user(rep).get(lead.get_absolute_url()).content.decode()

    select = re.search(r'<select name="status".*?</select>', html, re.S)
    assert select is not None
    assert re.findall(r'value="(\w+)"', select.group()) == ["working", "qualified", "disqualified"]


def test_disqualifying_without_a_reason_shows_the_error_and_changes_nothing(as_user, rep):
    lead = LeadFactory(owner=rep)

    response = as_user(rep).post(reverse("leads:status", args=[lead.pk]), {"status": "disqualified"})

    assert response.status_code == 200
    assert "Say why the lead is disqualified." in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_disqualifying_with_a_reason_changes_the_status_and_shows_the_reason(as_user, rep):
    lead = LeadFactory(owner=rep)

    response = as_user(rep).post(
        reverse("leads:status", args=[lead.pk]),
        {"status": "disqualified", "reason": "No budget"},
        follow=True,
    )

    lead.refresh_from_db()
    assert (lead.status, lead.disqualified_reason) == (LeadStatus.DISQUALIFIED, "No budget")
    assert "No budget" in response.content.decode()


def test_a_refused_transition_shows_the_services_message(as_user, rep):
    lead = LeadFactory(owner=rep)

    response = as_user(rep).post(reverse("leads:status", args=[lead.pk]), {"status": "converted"})

    assert "A lead becomes converted only by converting it." in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


# Labels


@pytest.mark.parametrize("screen", ["list", "detail", "create", "edit", "marketer-edit", "list-empty"])
def test_every_form_control_has_a_label(as_user, rep, marketer, screen):
    lead = LeadFactory(owner=rep) if screen != "list-empty" else None
    urls = {
        "list": reverse("leads:index"),
        "list-empty": reverse("leads:index"),
        "create": reverse("leads:create"),
        "detail": lead and lead.get_absolute_url(),
        "edit": lead and reverse("leads:edit", args=[lead.pk]),
        "marketer-edit": lead and reverse("leads:edit", args=[lead.pk]),
    }

    html = as_user(marketer if screen == "marketer-edit" else rep).get(urls[screen]).content.decode()

    controls = CONTROL.findall(html)
    assert controls
    assert [control for control in controls if not _has_label(control, html)] == []
    ids = CONTROL_ID.findall(html)
    assert len(ids) == len(set(ids))  # two forms on one page never share an id


# Query counts


def _grow_leads(user, count=49):
    def grow() -> None:
        for index in range(count):
            LeadFactory(
                owner=user if index % 2 else None,
                company=f"Acme {index}",
                tags=["vip"],
                score=index,
                team=user.team if index % 3 == 0 else None,
            )

    return grow


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_MANAGER, Role.MARKETER, Role.ADMIN])
@pytest.mark.parametrize(
    "query",
    ["", "?status=new&ordering=-score", "?owner=null&ordering=owner", "?q=acme&tag=vip&ordering=status"],
)
def test_the_list_costs_the_same_queries_at_1_and_at_50_rows(
    as_user, assert_same_query_count, team, role, query
):
    user = UserFactory(role=role, team=team)
    SavedView.objects.create(user=user, list="leads", name="Mine", query="status=new")
    LeadFactory(owner=None, company="Acme", tags=["vip"])
    client = as_user(user)

    assert_same_query_count(lambda: client.get(reverse("leads:index") + query), grow=_grow_leads(user))


def test_a_lead_page_costs_the_same_queries_with_a_long_timeline_and_history(
    as_user, assert_same_query_count, manager, rep
):
    lead = LeadFactory(owner=rep)
    ActivityFactory(target=lead, author=rep)
    TaskFactory(assignee=rep, target=lead)
    client = as_user(manager)

    def grow() -> None:
        ActivityFactory.create_batch(30, target=lead, author=UserFactory())
        for _ in range(20):
            TaskFactory(assignee=UserFactory(team=rep.team), target=lead)
        for index in range(10):
            owner = UserFactory(team=rep.team)
            lead_update(actor=manager, lead_id=lead.pk, fields={"owner": owner, "company": f"Co {index}"})

    assert_same_query_count(lambda: client.get(lead.get_absolute_url()), grow=grow)


# In the browser


def test_a_lead_from_another_system_shows_its_external_id(as_user, rep):
    lead = LeadFactory(owner=rep, external_source="salesforce", external_id="00Q1")

    page = as_user(rep).get(lead.get_absolute_url()).content.decode()

    assert re.search(r"External id</dt><dd>00Q1 <span[^>]*>in salesforce", page)
