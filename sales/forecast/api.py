"""GET /api/v1/forecast/: the forecast page's figures as JSON, from its selector (sales.forecast.selectors).

Months are close months written YYYY-MM, both included; left out, the current quarter. `scope` is whose
deals (me, team, all) as on the page, defaulting by role (admins everyone, managers their teams, anyone
else themselves); `team` and `owner` narrow it further. Amounts are decimal strings in `currency`, the
default currency; deals in other currencies are only counted (`other_currency`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.views import actor
from sales.forecast.selectors import Figures, Forecast, ForecastRow, ForecastScope, MonthRange, forecast_get

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
MONTH_FORMAT = "Give the month as YYYY-MM, e.g. 2025-04."


class RangeQuerySerializer(serializers.Serializer):
    """The months and whose deals, as the forecast and the sales report take them."""

    start = serializers.RegexField(
        MONTH,
        required=False,
        error_messages={"invalid": MONTH_FORMAT},
        help_text="The first close month, YYYY-MM; without start and end, this quarter.",
    )
    end = serializers.RegexField(
        MONTH,
        required=False,
        error_messages={"invalid": MONTH_FORMAT},
        help_text="The last close month, YYYY-MM (included); 24 months at most in all.",
    )
    scope = serializers.ChoiceField(
        choices=ForecastScope.choices,
        required=False,
        help_text="Whose deals: me; team (your teams: managers, and reps when their team's deals are shared "
        "with them); all (admins). Defaults by role.",
    )
    team = serializers.IntegerField(min_value=1, required=False, help_text="Only this team (one of yours).")


class ForecastQuerySerializer(RangeQuerySerializer):
    owner = serializers.IntegerField(min_value=1, required=False, help_text="Only this person's deals.")


def _amount(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


class FiguresSerializer(serializers.Serializer):
    won = _amount(help_text="Won deals closed in the period.")
    commit = _amount(help_text="Open deals in the commit forecast category.")
    best_case = _amount(help_text="Open deals in the best case forecast category.")
    pipeline = _amount(help_text="Every open deal, omitted ones included.")
    weighted = _amount(help_text="Open deals' amounts times their stage's win probability.")
    quota = _amount(allow_null=True, help_text="The sum of the quotas set; null when none is.")
    attainment = serializers.DecimalField(
        max_digits=10, decimal_places=1, allow_null=True, help_text="Won as a percentage of the quota."
    )
    omitted_count = serializers.IntegerField(help_text="Open deals omitted from commit and best case.")
    omitted_amount = _amount(help_text="Their amount (in pipeline and weighted).")
    other_currency = serializers.IntegerField(help_text="Deals left out for being in another currency.")
    no_close_date = serializers.IntegerField(help_text="Open deals with no close date (in no month).")


class MonthFiguresSerializer(FiguresSerializer):
    month = serializers.CharField(help_text="YYYY-MM")


class PersonForecastSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    total = FiguresSerializer(help_text="The whole range, plus the open deals with no close date.")
    months = MonthFiguresSerializer(many=True)


class TeamForecastSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="Null for the people in no team.")
    name = serializers.CharField()
    total = FiguresSerializer()
    months = MonthFiguresSerializer(many=True)
    people = PersonForecastSerializer(many=True)


class ForecastSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="YYYY-MM")
    end = serializers.CharField(help_text="YYYY-MM")
    currency = serializers.CharField(help_text="The default currency: the only one summed.")
    scope = serializers.ChoiceField(choices=ForecastScope.choices)
    team = serializers.IntegerField(allow_null=True)
    total = FiguresSerializer()
    months = MonthFiguresSerializer(many=True)
    teams = TeamForecastSerializer(many=True)


def _figures(figures: Figures) -> dict[str, Any]:
    return {**asdict(figures), "attainment": figures.attainment}


def _row(row: ForecastRow, forecast: Forecast) -> dict[str, Any]:
    months = [
        {**_figures(figures), "month": f"{month:%Y-%m}"}
        for month, figures in zip(forecast.months.months, row.months, strict=True)
    ]
    return {"total": _figures(row.total), "months": months}


def forecast_payload(forecast: Forecast) -> dict[str, Any]:
    return {
        "start": f"{forecast.months.first:%Y-%m}",
        "end": f"{forecast.months.last:%Y-%m}",
        "currency": forecast.currency,
        "scope": forecast.scope.value,
        "team": forecast.team.pk if forecast.team else None,
        **_row(forecast.total, forecast),
        "teams": [
            {
                "id": team.team.pk if team.team else None,
                "name": team.rollup.label,
                **_row(team.rollup, forecast),
                "people": [
                    {"id": row.person.pk if row.person else None, "name": row.label, **_row(row, forecast)}
                    for row in team.people
                ],
            }
            for team in forecast.teams
        ],
    }


class ForecastView(APIView):
    @extend_schema(
        tags=["forecast"],
        summary="The forecast per close month, team and person, against quota",
        parameters=[ForecastQuerySerializer],
        responses={
            200: ForecastSerializer,
            400: OpenApiResponse(description="A month is not YYYY-MM, or a scope or team is not yours."),
        },
    )
    def get(self, request: Request) -> Response:
        query = ForecastQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        forecast = forecast_get(
            user=actor(request),
            months=MonthRange.parse(data.get("start"), data.get("end")),
            scope=data.get("scope"),
            team_id=data.get("team"),
            owner_id=data.get("owner"),
        )
        return Response(ForecastSerializer(forecast_payload(forecast)).data)
