"""The lead list as a CSV download: the same leads, filters, search and sort as the list page shows."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.views.decorators.http import require_GET

from crm.web.views import AuthenticatedRequest
from leads.forms import LeadListFilter
from leads.selectors import lead_list

from .spreadsheet import csv_response


@login_required
@require_GET
def export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    """Every lead of the list the query string describes (not only one page); page cursors are ignored."""
    filterset = LeadListFilter(request.GET, queryset=lead_list(user=request.user))
    return csv_response(filterset.qs, ordering=filterset.keyset_ordering())
