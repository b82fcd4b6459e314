"""Pipeline settings pages (admins only): pipelines, their stages and the stages' exit criteria.

Lost reasons are in .lost_reason_views, onboarding templates in .onboarding_views. Every write goes
through one service of sales.configuration.services, which checks the admin again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from crm.errors import DomainError
from crm.views import AuthenticatedRequest
from sales.models import Pipeline, Stage

from . import services
from .forms import (
    CriterionForm,
    NameForm,
    StageDeleteForm,
    StageForm,
    show_service_error,
)
from .selectors import (
    pipeline_get,
    pipeline_rows,
    pipeline_stages,
    stage_get,
    stage_has_history,
)

View = Callable[..., HttpResponse]
REFUSALS = (DomainError, ValidationError)


def admin_page(view: View) -> View:
    """Signed-in admins only; anyone else signed in is told the page is for admins (403)."""

    @login_required
    @wraps(view)
    def wrapped(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.is_active and request.user.is_admin):
            raise PermissionDenied("Only admins can change how selling is set up.")
        return view(request, *args, **kwargs)

    return wrapped


def posted_ids(request: AuthenticatedRequest, name: str = "order") -> list[int] | None:
    values = request.POST.getlist(name)
    if not values or not all(value.isdigit() for value in values):
        return None
    return [int(value) for value in values]


def posted_place(request: AuthenticatedRequest) -> int | None:
    to = request.POST.get("to", "")
    return int(to) if to.isdigit() else None


# Pipelines


@admin_page
def pipeline_list(request: AuthenticatedRequest, form: NameForm | None = None) -> HttpResponse:
    context = {"rows": pipeline_rows(), "form": form or NameForm()}
    return render(request, "sales/configuration/pipeline_list.html", context)


@admin_page
@require_POST
def pipeline_create(request: AuthenticatedRequest) -> HttpResponse:
    form = NameForm(request.POST)
    if form.is_valid():
        try:
            pipeline = services.pipeline_create(actor=request.user, name=form.cleaned_data["name"])
        except REFUSALS as error:
            show_service_error(form, error)
        else:
            messages.success(request, f"Created the pipeline {pipeline}; adapt its stages below.")
            return redirect("sales:pipeline-detail", pipeline.pk)
    return pipeline_list(request, form=form)


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
    if form.is_valid():
        try:
            services.pipeline_rename(actor=request.user, pipeline_id=pk, name=form.cleaned_data["name"])
        except REFUSALS as error:
            show_service_error(form, error)
        else:
            messages.success(request, "Renamed the pipeline.")
            return redirect("sales:pipeline-detail", pk)
    return _pipeline_page(request, pipeline, rename_form=form)


@admin_page
@require_POST
def pipeline_default(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        pipeline = services.pipeline_set_default(actor=request.user, pipeline_id=pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"New deals now go to {pipeline} unless told otherwise.")
    return redirect("sales:pipeline-list")


@admin_page
@require_POST
def pipeline_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    active = request.POST.get("active")
    if active not in ("0", "1"):
        return HttpResponseBadRequest("Say whether to activate (1) or deactivate (0) the pipeline.")
    try:
        pipeline = services.pipeline_set_active(actor=request.user, pipeline_id=pk, active=active == "1")
    except DomainError as error:
        messages.error(request, error.message)
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
    if form.is_valid():
        try:
            stage = services.stage_create(actor=request.user, pipeline_id=pk, **form.cleaned_data)
        except REFUSALS as error:
            show_service_error(form, error)
        else:
            messages.success(request, f"Added the stage {stage}.")
            return redirect(f"{reverse('sales:pipeline-detail', args=[pk])}#stage-{stage.pk}")
    return _pipeline_page(request, pipeline, stage_form=form)


@admin_page
@require_http_methods(["GET", "POST"])
def stage_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    stage = stage_get(pk=pk)
    form = StageForm(request.POST if request.method == "POST" else None, stage=stage)
    if request.method == "POST" and form.is_valid():
        try:
            services.stage_update(actor=request.user, stage_id=pk, **form.cleaned_data)
        except REFUSALS as error:
            show_service_error(form, error)
        else:
            messages.success(request, f"Saved the stage {form.cleaned_data['name']}.")
            return redirect(f"{reverse('sales:pipeline-detail', args=[stage.pipeline_id])}#stage-{pk}")
    return render(request, "sales/configuration/stage_form.html", {"form": form, "stage": stage})


@admin_page
@require_http_methods(["GET", "POST"])
def stage_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    stage = stage_get(pk=pk)
    form = StageDeleteForm(request.POST if request.method == "POST" else None, stage=stage)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["move_to"]
        try:
            result = services.stage_delete(
                actor=request.user, stage_id=pk, move_to_id=target.pk if target else None
            )
        except DomainError as error:
            show_service_error(form, error)
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
        services.stage_move(actor=request.user, stage_id=pk, to=to)
    except DomainError as error:
        messages.error(request, error.message)
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
    error = ""
    try:
        services.stages_reorder(actor=request.user, pipeline_id=pk, stage_ids=ids)
    except DomainError as refusal:
        error = refusal.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, "Saved the new order of the stages.")
        return redirect("sales:pipeline-detail", pk)
    context = {
        "pipeline": pipeline,
        "rows": [StageRow(stage, None) for stage in pipeline_stages(pipeline=pipeline)],
        "order_error": error,
        "order_saved": not error,
    }
    return render(request, "sales/configuration/_stage_table.html", context)


# Exit criteria


@admin_page
@require_POST
def criterion_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    stage = stage_get(pk=pk)
    form = CriterionForm(request.POST, prefix=f"criterion-{pk}")
    if form.is_valid():
        try:
            criterion = services.criterion_add(actor=request.user, stage_id=pk, **form.cleaned_data)
        except REFUSALS as error:
            show_service_error(form, error)
        else:
            messages.success(request, f"Deals now need “{criterion.label}” before they move past {stage}.")
            return redirect(f"{reverse('sales:pipeline-detail', args=[stage.pipeline_id])}#criteria-{pk}")
    return _pipeline_page(request, stage.pipeline, criterion_form=(pk, form))


@admin_page
@require_POST
def criterion_remove(request: AuthenticatedRequest, stage_pk: int, pk: int) -> HttpResponse:
    stage = stage_get(pk=stage_pk)
    services.criterion_remove(actor=request.user, criterion_id=pk)
    messages.success(request, f"Removed an exit criterion of {stage}.")
    return redirect(f"{reverse('sales:pipeline-detail', args=[stage.pipeline_id])}#criteria-{stage.pk}")
