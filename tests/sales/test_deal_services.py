"""Moving deals through their stages: exit criteria, lost reasons, stale boards, wins and what follows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.errors import Forbidden, Invalid, NotFound
from crm.models import Account, ActivityKind, LifecycleEvent, LifecycleStage, Task, User
from crm.timeline.services import activity_log, task_complete
from sales.errors import ExitCriteriaUnmet, StaleMove
from sales.models import (
    DealStatus,
    OnboardingRole,
    OnboardingTemplate,
    OnboardingTemplateItem,
    StageVisit,
)
from sales.services.deals import deal_create, deal_move, deal_update
from sales.services.lines import deal_line_add
from tests.factories import AccountFactory, ContactFactory, LostReasonFactory, ProductFactory
from tests.factories.sales import stage
from tests.sales.records import demo_criteria

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(rep: User) -> Account:
    return AccountFactory(owner=rep)


def new_deal(rep, account, pipeline, **fields):
    return deal_create(
        actor=rep, fields={"name": "Platform", "account": account, "pipeline": pipeline, **fields}
    )


def test_a_new_deal_starts_in_the_first_stage_with_its_visit_and_event(rep, account, pipeline):
    deal = new_deal(rep, account, pipeline, amount=Decimal("500"))

    assert deal.stage == stage(pipeline, "Qualification")
    assert deal.owner == rep
    assert StageVisit.objects.get(deal=deal).left_at is None
    assert LifecycleEvent.objects.filter(object_id=deal.pk, type="deal.created", account=account).exists()


def test_moving_past_a_stage_with_unmet_criteria_lists_everything_missing(rep, account, pipeline):
    demo_criteria(pipeline)
    deal = new_deal(rep, account, pipeline, amount=Decimal(0))

    with pytest.raises(ExitCriteriaUnmet) as refused:
        deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Proposal").pk)

    assert refused.value.missing == ["Amount", "Demo held", "Primary contact"]
    assert "Demo" in refused.value.message
    deal.refresh_from_db()
    assert deal.stage == stage(pipeline, "Qualification")


def test_moving_back_or_up_to_the_gated_stage_needs_no_criteria(rep, account, pipeline):
    demo = demo_criteria(pipeline)
    deal = new_deal(rep, account, pipeline)

    deal_move(actor=rep, deal_id=deal.pk, stage_id=demo.pk)
    deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Discovery").pk)

    deal.refresh_from_db()
    assert deal.stage.name == "Discovery"
    assert list(deal.stage_visits.values_list("stage__name", flat=True)) == [
        "Qualification",
        "Demo",
        "Discovery",
    ]
    assert deal.stage_visits.filter(left_at__isnull=True).count() == 1


def test_filling_the_criteria_lets_the_deal_move_on(rep, account, pipeline):
    demo_criteria(pipeline)
    contact = ContactFactory(account=account, owner=rep)
    deal = new_deal(rep, account, pipeline)
    activity_log(actor=rep, target=deal, kind=ActivityKind.MEETING, subject="Product demo with the CTO")

    deal_update(
        actor=rep,
        deal_id=deal.pk,
        fields={"amount": Decimal("900"), "primary_contact": contact, "stage": stage(pipeline, "Proposal")},
    )

    deal.refresh_from_db()
    assert deal.stage.name == "Proposal"


def test_creating_a_deal_straight_into_a_later_stage_checks_the_stages_it_skips(rep, account, pipeline):
    demo_criteria(pipeline)

    with pytest.raises(ExitCriteriaUnmet):
        new_deal(rep, account, pipeline, stage=stage(pipeline, "Negotiation"))
    assert not account.deals.exists()


def test_losing_needs_a_reason_from_the_list(rep, account, pipeline):
    deal = new_deal(rep, account, pipeline)
    lost = stage(pipeline, "Lost")

    with pytest.raises(Invalid) as refused:
        deal_move(actor=rep, deal_id=deal.pk, stage_id=lost.pk)
    assert (refused.value.code, refused.value.field) == ("lost_reason_required", "lost_reason")
    deal_move(actor=rep, deal_id=deal.pk, stage_id=lost.pk, lost_reason_id=LostReasonFactory().pk)

    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST
    assert deal.closed_at is not None


def test_a_stale_board_move_is_refused_with_where_the_deal_is_now(rep, manager, account, pipeline):
    deal = new_deal(rep, account, pipeline)
    seen_in = deal.stage_id
    deal_move(actor=manager, deal_id=deal.pk, stage_id=stage(pipeline, "Demo").pk, expected_stage_id=seen_in)

    with pytest.raises(StaleMove) as refused:
        deal_move(
            actor=rep,
            deal_id=deal.pk,
            stage_id=stage(pipeline, "Discovery").pk,
            expected_stage_id=seen_in,
        )

    assert refused.value.code == "stale_move"
    # The message is the point: who moved it, and where it is now.
    assert "Maria" in refused.value.message or str(manager) in refused.value.message
    assert "Demo" in refused.value.message
    deal.refresh_from_db()
    assert deal.stage.name == "Demo"


def test_open_deals_refuse_negative_amounts_and_past_close_dates(rep, account, pipeline):
    with pytest.raises(Invalid) as negative:
        new_deal(rep, account, pipeline, amount=Decimal("-1"))
    with pytest.raises(Invalid) as past:
        new_deal(rep, account, pipeline, close_date=timezone.localdate() - timedelta(days=1))
    assert negative.value.field == "amount"
    assert (past.value.code, past.value.field) == ("close_date_past", "close_date")
    assert not account.deals.exists()


def test_line_items_compute_the_amount(rep, account, pipeline):
    deal = new_deal(rep, account, pipeline)
    product = ProductFactory(unit_price=Decimal("200.00"))

    deal_line_add(actor=rep, deal_id=deal.pk, product=product, quantity=Decimal(3), discount=Decimal(10))

    deal.refresh_from_db()
    assert deal.amount == Decimal("540.00")
    with pytest.raises(Invalid) as refused:
        deal_update(actor=rep, deal_id=deal.pk, fields={"amount": Decimal(1)})
    assert (refused.value.code, refused.value.field) == ("amount_from_lines", "amount")


def test_winning_makes_the_account_a_customer_and_starts_its_onboarding(rep, manager, account, pipeline):
    template = OnboardingTemplate.objects.create(name="Platform onboarding", product_line="Platform")
    OnboardingTemplateItem.objects.create(
        template=template, title="Kick-off call", due_offset_days=2, position=0
    )
    OnboardingTemplateItem.objects.create(
        template=template, title="Training", role=OnboardingRole.OWNER_MANAGER, due_offset_days=10, position=1
    )
    deal = new_deal(rep, account, pipeline)
    deal_line_add(actor=rep, deal_id=deal.pk, product=ProductFactory(product_line="Platform"))

    deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Won").pk)
    deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Won").pk)  # twice: harmless

    account.refresh_from_db()
    assert account.lifecycle_stage == LifecycleStage.CUSTOMER
    onboarding = account.onboardings.get()
    tasks = Task.objects.filter(onboarding_step__onboarding=onboarding).order_by("due_at")
    assert [(t.title, t.assignee) for t in tasks] == [("Kick-off call", rep), ("Training", manager)]

    for task in tasks:
        task_complete(actor=task.assignee, task_id=task.pk)
    onboarding.refresh_from_db()
    assert onboarding.completed_at is not None
    assert LifecycleEvent.objects.filter(type="account.onboarded", account=account).count() == 1


def test_a_rep_cannot_move_someone_elses_deal(rep, outsider, teammate, pipeline):
    deal = new_deal(teammate, AccountFactory(owner=teammate), pipeline)

    with pytest.raises(Forbidden):  # visible to the team, read-only
        deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Demo").pk)
    with pytest.raises(NotFound):
        deal_move(actor=outsider, deal_id=deal.pk, stage_id=stage(pipeline, "Demo").pk)
