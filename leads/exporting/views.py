"""The lead list as a CSV download: the same leads, filters, search and sort as the list page shows.
The API's export (leads.api) answers with the same streamed response."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.views.decorators.http import require_GET

from crm.lists.exporting import csv_download
from crm.web.views import AuthenticatedRequest
from leads.forms import LeadListFilter
from leads.models import Lead
from leads.selectors import lead_list

from .spreadsheet import export_filename, lead_export_chunks


def csv_response(leads: QuerySet[Lead], *, ordering: list[str]) -> StreamingHttpResponse:
    """`leads` (already scoped and filtered) in `ordering` as a CSV download, streamed batch by batch."""
    return csv_download(lead_export_chunks(leads, ordering=ordering), filename=export_filename())


@login_required
@require_GET
def export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    """Every lead of the list the query string describes (not only one page); page cursors are ignored."""
    filterset = LeadListFilter(request.GET, queryset=lead_list(user=request.user))
    return csv_response(filterset.qs, ordering=filterset.keyset_ordering())
