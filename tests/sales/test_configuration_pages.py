"""The pipeline, stage and exit-criteria settings pages as an admin uses them; no one else may use them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from crm.models import Role
from sales.configuration.criteria import criterion_add
from sales.configuration.pipelines import stage_create
from sales.models import DealStatus, ExitCriterion, LostReason, Pipeline, Stage
from tests.factories import DealFactory, PipelineFactory, UserFactory
from tests.factories.sales import stage
from tests.sales.pages import HTMX, messages_of, unlabelled_controls

pytestmark = pytest.mark.django_db
PIPELINE_ROW = re.compile(
    r'<a href="/pipeline/settings/pipelines/\d+/">([^<]+)</a>\s*(?:<span[^>]*>(Default)</span>)?'
)
STAGE_ROW = re.compile(
    r'<tr id="stage-\d+" data-id="\d+">\s*<td[^>]*>.*?</td>\s*<td>\d+</td>\s*<th scope="row">([^<]+)</th>',
    re.S,
)


def stage_names(html: str) -> list[str]:
    return [name.strip() for name in STAGE_ROW.findall(html)]


def order(pipeline: Pipeline) -> list[str]:
    return list(pipeline.stages.order_by("position", "id").values_list("name", flat=True))


# Who may


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_MANAGER, Role.MARKETER, Role.SUPPORT_AGENT])
@pytest.mark.parametrize(
    ("name", "method", "target"),
    [
        ("pipeline-list", "get", None),
        ("pipeline-create", "post", None),
        ("pipeline-detail", "get", "pipeline"),
        ("pipeline-default", "post", "pipeline"),
        ("stage-create", "post", "pipeline"),
        ("stage-reorder", "post", "pipeline"),
        ("stage-edit", "post", "stage"),
        ("stage-delete", "post", "stage"),
        ("stage-move", "post", "stage"),
        ("criterion-add", "post", "stage"),
        ("lost-reason-list", "get", None),
        ("lost-reason-create", "post", None),
        ("lost-reason-delete", "post", "reason"),
        ("onboarding-template-list", "get", None),
        ("onboarding-template-create", "post", None),
    ],
)
def test_non_admins_are_refused_every_settings_page_and_change_nothing(
    as_user, pipeline, role, name, method, target
):
    user = UserFactory(username=f"someone-{role}", role=role)
    reason = LostReason.objects.get(name="Price")
    args = {
        None: [],
        "pipeline": [pipeline.pk],
        "stage": [stage(pipeline, "Demo").pk],
        "reason": [reason.pk],
    }[target]
    data = {"name": "X", "to": "0", "order": "1", "probability": "5", "kind": "open", "field_name": "amount"}

    response = getattr(as_user(user), method)(reverse(f"sales:{name}", args=args), data)

    assert response.status_code == 403
    assert "Only admins can change how selling is set up." in response.content.decode()
    assert order(pipeline)[2] == "Demo"
    assert LostReason.objects.filter(pk=reason.pk).exists()
    assert not Pipeline.objects.filter(name="X").exists()


def test_signed_out_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("sales:pipeline-list"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# Pipelines


def test_the_pipeline_list_shows_the_default_and_counts_in_constant_queries(
    as_user, admin_user, pipeline, assert_same_query_count
):
    DealFactory.create_batch(2, pipeline=pipeline)
    client = as_user(admin_user)

    html = client.get(reverse("sales:pipeline-list")).content.decode()

    assert PIPELINE_ROW.findall(html) == [("Sales", "Default"), ("Enterprise", "")]
    assert "<td>7</td>\n            <td>2</td>" in html  # Enterprise's stages and open deals
    assert unlabelled_controls(html) == []
    assert_same_query_count(
        lambda: client.get(reverse("sales:pipeline-list")),
        grow=lambda: [DealFactory(pipeline=PipelineFactory()) for _ in range(5)],
    )


def test_an_admin_creates_a_pipeline_and_lands_on_its_stages(as_user, admin_user):
    response = as_user(admin_user).post(reverse("sales:pipeline-create"), {"name": "Partners"}, follow=True)

    pipeline = Pipeline.objects.get(name="Partners")
    assert response.redirect_chain[-1][0] == reverse("sales:pipeline-detail", args=[pipeline.pk])
    assert stage_names(response.content.decode()) == ["Qualification", "Won", "Lost"]


def test_a_duplicate_pipeline_name_is_shown_on_the_form(as_user, admin_user, pipeline):
    response = as_user(admin_user).post(reverse("sales:pipeline-create"), {"name": "enterprise"})

    assert response.status_code == 200
    assert "There is already a pipeline named enterprise." in response.content.decode()


def test_making_a_pipeline_the_default_from_the_list(as_user, admin_user, pipeline):
    response = as_user(admin_user).post(reverse("sales:pipeline-default", args=[pipeline.pk]), follow=True)

    assert list(Pipeline.objects.filter(is_default=True)) == [pipeline]
    assert "New deals now go to Enterprise unless told otherwise." in messages_of(response)


def test_deactivating_the_default_pipeline_is_refused_with_the_reason(as_user, admin_user):
    default = Pipeline.objects.get(is_default=True)

    response = as_user(admin_user).post(
        reverse("sales:pipeline-active", args=[default.pk]), {"active": "0"}, follow=True
    )

    assert "Sales is the default pipeline; make another one the default first." in messages_of(response)
    default.refresh_from_db()
    assert default.is_active


# Stages


def test_the_pipeline_page_lists_stages_in_order_in_constant_queries(
    as_user, admin_user, pipeline, assert_same_query_count
):
    client = as_user(admin_user)
    url = reverse("sales:pipeline-detail", args=[pipeline.pk])

    html = client.get(url).content.decode()

    assert stage_names(html) == [
        "Qualification",
        "Discovery",
        "Demo",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ]
    assert unlabelled_controls(html) == []
    assert 'data-sortable-url="' + reverse("sales:stage-reorder", args=[pipeline.pk]) in html

    def grow():
        for n in range(5):
            added = stage_create(
                actor=admin_user, pipeline_id=pipeline.pk, name=f"Step {n}", probability=50, kind="open"
            )
            criterion_add(actor=admin_user, stage_id=added.pk, kind="field", field_name="amount")
            DealFactory(pipeline=pipeline, stage=added)

    assert_same_query_count(lambda: client.get(url), grow=grow)


def test_adding_a_stage_with_a_bad_probability_says_so_on_the_form(as_user, admin_user, pipeline):
    response = as_user(admin_user).post(
        reverse("sales:stage-create", args=[pipeline.pk]),
        {"stage-name": "Legal", "stage-probability": "150", "stage-kind": "open"},
    )

    assert response.status_code == 200
    assert "Enter a win probability from 0 to 100 (%)." in response.content.decode()
    assert "Legal" not in order(pipeline)


def test_dragging_a_stage_saves_the_order_and_redraws_the_table(as_user, admin_user, pipeline):
    new_order = ["Discovery", "Qualification", "Demo", "Proposal", "Negotiation", "Lost", "Won"]
    ids = [str(stage(pipeline, name).pk) for name in new_order]

    response = as_user(admin_user).post(
        reverse("sales:stage-reorder", args=[pipeline.pk]), {"order": ids}, **HTMX
    )

    html = response.content.decode()
    assert html.startswith('<div id="stage-table">')
    assert "Saved the new order." in html
    assert stage_names(html) == new_order
    assert order(pipeline) == new_order


def test_a_refused_drag_snaps_back_with_the_reason(as_user, admin_user, pipeline):
    bad = ["Won", "Qualification", "Discovery", "Demo", "Proposal", "Negotiation", "Lost"]
    ids = [str(stage(pipeline, name).pk) for name in bad]

    response = as_user(admin_user).post(
        reverse("sales:stage-reorder", args=[pipeline.pk]), {"order": ids}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert "Won and lost stages come after the open ones: Qualification is open" in html
    assert stage_names(html)[0] == "Qualification"
    assert order(pipeline)[0] == "Qualification"


def test_a_reorder_without_ids_is_a_bad_request(as_user, admin_user, pipeline):
    response = as_user(admin_user).post(reverse("sales:stage-reorder", args=[pipeline.pk]), {"order": ["x"]})

    assert response.status_code == 400


def test_the_move_up_button_moves_a_stage_without_a_mouse(as_user, admin_user, pipeline):
    client = as_user(admin_user)
    demo = stage(pipeline, "Demo")
    html = client.get(reverse("sales:pipeline-detail", args=[pipeline.pk])).content.decode()
    assert f'action="{reverse("sales:stage-move", args=[demo.pk])}"' in html
    assert 'Move up<span class="visually-hidden">: Demo</span>' in html

    response = client.post(reverse("sales:stage-move", args=[demo.pk]), {"to": "1"}, follow=True)

    assert order(pipeline)[:3] == ["Qualification", "Demo", "Discovery"]
    assert "Moved the stage Demo to place 2." in messages_of(response)


def test_editing_a_stage(as_user, admin_user, pipeline):
    demo = stage(pipeline, "Demo")

    as_user(admin_user).post(
        reverse("sales:stage-edit", args=[demo.pk]),
        {"name": "Product demo", "probability": "45", "kind": "open"},
    )

    demo.refresh_from_db()
    assert (demo.name, demo.probability) == ("Product demo", 45)


def test_deleting_a_stage_with_deals_asks_where_to_move_them(as_user, admin_user, pipeline):
    demo = stage(pipeline, "Demo")
    deals = DealFactory.create_batch(2, pipeline=pipeline, stage=demo)
    client = as_user(admin_user)
    url = reverse("sales:stage-delete", args=[demo.pk])

    page = client.get(url).content.decode()
    assert "2 deals are in this stage." in page
    assert unlabelled_controls(page) == []
    refused = client.post(url, {"move_to": ""})
    assert "2 deals are in this stage; move them first." in refused.content.decode()
    response = client.post(url, {"move_to": stage(pipeline, "Proposal").pk}, follow=True)

    assert "Deleted the stage Demo. 2 deals moved to Proposal." in messages_of(response)
    assert {deal.stage.name for deal in type(deals[0]).objects.filter(pk__in=[d.pk for d in deals])} == {
        "Proposal"
    }
    assert not Stage.objects.filter(pk=demo.pk).exists()


def test_the_move_to_choices_are_the_stages_of_the_same_kind(as_user, admin_user, pipeline):
    won = stage(pipeline, "Won")
    DealFactory(pipeline=pipeline, stage=won, status=DealStatus.WON)

    page = as_user(admin_user).get(reverse("sales:stage-delete", args=[won.pk])).content.decode()

    assert "Demo" not in page.split('name="move_to"')[1].split("</select>")[0]


# Exit criteria


def test_adding_an_exit_criterion_labels_it_from_the_choice(as_user, admin_user, pipeline):
    demo = stage(pipeline, "Demo")
    prefix = f"criterion-{demo.pk}"

    response = as_user(admin_user).post(
        reverse("sales:criterion-add", args=[demo.pk]),
        {
            f"{prefix}-kind": "activity",
            f"{prefix}-activity_kind": "meeting",
            f"{prefix}-activity_subject": "demo",
        },
        follow=True,
    )

    criterion = ExitCriterion.objects.get()
    assert (criterion.stage, criterion.label) == (demo, "Meeting: demo")
    assert "Deals now need “Meeting: demo” before they move past Demo." in messages_of(response)
    assert "Meeting: demo" in response.content.decode()


def test_an_incomplete_exit_criterion_is_explained_under_its_stage(as_user, admin_user, pipeline):
    demo = stage(pipeline, "Demo")
    prefix = f"criterion-{demo.pk}"

    response = as_user(admin_user).post(
        reverse("sales:criterion-add", args=[demo.pk]), {f"{prefix}-kind": "field"}
    )

    html = response.content.decode()
    assert "Choose the field to fill in." in html
    assert f'id="id_{prefix}-field_name_error"' in html
    assert not ExitCriterion.objects.exists()


def test_removing_an_exit_criterion(as_user, admin_user, pipeline):
    demo = stage(pipeline, "Demo")
    criterion = criterion_add(actor=admin_user, stage_id=demo.pk, kind="field", field_name="amount")

    as_user(admin_user).post(reverse("sales:criterion-remove", args=[demo.pk, criterion.pk]))

    assert not ExitCriterion.objects.exists()
