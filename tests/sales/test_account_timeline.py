"""A won deal's onboarding checklist on the account's timeline: each task once, tickable in place."""

from __future__ import annotations

import re

import pytest

from sales.models import OnboardingRole, OnboardingTemplate
from sales.services.deals import deal_move
from sales.services.lines import deal_line_add
from tests.factories import AccountFactory, DealFactory, ProductFactory
from tests.factories.sales import stage

pytestmark = pytest.mark.django_db
ENTRY = re.compile(r'<li[^>]*class="timeline-entry[^"]*"[^>]*>(.*?)</li>', re.S)
CHECKLIST = ["Kick-off call", "Import the data"]


def entries(html: str) -> list[str]:
    start = html.index('id="account-timeline"')
    return [" ".join(re.sub(r"<[^>]+>", " ", entry).split()) for entry in ENTRY.findall(html[start:])]


def test_each_onboarding_task_shows_once_on_the_accounts_timeline(as_user, rep, pipeline):
    template = OnboardingTemplate.objects.create(name="Platform onboarding", product_line="Platform")
    for position, title in enumerate(CHECKLIST):
        template.items.create(
            title=title, role=OnboardingRole.DEAL_OWNER, position=position, due_offset_days=7
        )
    account = AccountFactory(owner=rep, name="Cobol Works")
    deal = DealFactory(account=account, owner=rep, pipeline=pipeline)
    deal_line_add(actor=rep, deal_id=deal.pk, product=ProductFactory(product_line="Platform"))
    deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Won").pk)

    timeline = entries(as_user(rep).get(account.get_absolute_url()).content.decode())

    for title in CHECKLIST:
        mentions = [entry for entry in timeline if title in entry]
        assert len(mentions) == 1, mentions
        assert "Mark done" in mentions[0]  # the task itself, not a note that it was added
