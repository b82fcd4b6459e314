"""The menu and the home pages offer what exists, and only that; each app registers its own entry."""

import re

import pytest
from django.urls import reverse

from crm.home import navigation
from crm.home.navigation import NavItem, navigation_for, register_nav_item
from crm.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOT_BUILT = ["Orders", "Tickets", "Campaigns", "Reports"]
NAV = re.compile(r'<nav[^>]*aria-label="Main".*?</nav>', re.DOTALL)
LINK_TEXT = re.compile(r'<a class="nav-link[^"]*"[^>]*>\s*<i[^>]*></i>\s*([^<]+?)\s*</a>')


def _menu(client) -> list[str]:
    html = client.get(reverse("home")).content.decode()
    match = NAV.search(html)
    assert match is not None
    return LINK_TEXT.findall(match.group(0))


@pytest.mark.parametrize(
    ("role", "menu"),
    [
        (Role.ADMIN, ["Leads", "Pipeline", "Forecast", "Sales report", "Accounts", "Contacts", "My tasks"]),
        (
            Role.SALES_MANAGER,
            ["Leads", "Pipeline", "Forecast", "Sales report", "Accounts", "Contacts", "My tasks"],
        ),
        (
            Role.SALES_REP,
            ["Leads", "Pipeline", "Forecast", "Sales report", "Accounts", "Contacts", "My tasks"],
        ),
        (Role.MARKETER, ["Leads", "Accounts", "Contacts", "My tasks"]),
        (Role.SUPPORT_AGENT, ["Accounts", "Contacts", "My tasks"]),
    ],
)
def test_each_role_is_offered_only_the_apps_that_do_something_in_lifecycle_order(as_user, role, menu):
    user = UserFactory(role=role)

    assert _menu(as_user(user)) == menu


@pytest.mark.parametrize("role", Role.values)
def test_no_home_page_announces_what_is_coming_or_links_to_an_app_not_built(as_user, role):
    html = as_user(UserFactory(role=role)).get(reverse("home")).content.decode()

    for phrase in ("Coming next", "arrive with", "arrive here", "will be", "once lead capture lands"):
        assert phrase not in html
    for url_name in ("orders:index", "support:index", "campaigns:index", "insights:index"):
        assert f'href="{reverse(url_name)}"' not in html


def test_a_reps_home_page_says_where_their_leads_and_deals_are(as_user, rep):
    html = as_user(rep).get(reverse("home")).content.decode()

    work = html[html.index('id="work-heading"') :]
    assert f'href="{reverse("leads:index")}"' in work
    assert f'href="{reverse("sales:index")}"' in work
    assert f'href="{reverse("sales:forecast")}"' in work


def test_the_admins_home_page_lists_the_settings_each_app_registered(as_user, admin_user):
    html = as_user(admin_user).get(reverse("home")).content.decode()

    administration = html[html.index('id="admin-heading"') :]
    assert f'href="{reverse("leads:assignment-rules")}"' in administration
    assert f'href="{reverse("sales:pipeline-list")}"' in administration


def test_an_app_that_registers_its_entry_appears_in_the_menu_of_the_roles_it_names(
    monkeypatch, rep, marketer
):
    monkeypatch.setattr(navigation, "_nav_items", list(navigation._nav_items))
    tickets = NavItem(
        "Tickets", "support:index", "bi-life-preserver", frozenset({Role.SALES_REP}), position=70
    )

    register_nav_item(tickets)
    register_nav_item(tickets)  # apps.ready() may run twice in tests: one entry

    labels = [item.label for item in navigation_for(rep)]
    assert labels.count("Tickets") == 1
    assert labels.index("Contacts") < labels.index("Tickets") < labels.index("My tasks")
    assert "Tickets" not in [item.label for item in navigation_for(marketer)]
