"""Admins shaping the selling process: pipelines, exit criteria and lost reasons."""

from __future__ import annotations

import pytest
from django.utils import timezone

from crm.errors import Forbidden, Invalid
from crm.models import ActivityKind
from sales.configuration.criteria import criterion_add, criterion_remove
from sales.configuration.lost_reasons import (
    lost_reason_create,
    lost_reason_delete,
    lost_reason_move,
    lost_reason_rename,
    lost_reason_set_active,
    lost_reasons_reorder,
)
from sales.configuration.pipelines import (
    check_stage_order,
    pipeline_create,
    pipeline_rename,
    pipeline_set_active,
    pipeline_set_default,
    stage_delete,
)
from sales.errors import ExitCriteriaUnmet
from sales.models import (
    CriterionKind,
    Deal,
    DealStatus,
    ExitCriterion,
    LostReason,
    Pipeline,
    RequiredField,
    RequiredRecord,
    Stage,
    StageKind,
)
from sales.services.deals import deal_create, deal_move
from tests.factories import AccountFactory, DealFactory, LostReasonFactory
from tests.factories.sales import stage

pytestmark = pytest.mark.django_db


# Pipelines


def test_a_new_pipeline_starts_with_an_open_a_won_and_a_lost_stage(admin_user):
    pipeline = pipeline_create(actor=admin_user, name="  Partner   deals ")

    assert pipeline.name == "Partner deals"
    assert not pipeline.is_default
    assert list(pipeline.stages.values_list("name", "kind", "probability")) == [
        ("Qualification", "open", 10),
        ("Won", "won", 100),
        ("Lost", "lost", 0),
    ]


def test_pipeline_names_are_unique_whatever_their_case(admin_user, pipeline):
    with pytest.raises(Invalid) as refused:
        pipeline_create(actor=admin_user, name="enterprise")

    assert (refused.value.code, refused.value.field) == ("name_taken", "name")


@pytest.mark.parametrize("role_fixture", ["rep", "manager", "marketer"])
def test_only_admins_configure_pipelines(request, role_fixture, pipeline):
    user = request.getfixturevalue(role_fixture)

    with pytest.raises(Forbidden) as refused:
        pipeline_create(actor=user, name="Mine")
    assert refused.value.code == "admin_only"
    with pytest.raises(Forbidden):
        stage_delete(actor=user, stage_id=stage(pipeline, "Demo").pk)

    assert Stage.objects.filter(pk=stage(pipeline, "Demo").pk).exists()


def test_switching_the_default_pipeline_unsets_the_old_default(admin_user, pipeline):
    old = Pipeline.objects.get(is_default=True)  # the "Sales" pipeline every install starts with

    pipeline_set_default(actor=admin_user, pipeline_id=pipeline.pk)
    pipeline_set_default(actor=admin_user, pipeline_id=pipeline.pk)  # harmless twice

    assert list(Pipeline.objects.filter(is_default=True)) == [pipeline]
    old.refresh_from_db()
    assert not old.is_default


def test_an_inactive_pipeline_cannot_become_the_default(admin_user, pipeline):
    pipeline_set_active(actor=admin_user, pipeline_id=pipeline.pk, active=False)

    with pytest.raises(Invalid) as refused:
        pipeline_set_default(actor=admin_user, pipeline_id=pipeline.pk)

    assert refused.value.code == "pipeline_inactive"


def test_the_default_pipeline_cannot_be_deactivated(admin_user):
    default = Pipeline.objects.get(is_default=True)

    with pytest.raises(Invalid) as refused:
        pipeline_set_active(actor=admin_user, pipeline_id=default.pk, active=False)

    assert refused.value.code == "pipeline_default"


def test_deactivating_a_pipeline_leaves_its_deals_where_they_are(admin_user, pipeline):
    deal = DealFactory(pipeline=pipeline)

    pipeline_set_active(actor=admin_user, pipeline_id=pipeline.pk, active=False)

    pipeline.refresh_from_db()
    deal.refresh_from_db()
    assert not pipeline.is_active
    assert deal.stage == stage(pipeline, "Qualification")


def test_renaming_a_pipeline_keeps_it_the_same_pipeline(admin_user, pipeline):
    pipeline_rename(actor=admin_user, pipeline_id=pipeline.pk, name="Enterprise EMEA")

    assert Pipeline.objects.get(pk=pipeline.pk).name == "Enterprise EMEA"


# Exit criteria


@pytest.mark.parametrize(
    ("fields", "label"),
    [
        ({"kind": CriterionKind.FIELD, "field_name": RequiredField.AMOUNT}, "Amount"),
        (
            {
                "kind": CriterionKind.ACTIVITY,
                "activity_kind": ActivityKind.MEETING,
                "activity_subject": " demo ",
            },
            "Meeting: demo",
        ),
        ({"kind": CriterionKind.ACTIVITY, "activity_kind": ActivityKind.CALL}, "Call"),
        ({"kind": CriterionKind.RELATED, "related": RequiredRecord.LINE_ITEM}, "A product line"),
    ],
)
def test_an_exit_criterion_without_a_label_is_labelled_from_its_choice(admin_user, pipeline, fields, label):
    criterion = criterion_add(actor=admin_user, stage_id=stage(pipeline, "Demo").pk, **fields)

    assert criterion.label == label


def test_an_exit_criterion_keeps_only_the_detail_of_its_kind(admin_user, pipeline):
    criterion = criterion_add(
        actor=admin_user,
        stage_id=stage(pipeline, "Demo").pk,
        kind=CriterionKind.FIELD,
        field_name=RequiredField.CLOSE_DATE,
        activity_kind=ActivityKind.CALL,
        related=RequiredRecord.LINE_ITEM,
        label="Close date set",
    )

    criterion.refresh_from_db()
    assert (criterion.field_name, criterion.activity_kind, criterion.related) == ("close_date", "", "")
    assert criterion.label == "Close date set"


def test_an_exit_criterion_needs_its_detail(admin_user, pipeline):
    with pytest.raises(Invalid) as refused:
        criterion_add(actor=admin_user, stage_id=stage(pipeline, "Demo").pk, kind=CriterionKind.ACTIVITY)

    assert (refused.value.code, refused.value.field) == ("required", "activity_kind")


def test_won_and_lost_stages_have_no_exit_criteria(admin_user, pipeline):
    with pytest.raises(Invalid) as refused:
        criterion_add(actor=admin_user, stage_id=stage(pipeline, "Won").pk, kind="field", field_name="amount")

    assert refused.value.code == "stage_not_open"


def test_an_added_criterion_gates_the_next_move_and_removing_it_lifts_the_gate(admin_user, rep, pipeline):
    account = AccountFactory(owner=rep)
    deal = deal_create(actor=rep, fields={"name": "Big", "account": account, "pipeline": pipeline})
    criterion = criterion_add(
        actor=admin_user, stage_id=stage(pipeline, "Qualification").pk, kind="field", field_name="next_step"
    )

    with pytest.raises(ExitCriteriaUnmet) as refused:
        deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Discovery").pk)
    assert refused.value.missing == ["Next step"]
    criterion_remove(actor=admin_user, criterion_id=criterion.pk)
    criterion_remove(actor=admin_user, criterion_id=criterion.pk)  # harmless twice
    deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Discovery").pk)

    assert not ExitCriterion.objects.exists()


# Lost reasons


def test_a_new_lost_reason_goes_last(admin_user):
    reason = lost_reason_create(actor=admin_user, name="Went silent")

    assert list(LostReason.objects.order_by("position", "name"))[-1] == reason


def test_lost_reason_names_are_unique(admin_user):
    with pytest.raises(Invalid) as refused:
        lost_reason_create(actor=admin_user, name="price")

    assert (refused.value.code, refused.value.field) == ("name_taken", "name")


def test_renaming_a_lost_reason_renames_it_on_lost_deals(admin_user):
    reason = LostReason.objects.get(name="Price")
    deal = DealFactory(status=DealStatus.LOST, lost_reason=reason, closed_at=timezone.now())

    lost_reason_rename(actor=admin_user, reason_id=reason.pk, name="Too expensive")

    deal.refresh_from_db()
    assert deal.lost_reason.name == "Too expensive"


def test_a_lost_reason_in_use_is_deactivated_instead_of_deleted(admin_user):
    reason = LostReason.objects.get(name="Price")
    DealFactory.create_batch(2, status=DealStatus.LOST, lost_reason=reason)

    result = lost_reason_delete(actor=admin_user, reason_id=reason.pk)

    assert (result.deleted, result.deals) == (False, 2)
    reason.refresh_from_db()
    assert not reason.is_active
    assert Deal.objects.filter(lost_reason=reason).count() == 2


def test_an_unused_lost_reason_is_deleted(admin_user):
    reason = LostReasonFactory(name="Went silent")

    assert lost_reason_delete(actor=admin_user, reason_id=reason.pk).deleted
    assert not LostReason.objects.filter(pk=reason.pk).exists()


def test_the_last_active_lost_reason_stays_active(admin_user):
    *others, last = LostReason.objects.order_by("position")
    LostReason.objects.filter(pk__in=[r.pk for r in others]).update(is_active=False)

    with pytest.raises(Invalid) as deactivating:
        lost_reason_set_active(actor=admin_user, reason_id=last.pk, active=False)
    with pytest.raises(Invalid) as deleting:
        lost_reason_delete(actor=admin_user, reason_id=last.pk)
    assert deactivating.value.code == deleting.value.code == "last_active_reason"


def test_an_inactive_lost_reason_is_no_longer_accepted_for_losing_a_deal(admin_user, rep, pipeline):
    reason = LostReason.objects.get(name="Timing")
    lost_reason_set_active(actor=admin_user, reason_id=reason.pk, active=False)
    account = AccountFactory(owner=rep)
    deal = deal_create(actor=rep, fields={"name": "Big", "account": account, "pipeline": pipeline})

    with pytest.raises(Invalid) as refused:
        deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Lost").pk, lost_reason_id=reason.pk)
    assert (refused.value.code, refused.value.field) == ("lost_reason_required", "lost_reason")


def test_lost_reasons_are_reordered_and_moved(admin_user):
    reasons = list(LostReason.objects.order_by("position", "name").values_list("pk", flat=True))

    lost_reasons_reorder(actor=admin_user, reason_ids=reasons[::-1])
    assert list(LostReason.objects.order_by("position").values_list("pk", flat=True)) == reasons[::-1]
    lost_reason_move(actor=admin_user, reason_id=reasons[0], to=0)
    assert list(LostReason.objects.order_by("position").values_list("pk", flat=True))[:2] == [
        reasons[0],
        reasons[-1],
    ]


def test_stage_kinds_are_named_in_the_rule_message(admin_user, pipeline):
    """Removing the only open stages by reorder is impossible, but a pipeline of closed stages says so."""
    with pytest.raises(Invalid, match="without an open stage"):
        check_stage_order([s for s in pipeline.stages.all() if s.kind != StageKind.OPEN])
