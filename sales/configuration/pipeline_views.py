"""Pipeline settings pages (admins only): pipelines, their stages and the stages' exit criteria.

Lost reasons are in .lost_reason_views, onboarding templates in .onboarding_template_views. Every write
goes through one service of sales.configuration.pipelines or .criteria, which checks the admin again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from crm.errors import DomainError
from crm.web.views import AuthenticatedRequest, page_refusal, service_error
from sales.models import Pipeline, Stage

from . import criteria, pipelines
from .admin_pages import admin_page, posted_active, posted_ids, posted_place, reorder_answer, submitted
from .forms import (
    CriterionForm,
    NameForm,
    StageDeleteForm,
    StageForm,
)
from .selectors import (
    pipeline_get,
    pipeline_rows,
    pipeline_stages,
    stage_get,
    stage_has_history,
)

# Pipelines


@admin_page
def pipeline_list(request: AuthenticatedRequest, form: NameForm | None = None) -> HttpResponse:
    context = {"rows": pipeline_rows(), "form": form or NameForm()}
    return render(request, "sales/configuration/pipeline_list.html", context)


@admin_page
@require_POST
def pipeline_create(request: AuthenticatedRequest) -> HttpResponse:
    form = NameForm(request.POST)
    pipeline = submitted(
        request, form, lambda data: pipelines.pipeline_create(actor=request.user, name=data["name"])
    )
    if pipeline is None:
        return pipeline_list(request, form=form)
    messages.success(request, f"Created the pipeline {pipeline}; adapt its stages below.")
    return redirect("sales:pipeline-detail", pipeline.pk)


@dataclass(frozen=True)
class StageRow:
    stage: Stage
    criterion_form: CriterionForm | None


def _pipeline_page(
    request: AuthenticatedRequest,
    pipeline: Pipeline,
    *,
    rename_form: NameForm | None = None,
    stage_form: StageForm | None = None,
    criterion_form: tuple[int, CriterionForm] | None = None,
) -> HttpResponse:
    bound = dict([criterion_form]) if criterion_form else {}
    rows = [
        StageRow(
            stage,
            (bound.get(stage.pk) or CriterionForm(prefix=f"criterion-{stage.pk}")) if stage.is_open else None,
        )
        for stage in pipeline_stages(pipeline=pipeline)
    ]
    context = {
        "pipeline": pipeline,
        "rows": rows,
        "rename_form": rename_form or NameForm(initial={"name": pipeline.name}, prefix="pipeline"),
        "stage_form": stage_form or StageForm(prefix="stage"),
    }
    return render(request, "sales/configuration/pipeline_detail.html", context)


@admin_page
def pipeline_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _pipeline_page(request, pipeline_get(pk=pk))


@admin_page
@require_POST
def pipeline_rename(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    pipeline = pipeline_get(pk=pk)
    form = NameForm(request.POST, prefix="pipeline")
    saved = submitted(
        request,
        form,
        lambda data: pipelines.pipeline_rename(actor=request.user, pipeline_id=pk, name=data["name"]),
    )
    if saved is None:
        return _pipeline_page(request, pipeline, rename_form=form)
    messages.success(request, "Renamed the pipeline.")
    return redirect("sales:pipeline-detail", pk)


@admin_page
@require_POST
def pipeline_default(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        pipeline = pipelines.pipeline_set_default(actor=request.user, pipeline_id=pk)
    except DomainError as error:
        messages.error(request, page_refusal(error))
    else:
        messages.success(request, f"New deals now go to {pipeline} unless told otherwise.")
    return redirect("sales:pipeline-list")


@admin_page
@require_POST
def pipeline_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    active = posted_active(request)
    if active is None:
        return HttpResponseBadRequest("Say whether to activate (1) or deactivate (0) the pipeline.")
    try:
        pipeline = pipelines.pipeline_set_active(actor=request.user, pipeline_id=pk, active=active)
    except DomainError as error:
        messages.error(request, page_refusal(error))
    else:
        if pipeline.is_active:
            messages.success(request, f"{pipeline} is active again.")
        else:
            messages.success(request, f"Deactivated {pipeline}; its deals stay where they are.")
    return redirect("sales:pipeline-list")


# Stages


@admin_page
@require_POST
def stage_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    pipeline = pipeline_get(pk=pk)
    form = StageForm(request.POST, prefix="stage")
    stage = submitted(
        request, form, lambda data: pipelines.stage_create(actor=request.user, pipeline_id=pk, **data)
    )
    if stage is None:
        return _pipeline_page(request, pipeline, stage_form=form)
    messages.success(request, f"Added the stage {stage}.")
    return redirect(f"{reverse('sales:pipeline-detail', args=[pk])}#stage-{stage.pk}")


@admin_page
@require_http_methods(["GET", "POST"])
def stage_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    stage = stage_get(pk=pk)
    form = StageForm(request.POST if request.method == "POST" else None, stage=stage)
    if (
        submitted(request, form, lambda data: pipelines.stage_update(actor=request.user, stage_id=pk, **data))
        is None
    ):
        return render(request, "sales/configuration/stage_form.html", {"form": form, "stage": stage})
    messages.success(request, f"Saved the stage {form.cleaned_data['name']}.")
    return redirect(f"{reverse('sales:pipeline-detail', args=[stage.pipeline_id])}#stage-{pk}")


@admin_page
@require_http_methods(["GET", "POST"])
def stage_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    stage = stage_get(pk=pk)
    form = StageDeleteForm(request.POST if request.method == "POST" else None, stage=stage)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["move_to"]
        try:
            result = pipelines.stage_delete(
                actor=request.user, stage_id=pk, move_to_id=target.pk if target else None
            )
        except DomainError as error:
            service_error(form, error)
        else:
            message = f"Deleted the stage {result.stage}."
            if result.moved_to is not None:
                moved = result.deals_moved
                message += f" {moved} deal{'s' if moved != 1 else ''} moved to {result.moved_to}."
            messages.success(request, message)
            return redirect("sales:pipeline-detail", stage.pipeline_id)
    context = {"form": form, "stage": stage, "has_history": stage_has_history(stage=stage)}
    return render(request, "sales/configuration/stage_confirm_delete.html", context)


@admin_page
@require_POST
def stage_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The keyboard's reorder: move the stage to place `to` (0 is first)."""
    stage = stage_get(pk=pk)
    to = posted_place(request)
    if to is None:
        return HttpResponseBadRequest("Say where to move the stage.")
    try:
        pipelines.stage_move(actor=request.user, stage_id=pk, to=to)
    except DomainError as error:
        messages.error(request, page_refusal(error))
    else:
        messages.success(request, f"Moved the stage {stage} to place {to + 1}.")
    return redirect(f"{reverse('sales:pipeline-detail', args=[stage.pipeline_id])}#stage-{pk}")


@admin_page
@require_POST
def stage_reorder(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Saves a drag and drop at once; the answer is the stage table in its saved order, with a note."""
    pipeline = pipeline_get(pk=pk)
    ids = posted_ids(request)
    if ids is None:
        return HttpResponseBadRequest("Send the stages' ids in their new order.")
    return reorder_answer(
        request,
        lambda: pipelines.stages_reorder(actor=request.user, pipeline_id=pk, stage_ids=ids),
        back=reverse("sales:pipeline-detail", args=[pk]),
        table="sales/configuration/_stage_table.html",
        context=lambda: {
            "pipeline": pipeline,
            "rows": [StageRow(stage, None) for stage in pipeline_stages(pipeline=pipeline)],
        },
        saved="Saved the new order of the stages.",
    )


# Exit criteria


@admin_page
@require_POST
def criterion_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    stage = stage_get(pk=pk)
    form = CriterionForm(request.POST, prefix=f"criterion-{pk}")
    criterion = submitted(
        request, form, lambda data: criteria.criterion_add(actor=request.user, stage_id=pk, **data)
    )
    if criterion is None:
        return _pipeline_page(request, stage.pipeline, criterion_form=(pk, form))
    messages.success(request, f"Deals now need “{criterion.label}” before they move past {stage}.")
    return redirect(f"{reverse('sales:pipeline-detail', args=[stage.pipeline_id])}#criteria-{pk}")


@admin_page
@require_POST
def criterion_remove(request: AuthenticatedRequest, stage_pk: int, pk: int) -> HttpResponse:
    stage = stage_get(pk=stage_pk)
    criteria.criterion_remove(actor=request.user, criterion_id=pk)
    messages.success(request, f"Removed an exit criterion of {stage}.")
    return redirect(f"{reverse('sales:pipeline-detail', args=[stage.pipeline_id])}#criteria-{stage.pk}")
