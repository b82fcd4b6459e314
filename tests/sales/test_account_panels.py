"""The sales panels on the customer pages: the account's deals, its onboarding checklists, what it
bought, the upsell and cross-sell buttons, and the lead a contact was converted from."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Account, Contact, Role, Task
from crm.timeline.panels import record_panels
from leads.models import LeadStatus
from sales.conversion.services import lead_convert
from sales.models import (
    Deal,
    DealLine,
    Onboarding,
    OnboardingRole,
    OnboardingTemplate,
    Pipeline,
    StageKind,
)
from sales.onboarding.services import onboarding_start
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    LostReasonFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TAG = re.compile(r"<[^>]+>")


def _text(html: str) -> str:
    return " ".join(TAG.sub(" ", html).split())


def _section(html: str, heading_id: str) -> str:
    """The card whose heading has `heading_id`, as text."""
    start = html.index(f'id="{heading_id}"')
    return _text(html[start : html.index("</section>", start)])


@pytest.fixture
def pipeline():
    return Pipeline.objects.get(is_default=True)


@pytest.fixture
def acme(rep):
    return AccountFactory(owner=rep, name="Acme", domain="acme.example")


def _deal(account, owner, pipeline, kind=StageKind.OPEN, **fields):
    stage = pipeline.stages.filter(kind=kind).order_by("position").first()
    return DealFactory(account=account, owner=owner, pipeline=pipeline, stage=stage, **fields)


def _won(account, owner, pipeline, closed_at, lines=(), **fields):
    deal = _deal(account, owner, pipeline, StageKind.WON, closed_at=closed_at, **fields)
    for product, quantity in lines:
        DealLine.objects.create(
            deal=deal, product=product, quantity=Decimal(quantity), unit_price=product.unit_price
        )
    return deal


def _checklist(titles=("Kick-off call", "Set up accounts", "Training")):
    template = OnboardingTemplate.objects.create(name="Standard")
    for position, title in enumerate(titles):
        template.items.create(
            title=title, role=OnboardingRole.DEAL_OWNER, position=position, due_offset_days=7
        )
    return template


# Deals


def test_the_deals_panel_shows_the_open_and_closed_deals_the_user_may_see(
    as_user, rep, outsider, acme, pipeline
):
    close = timezone.localdate() + timedelta(days=20)
    platform = _deal(acme, rep, pipeline, name="Platform", amount=Decimal("12000"), close_date=close)
    _won(acme, rep, pipeline, timezone.now(), name="Pilot")
    _deal(acme, outsider, pipeline, name="Hidden deal")

    html = as_user(rep).get(acme.get_absolute_url()).content.decode()

    deals = _section(html, "deals-heading")
    assert "1 open 1 closed" in deals
    assert f"Platform Qualification EUR 12,000.00 {close:%-d %b %Y} {rep}" in deals
    assert "Pilot Won" in deals
    assert "Hidden deal" not in deals
    assert f'href="{platform.get_absolute_url()}"' in html


def test_more_deals_than_shown_link_to_the_deal_list_of_the_account(as_user, rep, acme, pipeline):
    for _ in range(21):
        _deal(acme, rep, pipeline)

    html = as_user(rep).get(acme.get_absolute_url()).content.decode()

    assert "21 open" in _section(html, "deals-heading")
    assert "Open: the 20 closing first" in _section(html, "deals-heading")
    assert f'href="{reverse("sales:deal-list")}?account={acme.pk}"' in html


def test_an_account_without_visible_deals_says_so(as_user, rep, acme):
    html = as_user(rep).get(acme.get_absolute_url()).content.decode()

    assert "No deals with this account that you can see." in _section(html, "deals-heading")


# Onboarding


def test_onboarding_shows_each_checklist_with_done_over_total_a_progress_bar_and_overdue_steps(
    as_user, rep, acme, pipeline
):
    _checklist()
    won = _won(acme, rep, pipeline, timezone.now())
    onboarding = onboarding_start(actor=rep, deal=won)
    assert onboarding is not None
    kickoff, setup, _training = (step.task for step in onboarding.steps.order_by("position"))
    Task.objects.filter(pk=kickoff.pk).update(completed_at=timezone.now())
    Task.objects.filter(pk=setup.pk).update(due_at=timezone.now() - timedelta(days=1))

    html = as_user(rep).get(acme.get_absolute_url()).content.decode()

    panel = _section(html, "onboarding-heading")
    assert "1 overdue" in panel
    assert "1 of 3 steps done" in panel
    assert re.search(r'role="progressbar"[^>]*aria-valuenow="33"', html)
    assert "Kick-off call Done" in panel
    assert "Set up accounts Overdue" in panel
    assert reverse("task-complete", args=[setup.pk]) in html
    assert reverse("task-complete", args=[kickoff.pk]) not in html  # done already


def test_an_account_without_onboarding_shows_no_onboarding_panel(as_user, rep, acme):
    assert 'id="onboarding-heading"' not in as_user(rep).get(acme.get_absolute_url()).content.decode()


def test_ticking_the_last_step_on_the_account_page_onboards_the_customer(as_user, rep, acme, pipeline):
    _checklist(["Kick-off call"])
    onboarding = onboarding_start(actor=rep, deal=_won(acme, rep, pipeline, timezone.now()))
    assert onboarding is not None
    task = onboarding.steps.get().task
    client = as_user(rep)

    response = client.post(
        reverse("task-complete", args=[task.pk]), {"next": acme.get_absolute_url()}, follow=True
    )

    assert response.redirect_chain[-1][0] == acme.get_absolute_url()
    onboarding.refresh_from_db()
    assert onboarding.completed_at is not None
    assert "Onboarded" in _section(response.content.decode(), "onboarding-heading")


def test_a_step_is_offered_only_to_whoever_may_change_its_task(as_user, rep, support_agent, acme, pipeline):
    _checklist(["Kick-off call"])
    onboarding = onboarding_start(actor=rep, deal=_won(acme, rep, pipeline, timezone.now()))
    assert onboarding is not None
    task = onboarding.steps.get().task
    client = as_user(support_agent)

    html = client.get(acme.get_absolute_url()).content.decode()

    assert "Kick-off call" in _section(html, "onboarding-heading")
    assert reverse("task-complete", args=[task.pk]) not in html
    assert client.post(reverse("task-complete", args=[task.pk])).status_code == 403  # seen, not theirs


# Purchased products


def test_purchased_products_sum_the_won_deals_lines_with_the_last_purchase(as_user, rep, acme, pipeline):
    licence = ProductFactory(name="Platform licence", sku="PL-1")
    support = ProductFactory(name="Premium support", sku="SUP-1")
    quoted = ProductFactory(name="Only quoted", sku="Q-1")
    lost = ProductFactory(name="Lost product", sku="L-1")
    first, last = timezone.now() - timedelta(days=300), timezone.now() - timedelta(days=20)
    _won(acme, rep, pipeline, first, [(licence, "2"), (support, "1")])
    _won(acme, rep, pipeline, last, [(licence, "3")])
    open_deal = _deal(acme, rep, pipeline)
    DealLine.objects.create(deal=open_deal, product=quoted, quantity=1, unit_price=1)
    lost_deal = _deal(
        acme, rep, pipeline, StageKind.LOST, lost_reason=LostReasonFactory(), closed_at=timezone.now()
    )
    DealLine.objects.create(deal=lost_deal, product=lost, quantity=1, unit_price=1)

    html = as_user(rep).get(acme.get_absolute_url()).content.decode()

    panel = _section(html, "products-heading")
    assert f"Platform licence PL-1 5 {last:%-d %b %Y}" in panel
    assert f"Premium support SUP-1 1 {first:%-d %b %Y}" in panel
    assert panel.index("Platform licence") < panel.index("Premium support")  # most recent first
    assert "Only quoted" not in panel
    assert "Lost product" not in panel


def test_a_prospect_has_bought_nothing_yet(as_user, rep, acme):
    html = as_user(rep).get(acme.get_absolute_url()).content.decode()

    assert "Nothing bought yet" in _section(html, "products-heading")


# Upsell and cross-sell


def test_upsell_and_cross_sell_open_the_deal_form_for_the_account(as_user, rep, acme):
    html = as_user(rep).get(acme.get_absolute_url()).content.decode()

    new_deal = reverse("sales:deal-create")
    assert f'href="{new_deal}?account={acme.pk}&amp;type=upsell"' in html
    assert f'href="{new_deal}?account={acme.pk}&amp;type=cross_sell"' in html
    assert "New upsell" in html
    assert "New cross-sell" in html


def test_people_who_cannot_create_deals_get_no_upsell_buttons(as_user, support_agent, acme):
    html = as_user(support_agent).get(acme.get_absolute_url()).content.decode()

    assert "New upsell" not in html
    assert "New cross-sell" not in html


# The contact page


def test_a_converted_contact_says_which_lead_it_came_from_and_when(as_user, rep, acme):
    lead = LeadFactory(
        owner=rep, first_name="Bob", last_name="Stone", email="bob@acme.example", status=LeadStatus.QUALIFIED
    )
    contact = lead_convert(actor=rep, lead_id=lead.pk, account=acme, create_deal=False).contact

    html = as_user(rep).get(contact.get_absolute_url()).content.decode()

    assert f"Converted from lead Bob Stone on {timezone.localdate():%-d %b %Y}" in _text(html)
    assert f'href="{lead.get_absolute_url()}"' in html


def test_a_contact_made_by_hand_has_no_conversion_panel(as_user, rep, acme):
    contact = ContactFactory(account=acme, owner=rep)

    assert "Converted from lead" not in as_user(rep).get(contact.get_absolute_url()).content.decode()


# The registry


def test_sales_adds_its_panels_to_the_account_and_contact_pages_once(rep, acme):
    from sales.accounts.panels import register_sales_panels

    register_sales_panels()  # a second ready() (tests, reloads) adds nothing

    account_panels = record_panels(user=rep, record=acme)
    assert [p.template_name for p in account_panels["actions"]] == ["sales/customers/_account_actions.html"]
    assert [p.template_name for p in account_panels["main"]] == ["sales/customers/_account_deals.html"]
    assert [p.template_name for p in account_panels["side"]] == ["sales/customers/_account_products.html"]
    # Nothing to say, nothing shown: no onboarding yet, and a contact not converted from a lead.
    assert record_panels(user=rep, record=ContactFactory(account=acme, owner=rep))["side"] == []


# Query counts


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_MANAGER, Role.SUPPORT_AGENT, Role.ADMIN])
def test_the_account_page_costs_the_same_queries_with_many_contacts_deals_and_onboardings(
    as_user, assert_same_query_count, team, role, pipeline
):
    user = UserFactory(role=role, team=team)
    owner = (
        user if role in (Role.SALES_REP, Role.SALES_MANAGER) else UserFactory(role=Role.SALES_REP, team=team)
    )
    account = AccountFactory(owner=owner)
    _checklist()

    def add(count: int) -> None:
        for index in range(count):
            ContactFactory(account=account, owner=owner)
            _deal(account, owner, pipeline, close_date=timezone.localdate() + timedelta(days=index))
            product = ProductFactory()
            won = _won(
                account,
                UserFactory(role=Role.SALES_REP, team=team),
                pipeline,
                timezone.now(),
                [(product, "1")],
            )
            onboarding_start(actor=owner, deal=won)

    add(1)
    client = as_user(user)

    assert_same_query_count(lambda: client.get(account.get_absolute_url()), grow=lambda: add(30))
    assert Onboarding.objects.count() == 31
    assert (Account.objects.count(), Contact.objects.count()) == (1, 31)
    assert Deal.objects.count() == 62
