"""The lead list: bulk actions, keyset pages, sorting and saved views, as a person uses them."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.models import SavedView
from leads.models import Lead, LeadStatus
from tests.conftest import count_queries
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db
LEAD_LINK = re.compile(r'href="/leads/(\d+)/"')


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _lead_ids(response) -> list[int]:
    return [int(pk) for pk in LEAD_LINK.findall(response.content.decode())]


# Bulk actions


def test_bulk_assign_reports_the_changed_leads_and_each_refused_ones_reason(as_user, manager, rep, outsider):
    queued = LeadFactory(owner=None)
    reps_lead = LeadFactory(owner=rep)
    hidden = LeadFactory(owner=outsider, first_name="Secret", last_name="Person")

    response = as_user(manager).post(
        reverse("leads:bulk"),
        {"action": "assign", "owner": manager.pk, "lead": [queued.pk, reps_lead.pk, hidden.pk]},
    )

    assert response.status_code == 302
    messages = _messages(response)
    assert "Changed 2 leads." in messages
    assert f"1 lead not changed. lead #{hidden.pk}: not found" in messages
    assert "Secret" not in " ".join(messages)  # a lead the manager cannot see stays unnamed
    assert set(Lead.objects.filter(owner=manager).values_list("pk", flat=True)) == {queued.pk, reps_lead.pk}


def test_bulk_disqualifying_needs_a_reason_and_changes_nothing_without_one(as_user, rep):
    lead = LeadFactory(owner=rep)

    response = as_user(rep).post(
        reverse("leads:bulk"), {"action": "status", "status": "disqualified", "lead": lead.pk}
    )

    assert "Nothing was changed: Say why the leads are disqualified." in _messages(response)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_bulk_tagging_returns_to_the_same_filtered_list(as_user, rep):
    leads = LeadFactory.create_batch(2, owner=rep)
    back = reverse("leads:index") + "?status=new&ordering=-score"

    response = as_user(rep).post(
        reverse("leads:bulk"),
        {"action": "tag", "tag": "webinar", "lead": [lead.pk for lead in leads], "next": back},
    )

    assert response.url == back
    assert "Changed 2 leads." in _messages(response)
    assert all(lead.tags == ["webinar"] for lead in Lead.objects.all())


def test_bulk_delete_asks_for_confirmation_before_deleting(as_user, rep):
    leads = LeadFactory.create_batch(3, owner=rep)
    ids = [lead.pk for lead in leads]
    client = as_user(rep)

    confirm = client.post(reverse("leads:bulk"), {"action": "delete", "lead": ids})

    assert confirm.status_code == 200
    assert "Delete 3 leads?" in confirm.content.decode()
    assert Lead.objects.count() == 3

    done = client.post(reverse("leads:bulk"), {"action": "delete", "lead": ids, "confirm": "yes"})

    assert "Deleted 3 leads." in _messages(done)
    assert not Lead.objects.exists()


def test_a_marketers_bulk_bar_offers_only_tagging(as_user, marketer, rep):
    LeadFactory(owner=rep)

    html = as_user(marketer).get(reverse("leads:index")).content.decode()

    assert 'value="tag"' in html
    assert 'value="assign"' not in html
    assert 'value="delete"' not in html


# Keyset pages


def test_the_list_pages_forward_and_back_by_keyset_keeping_the_filters(as_user, rep):
    LeadFactory.create_batch(120, owner=rep, score=7, tags=["vip"])
    LeadFactory(owner=rep, score=7)  # filtered out by the tag
    client = as_user(rep)
    url = reverse("leads:index") + "?tag=vip&ordering=-score"

    pages, response = [], client.get(url)
    while True:
        pages.append(_lead_ids(response))
        html = response.content.decode()
        following = re.search(r'href="([^"]+)" rel="next"', html)
        if following is None:
            break
        query = parse_qs(urlsplit(following.group(1).replace("&amp;", "&")).query)
        assert (query["tag"], query["ordering"]) == (["vip"], ["-score"])
        response = client.get(reverse("leads:index") + following.group(1).replace("&amp;", "&"))
    previous = re.search(r'href="([^"]+)" rel="prev"', response.content.decode())
    assert previous is not None
    back = client.get(reverse("leads:index") + previous.group(1).replace("&amp;", "&"))

    assert [len(page) for page in pages] == [50, 50, 20]
    every = [pk for page in pages for pk in page]
    assert len(set(every)) == 120
    assert every == sorted(every, reverse=True)  # equal scores: the id breaks the tie
    assert _lead_ids(back) == pages[1]


def test_a_tampered_cursor_shows_the_first_page(as_user, rep):
    leads = LeadFactory.create_batch(3, owner=rep)

    response = as_user(rep).get(reverse("leads:index") + "?after=eyJvIjpbXX0&before=%%%")

    assert response.status_code == 200
    assert _lead_ids(response) == [lead.pk for lead in reversed(leads)]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("status", ["new", "working", "qualified", "disqualified"]),
        ("-status", ["disqualified", "qualified", "working", "new"]),
        ("owner", ["", "Ann Able", "Bob Baker", "Bob Baker"]),
    ],
)
def test_the_list_sorts_by_status_in_lifecycle_order_and_by_owner_name(
    as_user, admin_user, ordering, expected
):
    ann = UserFactory(first_name="Ann", last_name="Able")
    bob = UserFactory(first_name="Bob", last_name="Baker")
    for status, owner in [("qualified", bob), ("new", None), ("disqualified", bob), ("working", ann)]:
        LeadFactory(owner=owner, status=status, disqualified_reason="x" if status == "disqualified" else "")

    response = as_user(admin_user).get(reverse("leads:index"), {"ordering": ordering})

    leads = Lead.objects.in_bulk(_lead_ids(response))
    shown = [leads[pk] for pk in _lead_ids(response)]
    if ordering == "owner":
        assert [str(lead.owner or "") for lead in shown] == expected
    else:
        assert [lead.status for lead in shown] == expected


# Saved views


def test_saving_applying_and_deleting_a_view(as_user, rep):
    hot = LeadFactory(owner=rep, score=80)
    LeadFactory(owner=rep, score=10)
    client = as_user(rep)

    saved = client.post(
        reverse("saved-view-save", args=["leads"]),
        {"name": "Very hot", "query": "score_min=60&after=xyz&bogus=1"},
    )

    view = SavedView.objects.get(user=rep)
    assert (view.list, view.name, view.query) == ("leads", "Very hot", "score_min=60")
    assert saved.url == reverse("leads:index") + "?score_min=60"
    applied = client.get(saved.url)
    assert _lead_ids(applied) == [hot.pk]
    assert re.search(r'aria-current="page">\s*<i[^>]*></i>\s*Very hot', applied.content.decode())

    deleted = client.post(reverse("saved-view-delete", args=[view.pk]))

    assert deleted.url == reverse("leads:index")
    assert not SavedView.objects.exists()


def test_saving_a_view_under_a_name_in_use_says_so(as_user, rep):
    SavedView.objects.create(user=rep, list="leads", name="Mine", query="status=new")

    response = as_user(rep).post(
        reverse("saved-view-save", args=["leads"]), {"name": "mine", "query": "status=working"}
    )

    assert "You already have a view named “mine” on this list. Choose another name." in _messages(response)
    assert SavedView.objects.get().query == "status=new"


def test_another_users_view_cannot_be_deleted(as_user, rep, teammate):
    view = SavedView.objects.create(user=teammate, list="leads", name="Theirs", query="status=new")

    response = as_user(rep).post(reverse("saved-view-delete", args=[view.pk]))

    assert response.status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_the_built_in_unassigned_view_shows_the_queue(as_user, manager, rep):
    queued = LeadFactory(owner=None)
    LeadFactory(owner=rep)

    response = as_user(manager).get(reverse("leads:index") + "?owner=null")

    assert _lead_ids(response) == [queued.pk]
    assert re.search(r'href="/leads/\?owner=null"\s+aria-current="page"', response.content.decode())


def test_the_empty_list_says_how_leads_arrive(as_user, rep):
    html = as_user(rep).get(reverse("leads:index")).content.decode()

    assert "No leads yet." in html
    assert "web forms" in html
    assert reverse("leads:create") in html


# What the list reads


def test_the_lead_list_reads_only_what_its_rows_show(as_user, rep):
    LeadFactory(owner=rep, first_name="Ada", last_name="Lovelace", need="A demo", utm_source="google")

    with count_queries() as queries:
        response = as_user(rep).get(reverse("leads:index"))

    assert "Ada Lovelace" in response.content.decode()
    [page] = [q["sql"] for q in queries.captured_queries if '"leads_lead"."first_name"' in q["sql"]]
    assert '"need"' not in page
    assert '"utm_source"' not in page
    assert '"password"' not in page  # nor the owner's password hash, for the owner's name
