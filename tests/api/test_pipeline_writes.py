"""Admins shape pipelines, their stages and the stages' exit criteria through the API, with the settings
pages' rules and refusals; everyone else reads them and gets a 403 on a write."""

from __future__ import annotations

import pytest

from sales.models import Deal, ExitCriterion, Pipeline, Stage, StageKind
from tests.factories import DealFactory, PipelineFactory
from tests.factories.sales import stage

pytestmark = pytest.mark.django_db

PIPELINES = "/api/v1/pipelines/"


def pipeline_url(pipeline: Pipeline) -> str:
    return f"{PIPELINES}{pipeline.pk}/"


def stages_url(pipeline: Pipeline) -> str:
    return f"{pipeline_url(pipeline)}stages/"


def stage_url(stage: Stage) -> str:
    return f"{PIPELINES}{stage.pipeline_id}/stages/{stage.pk}/"


def stage_names(client, pipeline: Pipeline) -> list[str]:
    return [row["name"] for row in client.get(pipeline_url(pipeline)).json()["stages"]]


@pytest.fixture
def pipeline() -> Pipeline:
    return PipelineFactory(name="Enterprise")


# Pipelines


def test_an_admin_creates_a_pipeline_that_is_usable_at_once_and_listed(api_as, admin_user):
    client = api_as(admin_user)

    response = client.post(PIPELINES, {"name": "  Partner   sales "}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["is_active"], body["is_default"]) == ("Partner sales", True, False)
    assert [(s["name"], s["kind"]) for s in body["stages"]] == [
        ("Qualification", "open"),
        ("Won", "won"),
        ("Lost", "lost"),
    ]
    assert "Partner sales" in [row["name"] for row in client.get(PIPELINES).json()]


def test_a_pipeline_name_taken_in_another_case_is_refused_naming_the_field(api_as, admin_user):
    response = api_as(admin_user).post(PIPELINES, {"name": "sales"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"name": ["There is already a pipeline named sales."]}
    assert Pipeline.objects.count() == 1


def test_an_admin_renames_a_pipeline_and_makes_it_the_default(api_as, admin_user, pipeline):
    response = api_as(admin_user).patch(
        pipeline_url(pipeline), {"name": "Enterprise EMEA", "is_default": True}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["is_default"]) == ("Enterprise EMEA", True)
    assert list(Pipeline.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "Enterprise EMEA"
    ]


def test_an_inactive_pipeline_becomes_the_default_only_when_activated_in_the_same_request(
    api_as, admin_user, pipeline
):
    pipeline.is_active = False
    pipeline.save()
    client = api_as(admin_user)

    refused = client.patch(pipeline_url(pipeline), {"is_default": True}, format="json")
    accepted = client.patch(pipeline_url(pipeline), {"is_default": True, "is_active": True}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {
        "non_field_errors": ["Enterprise is inactive; activate it before making it the default."]
    }
    assert accepted.status_code == 200
    assert (accepted.json()["is_active"], accepted.json()["is_default"]) == (True, True)


def test_the_default_pipeline_is_neither_deactivated_nor_unset_and_a_refusal_changes_nothing(
    api_as, admin_user, pipeline
):
    sales = Pipeline.objects.get(is_default=True)
    client = api_as(admin_user)

    deactivated = client.patch(pipeline_url(sales), {"name": "Renamed", "is_active": False}, format="json")
    unset = client.patch(pipeline_url(sales), {"is_default": False}, format="json")

    assert deactivated.status_code == 400
    assert deactivated.json() == {
        "non_field_errors": ["Sales is the default pipeline; make another one the default first."]
    }
    assert unset.status_code == 400
    assert unset.json() == {
        "is_default": ["Sales is the default pipeline; make another one the default instead."]
    }
    sales.refresh_from_db()
    assert (sales.name, sales.is_active, sales.is_default) == ("Sales", True, True)


def test_an_admin_deactivates_a_pipeline_and_its_deals_stay(api_as, admin_user, pipeline):
    deal = DealFactory(pipeline=pipeline)

    response = api_as(admin_user).patch(pipeline_url(pipeline), {"is_active": False}, format="json")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert Deal.objects.get(pk=deal.pk).pipeline_id == pipeline.pk


@pytest.mark.parametrize("writer", ["rep", "manager", "marketer"])
def test_only_admins_change_pipelines_stages_and_criteria_and_others_still_read_them(
    api_as, request, writer, pipeline
):
    client = api_as(request.getfixturevalue(writer))
    demo = stage(pipeline, "Demo")
    criterion = ExitCriterion.objects.create(stage=demo, kind="field", field_name="amount", label="Amount")
    stage_ids = list(pipeline.stages.order_by("-position").values_list("pk", flat=True))

    writes = [
        client.post(PIPELINES, {"name": "Mine"}, format="json"),
        client.patch(pipeline_url(pipeline), {"name": "Mine"}, format="json"),
        client.post(stages_url(pipeline), {"name": "Pilot", "probability": 50}, format="json"),
        client.patch(stage_url(demo), {"probability": 99}, format="json"),
        client.delete(stage_url(demo)),
        client.post(f"{stages_url(pipeline)}order/", {"order": stage_ids}, format="json"),
        client.post(
            f"{stage_url(demo)}criteria/", {"kind": "field", "field_name": "close_date"}, format="json"
        ),
        client.delete(f"{stage_url(demo)}criteria/{criterion.pk}/"),
    ]

    assert [response.status_code for response in writes] == [403] * len(writes)
    assert writes[0].json() == {"detail": "Only admins can configure pipelines.", "code": "admin_only"}
    assert client.get(pipeline_url(pipeline)).status_code == 200
    assert client.get(stage_url(demo)).json()["probability"] == 40
    assert stage_names(client, pipeline)[2] == "Demo"
    assert ExitCriterion.objects.filter(pk=criterion.pk).exists()
    assert Pipeline.objects.count() == 2


def test_an_unknown_pipeline_is_a_404_for_reads_and_writes(api_as, admin_user):
    client = api_as(admin_user)

    assert client.patch(f"{PIPELINES}999999/", {"name": "x"}, format="json").status_code == 404
    assert (
        client.post(f"{PIPELINES}999999/stages/", {"name": "x", "probability": 1}, format="json").status_code
        == 404
    )


# Stages


def test_an_admin_adds_an_open_stage_and_it_shows_after_the_other_open_ones(api_as, admin_user, pipeline):
    client = api_as(admin_user)

    response = client.post(stages_url(pipeline), {"name": "Pilot", "probability": 70}, format="json")

    assert response.status_code == 201, response.json()
    assert {k: response.json()[k] for k in ("name", "probability", "kind", "position")} == {
        "name": "Pilot",
        "probability": 70,
        "kind": "open",
        "position": 5,
    }
    assert stage_names(client, pipeline) == [
        "Qualification",
        "Discovery",
        "Demo",
        "Proposal",
        "Negotiation",
        "Pilot",
        "Won",
        "Lost",
    ]


@pytest.mark.parametrize("probability", [101, -1, "likely", None])
def test_a_win_probability_outside_0_to_100_is_refused_naming_the_field(
    api_as, admin_user, pipeline, probability
):
    response = api_as(admin_user).post(
        stages_url(pipeline), {"name": "Pilot", "probability": probability}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"probability": ["Enter a win probability from 0 to 100 (%)."]}
    assert not pipeline.stages.filter(name="Pilot").exists()


def test_a_stage_name_the_pipeline_has_is_refused_naming_the_field(api_as, admin_user, pipeline):
    client = api_as(admin_user)

    created = client.post(stages_url(pipeline), {"name": "demo", "probability": 5}, format="json")
    renamed = client.patch(stage_url(stage(pipeline, "Proposal")), {"name": "DEMO"}, format="json")

    assert (created.status_code, renamed.status_code) == (400, 400)
    assert created.json() == {"name": ["This pipeline already has a stage named demo."]}
    assert renamed.json() == {"name": ["This pipeline already has a stage named DEMO."]}


def test_an_admin_changes_a_stages_probability_and_the_rest_is_kept(api_as, admin_user, pipeline):
    demo = stage(pipeline, "Demo")

    response = api_as(admin_user).patch(stage_url(demo), {"probability": 45}, format="json")

    assert response.status_code == 200, response.json()
    demo.refresh_from_db()
    assert (demo.name, demo.probability, demo.kind, demo.position) == ("Demo", 45, "open", 2)


def test_an_admin_moves_a_stage_to_another_place(api_as, admin_user, pipeline):
    client = api_as(admin_user)

    response = client.patch(stage_url(stage(pipeline, "Demo")), {"position": 0}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["position"] == 0
    assert stage_names(client, pipeline)[:3] == ["Demo", "Qualification", "Discovery"]


def test_an_open_stage_moved_after_the_won_stage_is_refused_and_nothing_changes(api_as, admin_user, pipeline):
    client = api_as(admin_user)

    response = client.patch(
        stage_url(stage(pipeline, "Demo")), {"name": "Live demo", "position": 6}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "Won and lost stages come after the open ones: Live demo is open, so it must come before Won."
        ]
    }
    assert stage_names(client, pipeline)[2] == "Demo"


def test_the_kind_of_a_stage_holding_deals_does_not_change(api_as, admin_user, pipeline):
    demo = stage(pipeline, "Demo")
    DealFactory(pipeline=pipeline, stage=demo)

    response = api_as(admin_user).patch(stage_url(demo), {"kind": "won"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "kind": [
            "1 deal is in Demo, and a deal's status follows its stage's kind; move them to another stage "
            "before changing this one's kind."
        ]
    }


def test_a_stage_holding_deals_is_deleted_only_with_a_stage_to_take_them(api_as, admin_user, pipeline):
    demo, proposal = stage(pipeline, "Demo"), stage(pipeline, "Proposal")
    deal = DealFactory(pipeline=pipeline, stage=demo)
    client = api_as(admin_user)

    refused = client.delete(stage_url(demo))
    wrong_kind = client.delete(f"{stage_url(demo)}?move_to={stage(pipeline, 'Won').pk}")
    deleted = client.delete(f"{stage_url(demo)}?move_to={proposal.pk}")

    assert refused.status_code == 400
    assert refused.json() == {"move_to": ["1 deal is in this stage; move them first."]}
    assert wrong_kind.status_code == 400
    assert wrong_kind.json() == {"move_to": ["Choose another open stage of this pipeline for its deals."]}
    assert deleted.status_code == 200, deleted.json()
    assert deleted.json() == {"stage": "Demo", "moved_to": proposal.pk, "deals_moved": 1}
    assert Deal.objects.get(pk=deal.pk).stage_id == proposal.pk
    assert "Demo" not in stage_names(client, pipeline)


def test_an_unused_stage_is_deleted_but_not_the_only_won_one(api_as, admin_user, pipeline):
    client = api_as(admin_user)

    deleted = client.delete(stage_url(stage(pipeline, "Discovery")))
    refused = client.delete(stage_url(stage(pipeline, "Won")))

    assert deleted.json() == {"stage": "Discovery", "moved_to": None, "deals_moved": 0}
    assert refused.status_code == 400
    assert refused.json() == {
        "non_field_errors": [
            "Won is the pipeline's only won stage; a pipeline needs at least one open, one won and one "
            "lost stage."
        ]
    }
    assert client.delete(f"{stage_url(stage(pipeline, 'Demo'))}?move_to=soon").status_code == 400


def test_a_stage_is_found_only_under_its_own_pipeline(api_as, admin_user, pipeline):
    other = Pipeline.objects.get(name="Sales")
    demo = stage(pipeline, "Demo")
    client = api_as(admin_user)
    url = f"{pipeline_url(other)}stages/{demo.pk}/"

    assert client.get(url).status_code == 404
    assert client.patch(url, {"probability": 1}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    assert Stage.objects.filter(pk=demo.pk, probability=40).exists()


def test_an_admin_reorders_the_stages_and_a_stale_order_is_a_conflict(api_as, admin_user, pipeline):
    client = api_as(admin_user)
    ids = list(pipeline.stages.order_by("position").values_list("pk", flat=True))
    new_order = [ids[1], ids[0], *ids[2:]]

    response = client.post(f"{stages_url(pipeline)}order/", {"order": new_order}, format="json")
    stale = client.post(f"{stages_url(pipeline)}order/", {"order": ids[:-1]}, format="json")

    assert response.status_code == 200, response.json()
    assert [s["id"] for s in response.json()["stages"]] == new_order
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_order"


# Exit criteria


def test_an_admin_adds_an_exit_criterion_and_it_shows_on_the_stage(api_as, admin_user, pipeline):
    client = api_as(admin_user)
    demo = stage(pipeline, "Demo")

    response = client.post(
        f"{stage_url(demo)}criteria/",
        {"kind": "activity", "activity_kind": "meeting", "activity_subject": " demo "},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["label"] == "Meeting: demo"
    criteria = client.get(stage_url(demo)).json()["exit_criteria"]
    assert [(c["kind"], c["activity_kind"], c["activity_subject"], c["field_name"]) for c in criteria] == [
        ("activity", "meeting", "demo", None)
    ]


def test_a_criterion_without_its_detail_or_on_a_won_stage_is_refused(api_as, admin_user, pipeline):
    client = api_as(admin_user)

    no_field = client.post(f"{stage_url(stage(pipeline, 'Demo'))}criteria/", {"kind": "field"}, format="json")
    on_won = client.post(
        f"{stage_url(stage(pipeline, 'Won'))}criteria/",
        {"kind": "field", "field_name": "amount"},
        format="json",
    )

    assert no_field.status_code == 400
    assert no_field.json() == {"field_name": ["Choose the field to fill in."]}
    assert on_won.status_code == 400
    assert on_won.json() == {
        "non_field_errors": ["Only open stages have exit criteria: a won or lost deal moves no further."]
    }
    assert not ExitCriterion.objects.exists()


def test_an_admin_removes_a_criterion_only_from_its_own_stage(api_as, admin_user, pipeline):
    demo, proposal = stage(pipeline, "Demo"), stage(pipeline, "Proposal")
    criterion = ExitCriterion.objects.create(stage=demo, kind="field", field_name="amount", label="Amount")
    client = api_as(admin_user)

    elsewhere = client.delete(f"{stage_url(proposal)}criteria/{criterion.pk}/")
    assert ExitCriterion.objects.filter(pk=criterion.pk).exists()
    removed = client.delete(f"{stage_url(demo)}criteria/{criterion.pk}/")
    again = client.delete(f"{stage_url(demo)}criteria/{criterion.pk}/")

    assert (elsewhere.status_code, removed.status_code, again.status_code) == (204, 204, 204)
    assert client.get(stage_url(demo)).json()["exit_criteria"] == []
    assert stage(pipeline, "Demo").kind == StageKind.OPEN
