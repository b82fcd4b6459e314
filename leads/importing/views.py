"""The import pages: past imports, upload, column mapping with a live preview, start, progress and report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm import access
from crm.errors import DomainError
from crm.imports.parsing import FileProblem
from crm.imports.reports import import_report_download
from crm.imports.storage import stored_table
from crm.imports.views import ImportRow
from crm.jobs.views import STOP_POLLING
from crm.web.views import AuthenticatedRequest, is_paged, requested_page, service_error
from leads.models import ImportStatus, Lead, LeadImport, LeadSettings

from . import selectors, services
from .forms import MappingForm, UploadForm
from .mapping import FIELDS, check_mapping

PAGE_SIZE = 25
SHOWN_PROBLEMS = 20


@login_required
@require_GET
def import_list(request: AuthenticatedRequest) -> HttpResponse:
    imports = requested_page(
        request, selectors.import_list(user=request.user), ordering=["-created_at", "-id"], size=PAGE_SIZE
    )
    context = {
        "page": imports,
        "rows": [ImportRow(lead_import, "Leads") for lead_import in imports.rows],
        "is_paged": is_paged(request),
        "can_import": access.can_create(request.user, Lead),
        "heading": "Lead imports",
        "upload_url": reverse("leads:import-upload"),
        "upload_label": "Import leads",
        "records": "leads",
    }
    return render(request, "leads/importing/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: AuthenticatedRequest) -> HttpResponse:
    access.ensure_can_create(request.user, Lead)
    limits = LeadSettings.current()
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        max_rows=limits.import_max_rows,
        max_megabytes=limits.import_max_megabytes,
    )
    if request.method == "POST" and form.is_valid():
        try:
            lead_import = services.import_upload(actor=request.user, file=form.cleaned_data["file"])
        except DomainError as error:
            service_error(form, error)
        else:
            return redirect("leads:import-mapping", pk=lead_import.pk)
    context = {"form": form, "heading": "Import leads", "list_url": reverse("leads:import-list")}
    return render(request, "leads/importing/upload.html", context)


def _mapping_page(
    request: AuthenticatedRequest, lead_import: LeadImport, form: MappingForm, mapping: dict[str, str]
) -> HttpResponse:
    preview = services.import_preview(lead_import=lead_import, mapping=mapping)
    context: dict[str, Any] = {
        "record_import": lead_import,
        "fields": FIELDS,
        "label": "Leads",
        "list_url": reverse("leads:import-list"),
        "form": form,
        "preview": preview,
    }
    try:
        check_mapping(preview.headers, mapping)
    except DomainError as problem:
        context["mapping_problem"] = problem.message
    if request.htmx:
        return render(request, "imports/_preview.html", context)
    context["previous"] = selectors.import_previous(lead_import=lead_import)
    return render(request, "leads/importing/mapping.html", context)


def _editable(request: AuthenticatedRequest, pk: int) -> LeadImport | None:
    lead_import = selectors.import_get(user=request.user, pk=pk)
    if lead_import.status != ImportStatus.MAPPING or lead_import.created_by_id != request.user.pk:
        return None
    return lead_import


def _form(request: AuthenticatedRequest, lead_import: LeadImport) -> MappingForm:
    headers = stored_table(lead_import).headers
    data = request.POST if request.method == "POST" else None
    return MappingForm(data, headers=headers, mapping=lead_import.mapping, user=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """GET: the guessed mapping and its preview. POST (htmx on every change, or the "Update preview"
    button): the preview under the mapping as chosen on the page, saved only when the import starts."""
    lead_import = _editable(request, pk)
    if lead_import is None:
        return redirect("leads:import-detail", pk=pk)
    try:
        form = _form(request, lead_import)
        mapping = form.mapping() if form.is_valid() else lead_import.mapping
        return _mapping_page(request, lead_import, form, mapping)
    except FileProblem as problem:
        messages.error(request, problem.message)
        return redirect("leads:import-list")


@login_required
@require_POST
def import_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    lead_import = _editable(request, pk)
    if lead_import is None:
        return redirect("leads:import-detail", pk=pk)
    try:
        return _confirm(request, lead_import)
    except FileProblem as problem:
        messages.error(request, problem.message)
        return redirect("leads:import-list")


def _confirm(request: AuthenticatedRequest, lead_import: LeadImport) -> HttpResponse:
    form = _form(request, lead_import)
    if not form.is_valid():
        return _mapping_page(request, lead_import, form, lead_import.mapping)
    try:
        services.import_confirm(
            actor=request.user,
            import_id=lead_import.pk,
            mapping=form.mapping(),
            duplicate_policy=form.cleaned_data["duplicate_policy"],
            all_or_nothing=form.cleaned_data["all_or_nothing"],
            owner=form.cleaned_data["owner"],
            run_assignment_rules=form.cleaned_data["run_assignment_rules"],
        )
    except DomainError as error:
        service_error(form, error)
        return _mapping_page(request, lead_import, form, form.mapping())
    return redirect("leads:import-detail", pk=lead_import.pk)


@login_required
@require_GET
def import_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The job's progress (it polls itself) and the result, which htmx refreshes until the import ends."""
    lead_import = selectors.import_get(user=request.user, pk=pk)
    context = {
        "record_import": lead_import,
        "label": "Leads",
        "records_url": reverse("leads:index"),
        "problems": selectors.import_problems(lead_import=lead_import, limit=SHOWN_PROBLEMS),
        "shown_problems": SHOWN_PROBLEMS,
        "is_finished": lead_import.status in (ImportStatus.DONE, ImportStatus.FAILED),
    }
    if request.htmx:
        response = render(request, "imports/_result.html", context)
        if context["is_finished"]:
            response.status_code = STOP_POLLING
        return response
    return render(request, "leads/importing/detail.html", context)


@login_required
@require_GET
def import_errors(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    return import_report_download(selectors.import_get(user=request.user, pk=pk))
