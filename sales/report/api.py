"""GET /api/v1/sales-report/: the sales report page's figures as JSON, from its selector
(sales.report.selectors).

Months are the months deals were won or lost in, YYYY-MM, both included; left out, the current
quarter. `scope` and `team` choose whose deals as the forecast's do; `pipeline` and `product` narrow the
deals. Amounts are decimal strings in `currency`, the default currency; deals in other currencies are
counted in the counts and `other_currency`, not in the amounts.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.views import actor
from sales.forecast.api import RangeQuerySerializer
from sales.forecast.selectors import ForecastScope, MonthRange
from sales.report.selectors import Results, SalesReport, sales_report_get


class ReportQuerySerializer(RangeQuerySerializer):
    pipeline = serializers.IntegerField(min_value=1, required=False, help_text="Only this pipeline's deals.")
    product = serializers.IntegerField(
        min_value=1, required=False, help_text="Only deals with a line of this product."
    )


def _amount(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


class ResultsSerializer(serializers.Serializer):
    won = serializers.IntegerField(help_text="Deals won in the period.")
    won_amount = _amount(help_text="Their value (default currency).")
    lost = serializers.IntegerField(help_text="Deals lost in the period.")
    lost_amount = _amount(help_text="Their value (default currency).")
    win_rate = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="Won as a percentage of won and lost."
    )
    average_deal = _amount(allow_null=True, help_text="The average won deal (default currency).")
    average_cycle_days = serializers.DecimalField(
        max_digits=10, decimal_places=1, allow_null=True, help_text="Days from creation to win, on average."
    )
    open = serializers.IntegerField(help_text="Deals open today.")
    open_amount = _amount(help_text="Their value (default currency).")
    other_currency = serializers.IntegerField(help_text="Deals counted but not summed (other currencies).")


class PersonResultsSerializer(ResultsSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TeamResultsSerializer(ResultsSerializer):
    id = serializers.IntegerField(allow_null=True, help_text="Null for the people in no team.")
    name = serializers.CharField()
    people = PersonResultsSerializer(many=True)


class OpenStageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    pipeline = serializers.CharField()
    count = serializers.IntegerField(help_text="Deals open in the stage today.")
    amount = _amount(help_text="Their value (default currency).")


class SalesReportSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="YYYY-MM")
    end = serializers.CharField(help_text="YYYY-MM")
    scope = serializers.ChoiceField(choices=ForecastScope.choices)
    team = serializers.IntegerField(allow_null=True)
    pipeline = serializers.IntegerField(allow_null=True)
    product = serializers.IntegerField(allow_null=True)
    currency = serializers.CharField(help_text="The default currency: the only one summed.")
    total = ResultsSerializer()
    teams = TeamResultsSerializer(many=True)
    stages = OpenStageSerializer(many=True, help_text="The open pipeline by stage, in board order.")


def _results(results: Results) -> dict[str, Any]:
    names = ("won", "won_amount", "lost", "lost_amount", "win_rate", "average_deal", "average_cycle_days")
    return {name: getattr(results, name) for name in names} | {
        "open": results.open,
        "open_amount": results.open_amount,
        "other_currency": results.other_currency,
    }


def report_filters_payload(report: SalesReport) -> dict[str, Any]:
    """The filters the report was made with."""
    return {
        "start": f"{report.months.first:%Y-%m}",
        "end": f"{report.months.last:%Y-%m}",
        "scope": report.scope.value,
        "team": report.team.pk if report.team else None,
        "pipeline": report.pipeline.pk if report.pipeline else None,
        "product": report.product.pk if report.product else None,
    }


def report_payload(report: SalesReport) -> dict[str, Any]:
    return {
        **report_filters_payload(report),
        "currency": report.currency,
        "total": _results(report.total.results),
        "teams": [
            {
                "id": team.team.pk if team.team else None,
                "name": team.rollup.label,
                **_results(team.rollup.results),
                "people": [
                    {"id": row.person.pk if row.person else None, "name": row.label, **_results(row.results)}
                    for row in team.people
                ],
            }
            for team in report.teams
        ],
        "stages": [
            {
                "id": row.stage.pk,
                "name": row.stage.name,
                "pipeline": row.stage.pipeline.name,
                "count": row.count,
                "amount": row.amount,
            }
            for row in report.stages
        ],
    }


class SalesReportView(APIView):
    @extend_schema(
        tags=["forecast"],
        summary="Deals won and lost, win rate, deal size and sales cycle per person and team",
        parameters=[ReportQuerySerializer],
        responses={
            200: SalesReportSerializer,
            400: OpenApiResponse(description="A month is not YYYY-MM, or a scope or team is not yours."),
        },
    )
    def get(self, request: Request) -> Response:
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        report = sales_report_get(
            user=actor(request),
            months=MonthRange.parse(data.get("start"), data.get("end")),
            scope=data.get("scope"),
            team_id=data.get("team"),
            pipeline_id=data.get("pipeline"),
            product_id=data.get("product"),
        )
        return Response(SalesReportSerializer(report_payload(report)).data)
