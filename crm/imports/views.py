"""The pages of record imports (accounts and the other types of crm.imports.registry): past imports,
upload, column mapping with a live preview and the saved mappings, start, progress and the file of rows
not imported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.errors import DomainError, Forbidden, Invalid, NotFound
from crm.jobs.views import STOP_POLLING
from crm.models import ImportStatus, RecordImport, SavedMapping
from crm.models.imports import FileImport
from crm.web.views import AuthenticatedRequest, is_paged, requested_page, safe_next, service_error

from . import selectors
from .forms import MappingForm, SavedMappingChoiceForm, UploadForm, posted_values
from .parsing import FileProblem
from .registry import RecordType, record_type, record_types_for
from .reports import import_report_download
from .saved import Applied, saved_mapping_changeable
from .services import (
    record_import_confirm,
    record_import_preview,
    record_import_upload,
    record_import_with_saved_mapping,
    saved_mapping_delete,
    saved_mapping_save,
)
from .storage import stored_table

PAGE_SIZE = 25
SHOWN_PROBLEMS = 20


@dataclass(frozen=True)
class ImportRow:
    record_import: FileImport
    label: str  # the record type's, e.g. "Accounts"


@dataclass(frozen=True)
class SavedMappingRow:
    saved: SavedMapping
    label: str
    changeable: bool  # the user may delete it


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
        "saved_mappings": [
            SavedMappingRow(saved, _label(saved.kind), saved_mapping_changeable(request.user, saved))
            for saved in selectors.saved_mapping_list(user=request.user)
        ],
        "show_saved_mappings": True,
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


def _form(
    request: AuthenticatedRequest, record_import: RecordImport, applied: Applied | None = None
) -> MappingForm:
    imported = record_type(record_import.kind)
    date_order = applied.date_order if applied else record_import.date_order
    return MappingForm(
        request.POST if request.method == "POST" else None,
        headers=stored_table(record_import).headers,
        fields=imported.fields,
        mapping=applied.mapping if applied else record_import.mapping,
        user=request.user,
        date_order=date_order if imported.date_fields else None,
    )


def _values(
    request: AuthenticatedRequest, record_import: RecordImport, applied: Applied | None = None
) -> dict[str, dict[str, str]]:
    if request.method == "POST":
        return posted_values(request.POST)
    return applied.values if applied else record_import.values


def _mapping_page(
    request: AuthenticatedRequest,
    record_import: RecordImport,
    form: MappingForm,
    mapping: dict[str, str],
    applied: Applied | None = None,
) -> HttpResponse:
    imported = record_type(record_import.kind)
    values = _values(request, record_import, applied)
    if form.is_bound and form.is_valid():
        date_order = form.cleaned_data.get("date_order")
    else:
        date_order = applied.date_order if applied else None
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
    matches = selectors.saved_mappings_for_file(
        user=request.user, kind=record_import.kind, headers=preview.headers
    )
    initial = {"saved": applied.match.saved.pk} if applied else {}
    context["saved_choice"] = SavedMappingChoiceForm(matches=matches, initial=initial)
    context["save_mapping_url"] = reverse("imports:save-mapping", args=[record_import.pk])
    context["applied"] = applied.match if applied else None
    # What the page starts from, unless the user applied a saved mapping: the one the upload chose, else
    # the user's earlier import of the same columns.
    if applied is None and request.method == "GET":
        context["mapped_with"] = record_import.saved_mapping
        if record_import.saved_mapping is None:
            context["earlier"] = selectors.import_like(
                user=request.user, kind=record_import.kind, headers=preview.headers, before=record_import
            )
    return render(request, "imports/mapping.html", context)


def _applied(request: AuthenticatedRequest, record_import: RecordImport) -> Applied | None:
    """The saved mapping the user chose to apply (?saved=id), applied to the file's headers."""
    try:
        saved_id = int(request.GET.get("saved", ""))
    except ValueError:
        return None
    try:
        return record_import_with_saved_mapping(
            actor=request.user, record_import=record_import, saved_mapping_id=saved_id
        )
    except Invalid as error:
        messages.error(request, error.message)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """GET: the guessed mapping (or the saved mapping of ?saved=id, applied) and its preview. POST (htmx
    on every change, or the "Update preview" button): the preview under the mapping as chosen on the
    page, saved only when the import starts."""
    record_import = _editable(request, pk)
    if record_import is None:
        return redirect("imports:detail", pk=pk)
    try:
        applied = _applied(request, record_import) if request.method == "GET" else None
        form = _form(request, record_import, applied)
        if form.is_bound:
            mapping = form.mapping() if form.is_valid() else record_import.mapping
        else:
            mapping = applied.mapping if applied else record_import.mapping
        return _mapping_page(request, record_import, form, mapping, applied)
    except FileProblem as problem:
        messages.error(request, problem.message)
        return redirect("imports:list")


@login_required
@require_POST
def import_save_mapping(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The "Save mapping" button: saves the page's columns and values under the name given, and shows the
    page again as it was, to go on with the import."""
    record_import = _editable(request, pk)
    if record_import is None:
        return redirect("imports:detail", pk=pk)
    try:
        form = _form(request, record_import)
        if not form.is_valid():
            return _mapping_page(request, record_import, form, record_import.mapping)
        if not form.cleaned_data["save_as"]:
            form.add_error("save_as", "Name the mapping, e.g. after the system the file comes from.")
        else:
            _save_mapping(request, record_import, form)
        return _mapping_page(request, record_import, form, form.mapping())
    except FileProblem as problem:
        messages.error(request, problem.message)
        return redirect("imports:list")


def _save_mapping(request: AuthenticatedRequest, record_import: RecordImport, form: MappingForm) -> bool:
    """Saves the page's mapping under the form's name; False, with the refusal on the form, if refused."""
    try:
        result = saved_mapping_save(
            actor=request.user,
            kind=record_import.kind,
            name=form.cleaned_data["save_as"],
            mapping=form.mapping(),
            values=_values(request, record_import),
            date_order=form.cleaned_data.get("date_order") or "",
            headers=form.headers,
        )
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        form.add_error("save_as" if error.field in ("name", "date_order") else None, error.message)
        return False
    what = "Saved" if result.created else "Updated"
    messages.success(request, f"{what} the mapping “{result.saved.name}”.")
    return True


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
    if form.cleaned_data["save_as"] and not _save_mapping(request, record_import, form):
        return _mapping_page(request, record_import, form, form.mapping())
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
        "owned": imported.fields.owned if imported else False,
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


@login_required
@require_POST
def saved_mapping_delete_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    saved = saved_mapping_delete(actor=request.user, saved_mapping_id=pk)
    messages.success(request, f"Deleted the saved mapping “{saved.name}”.")
    return redirect(safe_next(request, reverse("imports:list")))
