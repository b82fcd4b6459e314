"""Admins shaping a pipeline's stages: adding, editing, ordering, and deleting them without losing deals."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from crm.errors import Conflict, Invalid
from crm.models import LifecycleEvent
from sales import events
from sales.configuration.criteria import criterion_add
from sales.configuration.pipelines import stage_create, stage_delete, stage_move, stage_update, stages_reorder
from sales.errors import ExitCriteriaUnmet
from sales.models import (
    Deal,
    DealStatus,
    Stage,
    StageVisit,
)
from sales.services.deals import deal_create, deal_move
from tests.factories import AccountFactory, DealFactory, PipelineFactory
from tests.factories.sales import stage
from tests.sales.records import ids, names

pytestmark = pytest.mark.django_db


# Stages


def test_a_new_open_stage_goes_after_the_open_ones_and_a_closed_one_at_the_end(admin_user, pipeline):
    stage_create(actor=admin_user, pipeline_id=pipeline.pk, name="Legal", probability=90, kind="open")
    stage_create(actor=admin_user, pipeline_id=pipeline.pk, name="Churned", probability=0, kind="lost")

    assert names(pipeline) == [
        "Qualification",
        "Discovery",
        "Demo",
        "Proposal",
        "Negotiation",
        "Legal",
        "Won",
        "Lost",
        "Churned",
    ]


@pytest.mark.parametrize("probability", [-1, 101, None])
def test_a_stage_probability_is_a_percentage(admin_user, pipeline, probability):
    with pytest.raises(Invalid) as refused:
        stage_create(
            actor=admin_user, pipeline_id=pipeline.pk, name="Legal", probability=probability, kind="open"
        )

    assert list(refused.value.errors) == ["probability"]


def test_stage_names_are_unique_within_a_pipeline_only(admin_user, pipeline):
    other = PipelineFactory()

    with pytest.raises(Invalid) as refused:
        stage_create(actor=admin_user, pipeline_id=pipeline.pk, name="demo", probability=5, kind="open")
    assert list(refused.value.errors) == ["name"]
    stage_create(actor=admin_user, pipeline_id=other.pk, name="Legal", probability=5, kind="open")


def test_reordering_saves_the_new_order_and_the_exit_criteria_follow_it(admin_user, rep, pipeline):
    criterion_add(actor=admin_user, stage_id=stage(pipeline, "Demo").pk, kind="field", field_name="next_step")
    deal = deal_create(
        actor=rep, fields={"name": "Big", "account": AccountFactory(owner=rep), "pipeline": pipeline}
    )
    order = ids(pipeline, "Qualification", "Demo", "Discovery", "Proposal", "Negotiation", "Lost", "Won")

    stages_reorder(actor=admin_user, pipeline_id=pipeline.pk, stage_ids=order)

    assert names(pipeline) == ["Qualification", "Demo", "Discovery", "Proposal", "Negotiation", "Lost", "Won"]
    assert list(pipeline.stages.order_by("position").values_list("position", flat=True)) == list(range(7))
    # Demo now comes before Discovery: reaching Discovery passes Demo and needs its criterion.
    with pytest.raises(ExitCriteriaUnmet, match="move past Demo") as refused:
        deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Discovery").pk)
    assert refused.value.missing == ["Next step"]


def test_an_open_stage_may_not_follow_a_won_or_lost_one(admin_user, pipeline):
    order = ids(pipeline, "Qualification", "Discovery", "Demo", "Proposal", "Won", "Negotiation", "Lost")

    with pytest.raises(Invalid) as refused:
        stages_reorder(actor=admin_user, pipeline_id=pipeline.pk, stage_ids=order)

    assert refused.value.code == "stage_order"
    assert refused.value.message == (  # it names the stage out of place, and where it must go
        "Won and lost stages come after the open ones: Negotiation is open, so it must come before Won."
    )
    assert names(pipeline)[4] == "Negotiation"


def test_a_reorder_naming_other_stages_than_the_pipelines_changes_nothing(admin_user, pipeline):
    order = ids(pipeline, "Discovery", "Qualification", "Demo")

    with pytest.raises(Conflict) as refused:
        stages_reorder(actor=admin_user, pipeline_id=pipeline.pk, stage_ids=order)

    assert refused.value.code == "stale_order"

    assert names(pipeline)[:2] == ["Qualification", "Discovery"]


def test_moving_a_stage_up_with_the_keyboard_buttons(admin_user, pipeline):
    stage_move(actor=admin_user, stage_id=stage(pipeline, "Demo").pk, to=1)

    assert names(pipeline)[:3] == ["Qualification", "Demo", "Discovery"]
    with pytest.raises(Invalid) as refused:
        stage_move(actor=admin_user, stage_id=stage(pipeline, "Lost").pk, to=0)
    assert refused.value.code == "stage_order"


def test_the_last_won_stage_cannot_become_open(admin_user, pipeline):
    won = stage(pipeline, "Won")

    with pytest.raises(Invalid, match="without a won stage") as refused:  # names the kind that would go
        stage_update(actor=admin_user, stage_id=won.pk, name="Won", probability=100, kind="open")
    assert refused.value.code == "stage_kind_missing"


def test_changing_a_stages_kind_is_refused_while_deals_are_in_it(admin_user, pipeline):
    DealFactory(pipeline=pipeline, stage=stage(pipeline, "Negotiation"))

    with pytest.raises(Invalid, match="1 deal is in Negotiation"):  # how many, and where
        stage_update(
            actor=admin_user,
            stage_id=stage(pipeline, "Negotiation").pk,
            name="Closed",
            probability=0,
            kind="lost",
        )


def test_a_stage_made_won_moves_after_the_open_stages(admin_user, pipeline):
    stage_update(
        actor=admin_user, stage_id=stage(pipeline, "Demo").pk, name="Signed", probability=100, kind="won"
    )

    assert names(pipeline) == [
        "Qualification",
        "Discovery",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
        "Signed",
    ]


# Deleting stages


def test_deleting_an_unused_stage(admin_user, pipeline):
    result = stage_delete(actor=admin_user, stage_id=stage(pipeline, "Discovery").pk)

    assert result.stage == "Discovery"
    assert names(pipeline) == ["Qualification", "Demo", "Proposal", "Negotiation", "Won", "Lost"]
    assert list(pipeline.stages.order_by("position").values_list("position", flat=True)) == list(range(6))


def test_deleting_a_stage_with_deals_and_no_target_is_refused_with_the_count(admin_user, pipeline):
    demo = stage(pipeline, "Demo")
    DealFactory.create_batch(3, pipeline=pipeline, stage=demo)

    with pytest.raises(Invalid) as refused:
        stage_delete(actor=admin_user, stage_id=demo.pk)

    assert (refused.value.code, refused.value.field) == ("stage_has_deals", "move_to")
    assert refused.value.message.startswith("3 deals")
    assert Stage.objects.filter(pk=demo.pk).exists()


def test_deleting_a_stage_moves_its_deals_with_their_stage_history(admin_user, rep, pipeline):
    account = AccountFactory(owner=rep)
    deal = deal_create(actor=rep, fields={"name": "Big", "account": account, "pipeline": pipeline})
    deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Discovery").pk)
    entered_discovery = StageVisit.objects.get(deal=deal, left_at__isnull=True).entered_at
    demo = stage(pipeline, "Demo")

    result = stage_delete(actor=admin_user, stage_id=stage(pipeline, "Discovery").pk, move_to_id=demo.pk)

    assert (result.moved_to, result.deals_moved) == (demo, 1)
    deal.refresh_from_db()
    assert (deal.stage, deal.status) == (demo, DealStatus.OPEN)
    visits = list(StageVisit.objects.filter(deal=deal).order_by("entered_at", "id"))
    assert [visit.stage.name for visit in visits] == ["Qualification", "Demo", "Demo"]
    assert visits[1].entered_at == entered_discovery
    assert visits[1].left_at is not None
    assert visits[2].left_at is None
    assert visits[2].entered_by == admin_user
    moved = LifecycleEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Deal),
        object_id=deal.pk,
        type=events.DEAL_STAGE_CHANGED,
    ).order_by("-occurred_at", "-id")[0]
    assert moved.data["from"] == "Discovery"
    assert moved.data["to"] == "Demo"
    assert moved.actor == admin_user
    assert moved.account_id == account.pk
    assert deal.history.latest().stage_id == demo.pk
    assert "Discovery" not in names(pipeline)


def test_a_stage_deals_passed_through_needs_a_stage_to_take_over_its_history(admin_user, rep, pipeline):
    account = AccountFactory(owner=rep)
    deal = deal_create(actor=rep, fields={"name": "Big", "account": account, "pipeline": pipeline})
    deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Demo").pk)
    qualification = stage(pipeline, "Qualification")

    with pytest.raises(Invalid) as refused:
        stage_delete(actor=admin_user, stage_id=qualification.pk)
    assert (refused.value.code, refused.value.field) == ("stage_has_history", "move_to")
    stage_delete(actor=admin_user, stage_id=qualification.pk, move_to_id=stage(pipeline, "Discovery").pk)

    assert [v.stage.name for v in deal.stage_visits.order_by("entered_at", "id")] == ["Discovery", "Demo"]


def test_deals_move_only_to_a_stage_of_the_same_pipeline_and_kind(admin_user, pipeline):
    demo = stage(pipeline, "Demo")
    DealFactory(pipeline=pipeline, stage=demo)
    other = PipelineFactory()

    for target in (stage(pipeline, "Won"), stage(other, "Demo"), demo):
        with pytest.raises(Invalid) as refused:
            stage_delete(actor=admin_user, stage_id=demo.pk, move_to_id=target.pk)
        assert (refused.value.code, refused.value.field) == ("move_to_invalid", "move_to")

    assert Deal.objects.get().stage == demo


def test_won_deals_move_to_another_won_stage_and_stay_won(admin_user, pipeline):
    stage_create(actor=admin_user, pipeline_id=pipeline.pk, name="Signed", probability=100, kind="won")
    won = stage(pipeline, "Won")
    deal = DealFactory(pipeline=pipeline, stage=won, status=DealStatus.WON)

    stage_delete(actor=admin_user, stage_id=won.pk, move_to_id=stage(pipeline, "Signed").pk)

    deal.refresh_from_db()
    assert (deal.stage.name, deal.status, deal.closed_at is not None) == ("Signed", "won", True)


def test_the_only_lost_stage_cannot_be_deleted(admin_user, pipeline):
    with pytest.raises(Invalid) as refused:
        stage_delete(actor=admin_user, stage_id=stage(pipeline, "Lost").pk)
    assert refused.value.code == "stage_kind_missing"
