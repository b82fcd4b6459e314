"""The pages of record imports (accounts and the other types of crm.imports.registry): past imports,
upload, column mapping with a live preview, start, progress and the file of rows not imported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.errors import DomainError, Forbidden, NotFound
from crm.jobs.views import STOP_POLLING
from crm.models import ImportStatus, RecordImport
from crm.models.imports import FileImport
from crm.web.views import AuthenticatedRequest, is_paged, requested_page, service_error

from . import selectors
from .forms import MappingForm, UploadForm, posted_values
from .parsing import FileProblem
from .registry import RecordType, record_type, record_types_for
from .reports import import_report_download
from .services import record_import_confirm, record_import_preview, record_import_upload
from .storage import stored_table

PAGE_SIZE = 25
SHOWN_PROBLEMS = 20


@dataclass(frozen=True)
class ImportRow:
    record_import: FileImport
    label: str  # the record type's, e.g. "Accounts"


def _registered(kind: str) -> RecordType | None:
    """The import's record type, or None when no app registers it any more."""
    try:
        return record_type(kind)
    except NotFound:
        return None


def _label(kind: str) -> str:
    registered = _registered(kind)
    return registered.label if registered else "Records"


@login_required
@require_GET
def import_list(request: AuthenticatedRequest) -> HttpResponse:
    page = requested_page(
        request, selectors.import_list(user=request.user), ordering=["-created_at", "-id"], size=PAGE_SIZE
    )
    context = {
        "page": page,
        "rows": [ImportRow(record_import, _label(record_import.kind)) for record_import in page.rows],
        "is_paged": is_paged(request),
        "can_import": bool(record_types_for(request.user)),
        "heading": "Imports",
        "upload_url": reverse("imports:upload"),
        "upload_label": "New import",
        "show_kinds": True,
    }
    return render(request, "imports/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: AuthenticatedRequest) -> HttpResponse:
    record_types = record_types_for(request.user)
    if not record_types:
        raise Forbidden("Your role cannot import records.", code="import_not_allowed")
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        record_types=record_types,
        initial={"kind": request.GET.get("kind", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            record_import = record_import_upload(
                actor=request.user, kind=form.cleaned_data["kind"], file=form.cleaned_data["file"]
            )
        except DomainError as error:
            service_error(form, error)
        else:
            return redirect("imports:mapping", pk=record_import.pk)
    context = {"form": form, "heading": "New import", "list_url": reverse("imports:list")}
    return render(request, "imports/upload.html", context)


def _editable(request: AuthenticatedRequest, pk: int) -> RecordImport | None:
    """The import, when it waits for its uploader's column mapping; else None (its page is the detail)."""
    record_import = selectors.import_get(user=request.user, pk=pk)
    if record_import.status != ImportStatus.MAPPING or record_import.created_by_id != request.user.pk:
        return None
    return record_import


def _form(request: AuthenticatedRequest, record_import: RecordImport) -> MappingForm:
    imported = record_type(record_import.kind)
    return MappingForm(
        request.POST if request.method == "POST" else None,
        headers=stored_table(record_import).headers,
        fields=imported.fields,
        mapping=record_import.mapping,
        user=request.user,
        date_order=record_import.date_order if imported.date_fields else None,
    )


def _values(request: AuthenticatedRequest, record_import: RecordImport) -> dict[str, dict[str, str]]:
    return posted_values(request.POST) if request.method == "POST" else record_import.values


def _mapping_page(
    request: AuthenticatedRequest, record_import: RecordImport, form: MappingForm, mapping: dict[str, str]
) -> HttpResponse:
    imported = record_type(record_import.kind)
    values = _values(request, record_import)
    date_order = form.cleaned_data.get("date_order") if form.is_bound and form.is_valid() else None
    preview = record_import_preview(
        record_import=record_import, mapping=mapping, values=values, date_order=date_order
    )
    context: dict[str, Any] = {
        "record_import": record_import,
        "fields": imported.fields,
        "label": imported.label,
        "list_url": reverse("imports:list"),
        "form": form,
        "preview": preview,
    }
    try:
        imported.fields.check(preview.headers, mapping)
    except DomainError as problem:
        context["mapping_problem"] = problem.message
    if request.htmx:
        return render(request, "imports/_preview.html", context)
    context["earlier"] = selectors.import_like(
        user=request.user, kind=record_import.kind, headers=preview.headers, before=record_import
    )
    return render(request, "imports/mapping.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """GET: the guessed mapping and its preview. POST (htmx on every change, or the "Update preview"
    button): the preview under the mapping as chosen on the page, saved only when the import starts."""
    record_import = _editable(request, pk)
    if record_import is None:
        return redirect("imports:detail", pk=pk)
    try:
        form = _form(request, record_import)
        mapping = form.mapping() if form.is_valid() else record_import.mapping
        return _mapping_page(request, record_import, form, mapping)
    except FileProblem as problem:
        messages.error(request, problem.message)
        return redirect("imports:list")


@login_required
@require_POST
def import_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    record_import = _editable(request, pk)
    if record_import is None:
        return redirect("imports:detail", pk=pk)
    try:
        return _confirm(request, record_import)
    except FileProblem as problem:
        messages.error(request, problem.message)
        return redirect("imports:list")


def _confirm(request: AuthenticatedRequest, record_import: RecordImport) -> HttpResponse:
    form = _form(request, record_import)
    if not form.is_valid():
        return _mapping_page(request, record_import, form, record_import.mapping)
    try:
        record_import_confirm(
            actor=request.user,
            import_id=record_import.pk,
            mapping=form.mapping(),
            duplicate_policy=form.cleaned_data["duplicate_policy"],
            all_or_nothing=form.cleaned_data["all_or_nothing"],
            owner=form.cleaned_data["owner"],
            values=_values(request, record_import),
            date_order=form.cleaned_data.get("date_order"),
        )
    except DomainError as error:
        service_error(form, error)
        return _mapping_page(request, record_import, form, form.mapping())
    return redirect("imports:detail", pk=record_import.pk)


@login_required
@require_GET
def import_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The job's progress (it polls itself) and the result, which htmx refreshes until the import ends."""
    record_import = selectors.import_get(user=request.user, pk=pk)
    imported = _registered(record_import.kind)
    context = {
        "record_import": record_import,
        "label": imported.label if imported else "Records",
        "records_url": reverse(imported.list_url) if imported else "",
        "problems": selectors.import_problems(record_import=record_import, limit=SHOWN_PROBLEMS),
        "shown_problems": SHOWN_PROBLEMS,
        "is_finished": record_import.status in (ImportStatus.DONE, ImportStatus.FAILED),
    }
    if request.htmx:
        response = render(request, "imports/_result.html", context)
        if context["is_finished"]:
            response.status_code = STOP_POLLING
        return response
    return render(request, "imports/detail.html", context)


@login_required
@require_GET
def import_errors(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    return import_report_download(selectors.import_get(user=request.user, pk=pk))
