"""Saved views on every list that has them (leads, deals, accounts, contacts), as a person uses them: save
the filters under a name, find the view in the sidebar, open it, delete it; and the built-in views."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import SavedView, User
from leads.models import LeadStatus
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory, PipelineFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class SavedList:
    key: str
    url_name: str
    make: Callable[[User, str], object]  # a row of the list the user sees, named with the given word


LISTS = [
    SavedList("leads", "leads:index", lambda owner, word: LeadFactory(owner=owner, company=f"{word} Labs")),
    SavedList(
        "deals", "sales:deal-list", lambda owner, word: DealFactory(owner=owner, name=f"{word} renewal")
    ),
    SavedList(
        "accounts", "account-list", lambda owner, word: AccountFactory(owner=owner, name=f"{word} Ltd")
    ),
    SavedList("contacts", "contact-list", lambda owner, word: ContactFactory(owner=owner, last_name=word)),
]
BY_KEY = pytest.mark.parametrize("saved_list", LISTS, ids=[saved_list.key for saved_list in LISTS])


def _views_card(page: str) -> str:
    return page[page.index('id="views-heading"') : page.index("Save this view as")]


def _view_names(page: str) -> list[str]:
    """The names in the sidebar's Views card, in order."""
    return [" ".join(name.split()) for name in re.findall(r"</i>\s*([^<]+?)\s*</a>", _views_card(page))]


def _current_view(page: str) -> str | None:
    found = re.search(r'aria-current="page">\s*<i[^>]*></i>\s*([^<]+?)\s*</a>', _views_card(page))
    return found.group(1) if found else None


@BY_KEY
def test_saving_the_filters_shows_the_view_in_the_sidebar_and_opening_it_filters_the_list(
    as_user, rep, saved_list
):
    saved_list.make(rep, "Zephyr")
    saved_list.make(rep, "Quokka")
    client = as_user(rep)
    list_url = reverse(saved_list.url_name)

    saved = client.post(
        reverse("saved-view-save", args=[saved_list.key]),
        {"name": "Zephyr only", "query": "q=zephyr&after=x"},
    )

    assert saved.url == f"{list_url}?q=zephyr"
    assert "Zephyr only" in _view_names(client.get(list_url).content.decode())
    opened = client.get(saved.url).content.decode()
    assert _current_view(opened) == "Zephyr only"
    assert "Zephyr" in opened.replace("Zephyr only", "")
    assert "Quokka" not in opened


@BY_KEY
def test_deleting_a_view_removes_it_from_the_sidebar(as_user, rep, saved_list):
    view = SavedView.objects.create(user=rep, list=saved_list.key, name="Zephyr only", query="q=zephyr")
    client = as_user(rep)
    list_url = reverse(saved_list.url_name)

    deleted = client.post(reverse("saved-view-delete", args=[view.pk]), {"next": f"{list_url}?q=zephyr"})

    assert deleted.url == f"{list_url}?q=zephyr"
    assert "Zephyr only" not in _view_names(client.get(list_url).content.decode())


@BY_KEY
def test_a_name_already_used_on_the_list_is_refused_on_the_name_field(as_user, rep, saved_list):
    SavedView.objects.create(user=rep, list=saved_list.key, name="Mine", query="q=zephyr")

    response = as_user(rep).post(
        reverse("saved-view-save", args=[saved_list.key]),
        {"name": "mine", "query": "q=quokka"},
        headers={"HX-Request": "true"},
    )

    form = response.content.decode()
    assert 'class="form-control is-invalid"' in form
    assert 'aria-describedby="view_name_error"' in form
    assert re.search(r'id="view_name_error">\s*You already have a view named “mine” on this list', form)
    assert 'value="mine"' in form
    assert SavedView.objects.get().query == "q=zephyr"


def test_the_same_name_may_be_used_on_another_list(as_user, rep):
    SavedView.objects.create(user=rep, list="deals", name="Mine", query="q=zephyr")

    saved = as_user(rep).post(
        reverse("saved-view-save", args=["accounts"]),
        {"name": "Mine", "query": "q=zephyr"},
        headers={"HX-Request": "true"},
    )

    assert saved.headers["HX-Redirect"] == reverse("account-list") + "?q=zephyr"
    assert sorted(SavedView.objects.values_list("list", flat=True)) == ["accounts", "deals"]


@BY_KEY
def test_another_users_view_is_neither_shown_nor_deletable(as_user, rep, teammate, saved_list):
    view = SavedView.objects.create(user=teammate, list=saved_list.key, name="Theirs", query="q=zephyr")
    client = as_user(rep)

    page = client.get(reverse(saved_list.url_name)).content.decode()
    deleted = client.post(reverse("saved-view-delete", args=[view.pk]))

    assert "Theirs" not in _view_names(page)
    assert deleted.status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_a_view_saved_on_one_list_is_not_shown_on_another(as_user, rep):
    SavedView.objects.create(user=rep, list="deals", name="Big deals", query="amount_min=10000")

    page = as_user(rep).get(reverse("account-list")).content.decode()

    assert "Big deals" not in _view_names(page)


def test_saving_a_view_of_a_list_that_does_not_exist_is_not_found(as_user, rep):
    response = as_user(rep).post(reverse("saved-view-save", args=["bogus"]), {"name": "Mine", "query": ""})

    assert response.status_code == 404
    assert not SavedView.objects.exists()


@pytest.mark.parametrize(
    ("url_name", "names"),
    [
        ("leads:index", ["All leads", "My new leads", "Hot leads", "Unassigned"]),
        ("sales:deal-list", ["All deals", "My open deals", "Closing this month", "Won this quarter"]),
        ("account-list", ["All accounts", "My accounts"]),
        ("contact-list", ["All contacts", "My contacts"]),
    ],
)
def test_every_list_offers_its_built_in_views_and_the_unfiltered_one_is_current(
    as_user, rep, url_name, names
):
    page = as_user(rep).get(reverse(url_name)).content.decode()

    assert _view_names(page) == names
    assert _current_view(page) == names[0]


def test_a_marketer_who_owns_no_deals_is_not_offered_my_open_deals(as_user, marketer):
    page = as_user(marketer).get(reverse("sales:deal-list")).content.decode()

    assert _view_names(page) == ["All deals", "Closing this month", "Won this quarter"]


def _open_built_in_view(client: Client, url_name: str, name: str) -> str:
    page = client.get(reverse(url_name)).content.decode()
    href = re.search(rf'href="([^"]+)"[^>]*>\s*<i[^>]*></i>\s*{name}\s*</a>', page)
    assert href is not None
    return client.get(href.group(1).replace("&amp;", "&")).content.decode()


def test_the_deal_lists_built_in_views_show_the_deals_they_name(as_user, manager, rep):
    pipeline = PipelineFactory()
    today = timezone.localdate()
    won = pipeline.stages.get(name="Won")
    DealFactory(owner=rep, pipeline=pipeline, name="Mine open", close_date=today + timedelta(days=200))
    DealFactory(
        owner=manager, pipeline=pipeline, name="Theirs closing", close_date=date(today.year, today.month, 1)
    )
    DealFactory(owner=rep, pipeline=pipeline, stage=won, name="Mine won", close_date=today)
    client = as_user(rep)

    mine = _open_built_in_view(client, "sales:deal-list", "My open deals")
    closing = _open_built_in_view(as_user(manager), "sales:deal-list", "Closing this month")
    won_now = _open_built_in_view(as_user(manager), "sales:deal-list", "Won this quarter")

    assert ("Mine open" in mine, "Mine won" in mine) == (True, False)
    assert ("Theirs closing" in closing, "Mine open" in closing) == (True, False)
    assert ("Mine won" in won_now, "Mine open" in won_now) == (True, False)


@pytest.mark.parametrize(
    ("url_name", "name", "make"),
    [
        ("account-list", "My accounts", lambda owner, word: AccountFactory(owner=owner, name=f"{word} Ltd")),
        ("contact-list", "My contacts", lambda owner, word: ContactFactory(owner=owner, last_name=word)),
    ],
)
def test_my_accounts_and_my_contacts_show_only_the_users_own(as_user, manager, rep, url_name, name, make):
    make(manager, "Zephyr")
    make(rep, "Quokka")

    mine = _open_built_in_view(as_user(manager), url_name, name)

    assert "Zephyr" in mine
    assert "Quokka" not in mine


def test_the_lead_lists_my_new_leads_view_is_the_users_new_leads(as_user, rep, teammate):
    LeadFactory(owner=rep, company="Zephyr Labs", status=LeadStatus.NEW)
    LeadFactory(owner=teammate, company="Quokka Labs", status=LeadStatus.NEW)

    mine = _open_built_in_view(as_user(rep), "leads:index", "My new leads")

    assert ("Zephyr" in mine, "Quokka" in mine) == (True, False)
