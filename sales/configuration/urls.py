"""The admins' sales settings pages, mounted at /pipeline/settings/ by sales/urls.py: pipelines and
stages, lost reasons and onboarding templates."""

from django.urls import path

from sales.configuration import lost_reason_views as reasons
from sales.configuration import onboarding_template_views as onboarding
from sales.configuration import pipeline_views as pipelines

urlpatterns = [
    path("pipelines/", pipelines.pipeline_list, name="pipeline-list"),
    path("pipelines/new/", pipelines.pipeline_create, name="pipeline-create"),
    path("pipelines/<int:pk>/", pipelines.pipeline_detail, name="pipeline-detail"),
    path("pipelines/<int:pk>/rename/", pipelines.pipeline_rename, name="pipeline-rename"),
    path("pipelines/<int:pk>/default/", pipelines.pipeline_default, name="pipeline-default"),
    path("pipelines/<int:pk>/active/", pipelines.pipeline_active, name="pipeline-active"),
    path("pipelines/<int:pk>/stages/new/", pipelines.stage_create, name="stage-create"),
    path("pipelines/<int:pk>/stages/order/", pipelines.stage_reorder, name="stage-reorder"),
    path("stages/<int:pk>/edit/", pipelines.stage_edit, name="stage-edit"),
    path("stages/<int:pk>/move/", pipelines.stage_move, name="stage-move"),
    path("stages/<int:pk>/delete/", pipelines.stage_delete, name="stage-delete"),
    path("stages/<int:pk>/criteria/new/", pipelines.criterion_add, name="criterion-add"),
    path(
        "stages/<int:stage_pk>/criteria/<int:pk>/remove/",
        pipelines.criterion_remove,
        name="criterion-remove",
    ),
    path("lost-reasons/", reasons.lost_reason_list, name="lost-reason-list"),
    path("lost-reasons/new/", reasons.lost_reason_create, name="lost-reason-create"),
    path("lost-reasons/order/", reasons.lost_reason_reorder, name="lost-reason-reorder"),
    path("lost-reasons/<int:pk>/edit/", reasons.lost_reason_edit, name="lost-reason-edit"),
    path("lost-reasons/<int:pk>/move/", reasons.lost_reason_move, name="lost-reason-move"),
    path("lost-reasons/<int:pk>/active/", reasons.lost_reason_active, name="lost-reason-active"),
    path("lost-reasons/<int:pk>/delete/", reasons.lost_reason_delete, name="lost-reason-delete"),
    path("onboarding/", onboarding.template_list, name="onboarding-template-list"),
    path("onboarding/new/", onboarding.template_create, name="onboarding-template-create"),
    path("onboarding/<int:pk>/", onboarding.template_detail, name="onboarding-template-detail"),
    path("onboarding/<int:pk>/edit/", onboarding.template_edit, name="onboarding-template-edit"),
    path("onboarding/<int:pk>/items/new/", onboarding.item_create, name="onboarding-item-create"),
    path("onboarding/<int:pk>/items/order/", onboarding.item_reorder, name="onboarding-item-reorder"),
    path("onboarding/items/<int:pk>/edit/", onboarding.item_edit, name="onboarding-item-edit"),
    path("onboarding/items/<int:pk>/move/", onboarding.item_move, name="onboarding-item-move"),
    path("onboarding/items/<int:pk>/remove/", onboarding.item_remove, name="onboarding-item-remove"),
]
