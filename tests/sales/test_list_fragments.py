"""The lists' filter sidebars and bulk bars are cached (crm.web.fragments): a change to the people or
the configuration they list shows on the next request, and no cached HTML holds a CSRF token."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from crm.models import Role
from crm.web.fragments import cached_fragment
from sales.configuration.pipelines import stage_update
from tests.factories import DealFactory, LeadFactory, UserFactory
from tests.factories.sales import stage

pytestmark = pytest.mark.django_db

DEAL_FILTERS = re.compile(r'<form[^>]*aria-label="Filter deals".*?</form>', re.S)
LEAD_FILTERS = re.compile(r'<form[^>]*aria-label="Filter leads".*?</form>', re.S)


def sidebar(client, url: str, pattern: re.Pattern[str]) -> str:
    match = pattern.search(client.get(url).content.decode())
    assert match, "the list shows no filter sidebar"
    return match.group(0)


def test_a_renamed_stage_shows_in_the_deal_sidebar_at_once(as_user, admin_user, rep, pipeline):
    DealFactory(pipeline=pipeline, stage=stage(pipeline, "Demo"), owner=rep)
    client = as_user(rep)
    url = reverse("sales:deal-list")
    assert "Demo" in sidebar(client, url, DEAL_FILTERS)

    demo = stage(pipeline, "Demo")
    stage_update(
        actor=admin_user, stage_id=demo.pk, name="Live demo", probability=demo.probability, kind=demo.kind
    )

    assert "Live demo" in sidebar(client, url, DEAL_FILTERS)


def test_a_new_user_shows_in_the_lead_sidebar_at_once(as_user, rep):
    LeadFactory(owner=rep)
    client = as_user(rep)
    url = reverse("leads:index")
    assert "Ines Newcomer" not in sidebar(client, url, LEAD_FILTERS)

    UserFactory(first_name="Ines", last_name="Newcomer", role=Role.SALES_REP)

    assert "Ines Newcomer" in sidebar(client, url, LEAD_FILTERS)


def test_each_filter_has_its_own_sidebar(as_user, rep):
    LeadFactory(owner=rep)
    client = as_user(rep)
    assert 'value="acme"' not in sidebar(client, reverse("leads:index"), LEAD_FILTERS)
    assert 'value="acme"' in sidebar(client, reverse("leads:index") + "?q=acme", LEAD_FILTERS)


def test_the_cached_fragments_hold_no_csrf_token(as_user, rep, pipeline):
    LeadFactory(owner=rep)
    DealFactory(pipeline=pipeline, stage=stage(pipeline, "Demo"), owner=rep)
    client = as_user(rep)
    for url in (reverse("leads:index"), reverse("sales:deal-list")):
        for _ in range(2):  # rendered, then read from the cache
            context = client.get(url).context
            assert context["bulk_bar_html"], f"{url} shows no bulk bar"
            for name in ("filters_html", "bulk_bar_html"):
                assert "csrfmiddlewaretoken" not in context[name]


def test_a_fragment_with_a_csrf_token_is_refused():
    with pytest.raises(ValueError, match="CSRF"):
        cached_fragment("test:form", ["x"], lambda: '<input name="csrfmiddlewaretoken" value="t">')
