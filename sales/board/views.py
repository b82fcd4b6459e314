"""The pipeline board: its columns (each loads its own cards), and moving a deal to another stage."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from crm import access
from crm.errors import Conflict, DomainError, Forbidden, NotFound
from crm.lists.sorting import list_query
from crm.web.views import AuthenticatedRequest
from sales.board.presenters import cards_presented
from sales.board.selectors import (
    CLOSED_WINDOW_DAYS,
    board_deals,
    board_pipeline,
    board_pipelines,
    board_stage,
    board_totals,
    column_page,
    column_totals,
)
from sales.errors import ExitCriteriaUnmet
from sales.filters import BOARD_FILTERS, BoardFilter
from sales.forms import MoveForm
from sales.models import Deal, Stage, StageKind
from sales.selectors import active_lost_reasons, board_stages, deal_get
from sales.services.deals import deal_move


@login_required
@require_GET
def board(request: AuthenticatedRequest, pipeline_id: int | None = None) -> HttpResponse:
    pipelines = board_pipelines()
    pipeline = board_pipeline(pipeline_id=pipeline_id, pipelines=pipelines)
    if pipeline is None:
        return render(request, "sales/board/no_pipeline.html", {"user_is_admin": request.user.is_admin})
    stages = board_stages(pipeline=pipeline)
    filterset = BoardFilter(request.GET, queryset=board_deals(user=request.user))
    totals = column_totals(deals=filterset.qs, stages=stages)
    columns = [totals[stage.pk] for stage in stages]
    context = {
        "pipelines": pipelines,
        "pipeline": pipeline,
        "columns": columns,
        "board_totals": board_totals(columns),
        "filter": filterset,
        "query": filterset.query,
        "lost_reasons": list(active_lost_reasons()),
        "can_create": access.can_create(request.user, Deal),
        "closed_window_days": CLOSED_WINDOW_DAYS,
    }
    return render(request, "sales/board/board.html", context)


@login_required
@require_GET
def column(request: AuthenticatedRequest, pipeline_id: int, stage_id: int) -> HttpResponse:
    """One page of a column's cards, and (out of band) the column's "Load more" after them."""
    stage = board_stage(pipeline_id=pipeline_id, stage_id=stage_id)
    filterset = BoardFilter(request.GET, queryset=board_deals(user=request.user))
    page = column_page(deals=filterset.qs, stage=stage, after=request.GET.get("after"))
    today = timezone.localdate()
    next_url = ""
    if page.next_cursor:
        query = list_query(request.GET, BOARD_FILTERS)
        query["after"] = page.next_cursor
        next_url = f"{reverse('sales:board-column', args=[pipeline_id, stage_id])}?{query.urlencode()}"
    context = {
        "stage": stage,
        "cards": cards_presented(request.user, page.rows, today=today),
        "next_url": next_url,
        "first_page": not request.GET.get("after"),
        "closed_window_days": CLOSED_WINDOW_DAYS,
    }
    return render(request, "sales/board/_column_page.html", context)


@login_required
@require_POST
def move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Moves a deal (a board drop, or the detail page's form) through deal_move.

    To the board (an HTMX request) a move answers with the card and both columns' headers, a refusal
    with its message as JSON: 422 for missing criteria or input, 409 when someone moved the deal first
    (with the stage it is in now), 403 when the deal is read-only to the user.
    """
    deal = deal_get(user=request.user, pk=pk)
    form = MoveForm(request.POST, deal=deal)
    if not form.is_valid():
        summary = " ".join(str(error) for errors in form.errors.values() for error in errors)
        return _refused(request, deal, summary, status=422)
    data = form.cleaned_data
    try:
        moved = deal_move(
            actor=request.user,
            deal_id=deal.pk,
            stage_id=data["stage"].pk,
            expected_stage_id=data["expected_stage"],
            lost_reason_id=data["lost_reason"].pk if data["lost_reason"] else None,
            lost_note=data["lost_note"],
            closed_at=form.closed_at,
        )
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        if isinstance(error, ExitCriteriaUnmet):
            return _refused(request, deal, error.message, status=422, missing=error.missing)
        if isinstance(error, Conflict):
            return _refused(request, deal, error.message, status=409, stage_id=_current_stage_id(deal))
        return _refused(request, deal, error.message, status=403 if isinstance(error, Forbidden) else 422)
    if not request.htmx:
        messages.success(request, f"Moved {moved} to {moved.stage}.")
        return redirect(moved)
    return _moved(request, moved, old_stage=deal.stage)


def _current_stage_id(deal: Deal) -> int | None:
    return Deal.objects.filter(pk=deal.pk).values_list("stage_id", flat=True).first()


def _refused(
    request: AuthenticatedRequest, deal: Deal, message: str, *, status: int, **extra: Any
) -> HttpResponse:
    if not request.htmx:
        messages.error(request, f"{deal} was not moved. {message}")
        return redirect(deal)
    return JsonResponse({"message": message, **extra}, status=status)


def _moved(request: AuthenticatedRequest, deal: Deal, *, old_stage: Stage) -> HttpResponse:
    """The card where it was dropped; out of band, the old and new columns' headers, the board's totals
    and, for a win or a loss, a note saying so (the card lands in a column that may be out of sight)."""
    stages = board_stages(pipeline=deal.stage.pipeline)
    filterset = BoardFilter(request.GET, queryset=board_deals(user=request.user))
    totals = column_totals(deals=filterset.qs, stages=stages)
    moved_ids = {old_stage.pk, deal.stage_id}
    context = {
        "cards": cards_presented(request.user, [deal], today=timezone.localdate()),
        "headers": [totals[stage.pk] for stage in stages if stage.pk in moved_ids],
        "board_totals": board_totals(list(totals.values())),
        "deal": deal,
        "closed": deal.stage.kind != StageKind.OPEN,
        "closed_window_days": CLOSED_WINDOW_DAYS,
    }
    return render(request, "sales/board/_moved.html", context)
