"""The duplicates panel on its own (it asks again while the lead's check is due), and the merge screen:
compare two leads field by field, pick the values to keep, merge."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from crm.errors import DomainError
from crm.web.views import AuthenticatedRequest, page_refusal, service_error
from leads.selectors import lead_get

from .forms import MergeForm
from .rules import SELF_MERGE
from .selectors import duplicate_panel_context, merge_preview
from .services import check_merge, lead_merge


@login_required
@require_GET
def panel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The lead page's "Possible duplicates" panel, for the panel's own polling; 404 unless the user
    sees the lead."""
    lead = lead_get(user=request.user, pk=pk)
    context = {"lead": lead, **duplicate_panel_context(user=request.user, lead=lead)}
    return render(request, "leads/dedupe/_panel.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def merge(request: AuthenticatedRequest, kept: int, merged: int) -> HttpResponse:
    """404 unless the user sees both leads, 403 unless they may change both; the service checks again."""
    if kept == merged:
        messages.error(request, SELF_MERGE)
        return redirect("leads:detail", kept)
    preview = merge_preview(user=request.user, kept_id=kept, merged_id=merged)
    try:
        check_merge(actor=request.user, kept=preview.kept, merged=preview.merged)
    except DomainError as error:
        messages.error(request, page_refusal(error))
        return redirect(preview.kept)
    data = request.POST if request.method == "POST" else None
    form = MergeForm(data, differences=preview.differences)
    if data is not None and form.is_valid():
        try:
            lead_merge(actor=request.user, kept_id=kept, merged_id=merged, field_choices=form.field_choices())
        except DomainError as error:
            service_error(form, error)
        else:
            messages.success(request, f"Merged {preview.merged} into {preview.kept}.")
            return redirect("leads:detail", kept)
    return render(request, "leads/dedupe/merge.html", {"preview": preview, "form": form})
