"""The sales report page (per person and team, with a chart of win rates and the open pipeline by stage)
and its CSV download."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.errors import DomainError
from crm.lists.exporting import Column, csv_chunks, csv_download
from crm.models import Role
from crm.web.views import AuthenticatedRequest, service_error
from sales.forecast.selectors import forecast_scopes
from sales.report.forms import ReportForm
from sales.report.selectors import ReportRow, Results, SalesReport, sales_report_get

NONE = "—"


def _report(request: AuthenticatedRequest) -> tuple[ReportForm, SalesReport | None]:
    form = ReportForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    team, pipeline, product = data.get("team"), data.get("pipeline"), data.get("product")
    try:
        report = sales_report_get(
            user=request.user,
            months=data["months"],
            scope=data.get("scope"),
            team_id=team.pk if team else None,
            pipeline_id=pipeline.pk if pipeline else None,
            product_id=product.pk if product else None,
        )
    except DomainError as error:
        service_error(form, error)
        return form, None
    return form, report


def chart_data(report: SalesReport) -> dict[str, Any]:
    """What static/sales/report.js draws: each person's win rate (null for nobody closed)."""
    people = [row for team in report.teams for row in team.people]
    return {
        "labels": [row.label for row in people],
        "win_rate": [None if row.results.win_rate is None else str(row.results.win_rate) for row in people],
        "closed": [row.results.won + row.results.lost for row in people],
    }


@login_required
@require_GET
def sales_report(request: AuthenticatedRequest) -> HttpResponse:
    form, report = _report(request)
    user = request.user
    context = {
        "form": form,
        "report": report,
        "chart": chart_data(report) if report else None,
        "largest_stage": max((row.amount for row in report.stages), default=0) if report else 0,
        "show_scope": len(forecast_scopes(user)) > 1,
        "show_team": user.is_admin or user.role == Role.SALES_MANAGER,
        "query": request.GET.urlencode(),
    }
    return render(request, "sales/report/report.html", context)


def _optional(value: Any) -> Any:
    return "" if value is None else value


# One row per person, then each team's total and the total: (team, person or "Team total", results).
EXPORT_COLUMNS = [
    Column("Team", lambda row: row[0]),
    Column("Person", lambda row: row[1]),
    Column("Won", lambda row: row[2].won, is_text=False),
    Column("Won value", lambda row: row[2].won_amount, is_text=False),
    Column("Lost", lambda row: row[2].lost, is_text=False),
    Column("Lost value", lambda row: row[2].lost_amount, is_text=False),
    Column("Win rate %", lambda row: _optional(row[2].win_rate), is_text=False),
    Column("Average won deal", lambda row: _optional(row[2].average_deal), is_text=False),
    Column("Average sales cycle (days)", lambda row: _optional(row[2].average_cycle_days), is_text=False),
    Column("Open deals", lambda row: row[2].open, is_text=False),
    Column("Open pipeline", lambda row: row[2].open_amount, is_text=False),
    Column("Deals in other currencies", lambda row: row[2].other_currency, is_text=False),
]


def export_rows(report: SalesReport) -> list[tuple[str, str, Results]]:
    rows: list[tuple[str, str, Results]] = []
    for team in report.teams:
        rows += [(team.rollup.label, person.label, person.results) for person in team.people]
        rows.append((team.rollup.label, "Team total", team.rollup.results))
    total: ReportRow = report.total
    rows.append(("", total.label, total.results))
    return rows


@login_required
@require_GET
def sales_report_export(request: AuthenticatedRequest) -> HttpResponseBase:
    form, report = _report(request)
    if report is None:
        # The page with the same filters shows what is wrong with them.
        return sales_report(request)
    name = f"sales-report-{report.months.first:%Y-%m}-to-{report.months.last:%Y-%m}-{report.currency}.csv"
    return csv_download(csv_chunks(EXPORT_COLUMNS, [export_rows(report)]), filename=name)
