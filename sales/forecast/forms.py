"""The forecast pages' forms: the months, scope and team shown, and the quota grid's amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from crm.errors import DomainError
from crm.models import Team, User
from sales.forecast.selectors import MAX_MONTHS, MonthRange, default_scope, forecast_scopes, forecast_teams
from sales.forecast.services import QuotaEntry


def _month_value(month: date) -> str:
    return f"{month:%Y-%m}"


class MonthInput(forms.TextInput):
    """The browser's month picker; where there is none, a text box that takes YYYY-MM."""

    input_type = "month"


class RangeForm(forms.Form):
    """The months shown (From, To) and the team narrowed to; the forecast adds whose deals."""

    start = forms.CharField(label="From", required=False, widget=MonthInput)
    end = forms.CharField(label="To", required=False, widget=MonthInput)
    team = forms.ModelChoiceField(label="Team", required=False, queryset=Team.objects.none())

    def __init__(
        self,
        data: QueryDict,
        *,
        teams: QuerySet[Team],
        default: MonthRange,
        max_months: int = MAX_MONTHS,
        defaults: dict[str, str] | None = None,
    ) -> None:
        self.max_months = max_months
        # A copy the form may fill in, so that the page shows the months and scope it is showing.
        self.params = data.copy()
        if not self.params.get("start") and not self.params.get("end"):
            self.params["start"], self.params["end"] = _month_value(default.first), _month_value(default.last)
        for name, value in (defaults or {}).items():
            self.params.setdefault(name, value)
        super().__init__(self.params)
        team = cast(forms.ModelChoiceField, self.fields["team"])
        team.queryset = teams
        team.empty_label = "All"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            months = MonthRange.parse(data.get("start"), data.get("end"), limit=self.max_months)
        except DomainError as error:
            self.add_error(error.field, error.message)
        else:
            data["months"] = months
            # One month left out was filled in (a quarter from the other): show it in the form.
            self.params["start"], self.params["end"] = _month_value(months.first), _month_value(months.last)
        return data


class ForecastForm(RangeForm):
    scope = forms.ChoiceField(label="Whose deals", required=False)
    field_order = ["start", "end", "scope", "team"]

    def __init__(self, data: QueryDict, *, user: User) -> None:
        super().__init__(
            data,
            teams=forecast_teams(user),
            default=MonthRange.this_quarter(),
            defaults={"scope": default_scope(user).value},
        )
        scopes = forecast_scopes(user)
        cast(forms.ChoiceField, self.fields["scope"]).choices = [(s.value, s.label) for s in scopes]
        if len(scopes) == 1:
            self.fields["scope"].widget = forms.HiddenInput()

    @property
    def narrowing_fields(self) -> list[forms.BoundField]:
        """What a page adds after the months, scope and team (templates/sales/forecast/_filters.html)."""
        return [self[name] for name in self.fields if name not in ("start", "end", "scope", "team")]


class QuotaGridForm(forms.Form):
    """One amount per person and month; an empty box clears that month's quota."""

    def __init__(
        self, data: QueryDict | None, *, people: list[User], months: list[date], current: dict[Any, Decimal]
    ) -> None:
        super().__init__(data)
        self.cells: dict[str, tuple[User, date]] = {}
        for person in people:
            for month in months:
                name = f"quota-{person.pk}-{_month_value(month)}"
                self.cells[name] = (person, month)
                self.fields[name] = forms.DecimalField(
                    label=f"Quota for {person}, {month:%B %Y}",
                    required=False,
                    min_value=Decimal(0),
                    max_digits=14,
                    decimal_places=2,
                    initial=current.get((person.pk, month)),
                    error_messages={
                        "min_value": "A quota cannot be negative.",
                        "invalid": "Enter an amount, e.g. 50000 or 50000.50.",
                    },
                    widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "class": "form-control"}),
                )
        self.rows = [
            (person, [self[f"quota-{person.pk}-{_month_value(month)}"] for month in months])
            for person in people
        ]

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "form-control is-invalid"

    def entries(self) -> list[QuotaEntry]:
        return [
            QuotaEntry(user=person, period=month, amount=self.cleaned_data[name])
            for name, (person, month) in self.cells.items()
        ]
