"""The forecast page (per close month, person and team, with a chart) and the quota grid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from crm.errors import DomainError
from crm.models import Role, Team
from crm.web.views import AuthenticatedRequest, service_error
from sales.forecast.forms import ForecastForm, QuotaGridForm, RangeForm
from sales.forecast.selectors import (
    Figures,
    Forecast,
    ForecastRow,
    MonthRange,
    forecast_get,
    forecast_scopes,
    may_set_quotas,
    quota_grid,
    quota_people,
)
from sales.forecast.services import quotas_set_many

# Each month is a column of inputs; a year fits on a wide screen.
QUOTA_MAX_MONTHS = 12


@dataclass(frozen=True)
class TableRow:
    row: ForecastRow
    figures: Figures


@dataclass(frozen=True)
class TeamTable:
    label: str
    people: tuple[TableRow, ...]
    figures: Figures


@dataclass(frozen=True)
class PeriodTable:
    """The page's table for one month (or, with `month` None, the whole range)."""

    month: date | None
    teams: tuple[TeamTable, ...]
    total: Figures


def period_tables(forecast: Forecast) -> list[PeriodTable]:
    """The whole range first, then each month: the same rows, one column of figures each."""

    def table(index: int | None, month: date | None) -> PeriodTable:
        def pick(row: ForecastRow) -> Figures:
            return row.total if index is None else row.months[index]

        teams = tuple(
            TeamTable(
                team.rollup.label, tuple(TableRow(row, pick(row)) for row in team.people), pick(team.rollup)
            )
            for team in forecast.teams
        )
        return PeriodTable(month=month, teams=teams, total=pick(forecast.total))

    return [table(None, None), *(table(index, month) for index, month in enumerate(forecast.months.months))]


def chart_data(forecast: Forecast) -> dict[str, Any]:
    """What static/sales/forecast.js draws: per month won, commit and weighted bars and the quota line."""
    months = forecast.total.months

    def amounts(name: str) -> list[str | None]:
        values: list[Decimal | None] = [getattr(figures, name) for figures in months]
        return [None if value is None else f"{value:.2f}" for value in values]

    return {
        "labels": [f"{month:%b %Y}" for month in forecast.months.months],
        "currency": forecast.currency,
        "won": amounts("won"),
        "commit": amounts("commit"),
        "weighted": amounts("weighted"),
        "quota": amounts("quota"),
    }


@login_required
@require_GET
def forecast(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    form = ForecastForm(request.GET, user=user)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        team = data.get("team")
        try:
            result = forecast_get(
                user=user, months=data["months"], scope=data.get("scope"), team_id=team.pk if team else None
            )
        except DomainError as error:
            service_error(form, error)
    context = {
        "form": form,
        "forecast": result,
        "tables": period_tables(result) if result else [],
        "chart": chart_data(result) if result else None,
        "show_scope": len(forecast_scopes(user)) > 1,
        "show_team": user.is_admin or user.role == Role.SALES_MANAGER,
        "can_set_quotas": may_set_quotas(user),
    }
    return render(request, "sales/forecast/forecast.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def quotas(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not may_set_quotas(user):
        raise PermissionDenied("Only sales managers and admins set quotas.")
    teams = Team.objects.all() if user.is_admin else Team.objects.filter(manager=user)
    params = request.POST if request.method == "POST" else request.GET
    range_form = RangeForm(
        params, teams=teams, default=MonthRange.this_quarter(), max_months=QUOTA_MAX_MONTHS
    )
    if not range_form.is_valid():
        return render(request, "sales/forecast/quotas.html", {"range_form": range_form, "grid": None})
    months = range_form.cleaned_data["months"].months
    team = range_form.cleaned_data.get("team")
    people_query = quota_people(user=user)
    if team is not None:
        people_query = people_query.filter(team=team)
    people = sorted(people_query, key=lambda p: (p.team is None, str(p.team or ""), str(p).lower()))
    current = quota_grid(people=people, months=range_form.cleaned_data["months"])
    grid = QuotaGridForm(
        request.POST if request.method == "POST" else None, people=people, months=months, current=current
    )
    if request.method == "POST" and grid.is_valid():
        try:
            changes = quotas_set_many(actor=user, entries=grid.entries())
        except DomainError as error:
            service_error(grid, error)
        else:
            messages.success(request, f"Saved the quotas: {changes.set} set, {changes.cleared} cleared.")
            query = QueryDict(mutable=True)
            for key in ("start", "end", "team"):
                if value := range_form.params.get(key):
                    query[key] = value
            return redirect(f"{reverse('sales:forecast-quotas')}?{query.urlencode()}")
    context = {"range_form": range_form, "grid": grid, "months": months}
    return render(request, "sales/forecast/quotas.html", context)
