"""Every sales list and detail page, HTML and API, costs the same queries with 1 row as with 50.

The board, the deal list, a deal's page, the forecast, the quotas, the catalogue and the API's deal
list and deal are measured where they are tested; these are the rest, grown to 50 rows, and the later
pages of the keyset lists for a manager (whose team is read through the owner index).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from crm.lists.pagination import encode_cursor
from sales.board.selectors import COLUMN_ORDERING, board_deals, column_total_rows
from sales.configuration.criteria import criterion_add
from sales.configuration.onboarding_templates import onboarding_template_create, onboarding_template_item_add
from sales.configuration.pipelines import stage_create
from sales.models import (
    Deal,
    DealLine,
    DealStatus,
    LostReason,
    Pipeline,
    StageKind,
)
from sales.selectors import board_stages
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DealFactory,
    LostReasonFactory,
    PipelineFactory,
    ProductFactory,
    UserFactory,
)
from tests.factories.sales import stage

pytestmark = pytest.mark.django_db
MANY = 50


def _open_deal(pipeline: Pipeline, owner=None, stage_name: str = "Demo") -> Deal:
    fields = {"owner": owner} if owner is not None else {}
    return DealFactory(pipeline=pipeline, stage=stage(pipeline, stage_name), **fields)


# Settings pages (admins)


def test_the_pipeline_list_costs_the_same_with_50_pipelines(as_user, admin_user, assert_same_query_count):
    client = as_user(admin_user)

    def grow() -> None:
        for _ in range(MANY - 1):
            _open_deal(PipelineFactory())

    assert_same_query_count(lambda: client.get(reverse("sales:pipeline-list")), grow=grow)


def test_a_pipelines_page_costs_the_same_with_50_stages_and_their_criteria(
    as_user, admin_user, pipeline, assert_same_query_count
):
    client = as_user(admin_user)
    url = reverse("sales:pipeline-detail", args=[pipeline.pk])

    def grow() -> None:
        for number in range(MANY - len(pipeline.stages.all())):
            added = stage_create(
                actor=admin_user, pipeline_id=pipeline.pk, name=f"Step {number}", probability=50, kind="open"
            )
            criterion_add(actor=admin_user, stage_id=added.pk, kind="field", field_name="amount")
            DealFactory(pipeline=pipeline, stage=added)

    assert_same_query_count(lambda: client.get(url), grow=grow)


def test_the_lost_reasons_cost_the_same_with_50_reasons(as_user, admin_user, assert_same_query_count):
    client = as_user(admin_user)
    present = LostReason.objects.count()

    def grow() -> None:
        for number in range(MANY - present):
            reason = LostReasonFactory(name=f"Reason {number}", position=100 + number)
            DealFactory(status=DealStatus.LOST, lost_reason=reason)

    assert_same_query_count(lambda: client.get(reverse("sales:lost-reason-list")), grow=grow)


def _template(admin, number: int, items: int = 1):
    template = onboarding_template_create(
        actor=admin, name=f"Template {number}", product_line=f"Line {number}"
    )
    for item in range(items):
        onboarding_template_item_add(
            actor=admin, template_id=template.pk, title=f"Step {item}", role="deal_owner", due_offset_days=7
        )
    return template


def test_the_onboarding_templates_cost_the_same_with_50_templates(
    as_user, admin_user, assert_same_query_count
):
    _template(admin_user, 0)
    client = as_user(admin_user)

    assert_same_query_count(
        lambda: client.get(reverse("sales:onboarding-template-list")),
        grow=lambda: [_template(admin_user, number, items=2) for number in range(1, MANY)],
    )


def test_an_onboarding_template_costs_the_same_with_50_items(as_user, admin_user, assert_same_query_count):
    template = _template(admin_user, 0)
    client = as_user(admin_user)

    def grow() -> None:
        for item in range(1, MANY):
            onboarding_template_item_add(
                actor=admin_user,
                template_id=template.pk,
                title=f"Step {item}",
                role="support_agent",
                due_offset_days=item,
            )

    assert_same_query_count(
        lambda: client.get(reverse("sales:onboarding-template-detail", args=[template.pk])), grow=grow
    )


# The deal form's pickers


def test_the_contact_choices_cost_the_same_with_50_contacts_on_the_account(
    as_user, rep, assert_same_query_count
):
    account = AccountFactory(owner=rep)
    ContactFactory(account=account, owner=rep)
    client = as_user(rep)

    assert_same_query_count(
        lambda: client.get(reverse("sales:deal-contact-options"), {"account": account.pk}),
        grow=lambda: ContactFactory.create_batch(MANY - 1, account=account, owner=rep),
    )


def test_the_account_suggestions_cost_the_same_with_50_matches(
    as_user, manager, rep, assert_same_query_count
):
    AccountFactory(owner=rep, name="Initech 0")
    client = as_user(manager)

    assert_same_query_count(
        lambda: client.get(reverse("sales:deal-account-options"), {"account_search": "initech"}),
        grow=lambda: [AccountFactory(owner=rep, name=f"Initech {n}") for n in range(1, MANY)],
    )


# Later pages of the keyset lists, for a manager


def test_a_later_page_of_a_board_column_costs_the_same_as_the_first(
    as_user, manager, rep, teammate, pipeline, assert_same_query_count
):
    deals = [_open_deal(pipeline, rep) for _ in range(3)]
    client = as_user(manager)
    url = reverse("sales:board-column", args=[pipeline.pk, stage(pipeline, "Demo").pk])
    cursor = encode_cursor(COLUMN_ORDERING, deals[-1])

    def grow() -> None:
        older = [_open_deal(pipeline, owner) for owner in [rep, teammate] * (MANY // 2)]
        earlier = timezone.now() - timedelta(days=1)
        Deal.objects.filter(pk__in=[deal.pk for deal in older]).update(created_at=earlier)

    assert_same_query_count(lambda: client.get(url, {"after": cursor}), grow=grow)
    assert client.get(url, {"after": cursor}).content.decode().count('<li class="card deal-card') == 25


def test_a_later_page_of_the_deal_list_costs_the_same_as_the_first(
    as_user, manager, rep, teammate, pipeline, assert_same_query_count
):
    deals = [_open_deal(pipeline, rep) for _ in range(3)]
    client = as_user(manager)
    cursor = encode_cursor(["amount", "pk"], deals[0])

    def grow() -> None:
        for index in range(MANY):
            deal = _open_deal(pipeline, [rep, teammate][index % 2], "Proposal")
            Deal.objects.filter(pk=deal.pk).update(amount=Decimal(5000 + index))

    assert_same_query_count(
        lambda: client.get(reverse("sales:deal-list"), {"ordering": "amount", "after": cursor}),
        grow=grow,
    )


# The API


def test_the_api_pipelines_cost_the_same_with_50_pipelines(api_as, rep, assert_same_query_count):
    client = api_as(rep)

    assert_same_query_count(
        lambda: client.get(reverse("api-pipeline-list")),
        grow=lambda: PipelineFactory.create_batch(MANY - Pipeline.objects.count()),
    )


def test_one_pipeline_through_the_api_costs_the_same_with_50_stages_and_criteria(
    api_as, admin_user, rep, pipeline, assert_same_query_count
):
    client = api_as(rep)

    def grow() -> None:
        for number in range(MANY - len(pipeline.stages.all())):
            added = stage_create(
                actor=admin_user,
                pipeline_id=pipeline.pk,
                name=f"Step {number}",
                probability=50,
                kind=StageKind.OPEN,
            )
            criterion_add(actor=admin_user, stage_id=added.pk, kind="field", field_name="amount")

    assert_same_query_count(lambda: client.get(reverse("api-pipeline-detail", args=[pipeline.pk])), grow=grow)


def test_the_api_lost_reasons_cost_the_same_with_50_reasons(api_as, rep, assert_same_query_count):
    client = api_as(rep)

    assert_same_query_count(
        lambda: client.get(reverse("api-lost-reason-list")),
        grow=lambda: [LostReasonFactory(name=f"Reason {n}", position=100 + n) for n in range(MANY)],
    )


def test_a_deals_lines_through_the_api_cost_the_same_with_50_lines(
    api_as, rep, pipeline, assert_same_query_count
):
    deal = _open_deal(pipeline, rep)
    DealLine.objects.create(deal=deal, product=ProductFactory(), unit_price=Decimal(10), position=0)
    client = api_as(rep)

    def grow() -> None:
        DealLine.objects.bulk_create(
            DealLine(deal=deal, product=ProductFactory(), unit_price=Decimal(10), position=n)
            for n in range(1, MANY)
        )

    assert_same_query_count(lambda: client.get(reverse("api-deal-lines", args=[deal.pk])), grow=grow)


# The board's totals read an owner index


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sales_deal")
        # A test's table is small and never vacuumed (its transaction cannot), so PostgreSQL would read
        # it whole or through a bitmap; without those it shows which index it would read.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("viewer", ["rep", "manager"])
def test_the_boards_column_totals_for_a_team_are_read_through_an_owner_index(request, pipeline, team, viewer):
    user = request.getfixturevalue(viewer)
    # A company's shape in small: a team of 4 among 40 sellers, 2,000 deals across the stages.
    sellers = [user, *UserFactory.create_batch(3, team=team), *UserFactory.create_batch(36)]
    account = AccountFactory(owner=user)
    stages = list(pipeline.stages.filter(kind=StageKind.OPEN))
    Deal.objects.bulk_create(
        Deal(
            name=f"Deal {n}",
            account=account,
            pipeline=pipeline,
            stage=stages[n % len(stages)],
            owner=sellers[n % len(sellers)],
            amount=Decimal(n),
        )
        for n in range(2000)
    )

    plan = _plan(column_total_rows(deals=board_deals(user=user), stages=board_stages(pipeline=pipeline)))

    # Vacuumed, as a real table is, the (owner, stage) index that includes the summed columns serves it
    # alone (an index-only scan on the benchmark data); here any owner index shows the access is indexable.
    assert "Index Cond: (owner_id = " in plan, plan
    assert "Join" not in plan, plan  # the owner's team is not looked up row by row
