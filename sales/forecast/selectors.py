"""The forecast: per close month and per person, what was won, what is committed, the open pipeline and
its weight, against each person's quota, rolled up by team and in total.

The figures come from two grouped queries over the deals the user may see, the open ones by owner and
expected close month, the won ones by owner and the month they were won in (closed_at: a deal keeps
its expected close date when it closes), one query for the quotas and one for the people, however many
people and months are shown.
Only deals in the default currency are summed; the others are counted as left out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.db.models import Count, DateField, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from crm import access
from crm.errors import Invalid
from crm.models import Role, Team, User
from sales.models import Deal, DealStatus, ForecastCategory, Quota, SalesSettings

ZERO = Decimal(0)
CENT = Decimal("0.01")
# A forecast further out than two years says little, and every month adds a table to the page.
MAX_MONTHS = 24
SELLING_ROLES = (Role.SALES_REP, Role.SALES_MANAGER)
MONTH_FORMAT = re.compile(r"^(\d{4})-(\d{2})$")


class ForecastScope(models.TextChoices):
    ME = "me", "Me"
    TEAM = "team", "My team"
    ALL = "all", "Everyone"


def month_add(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def parse_month(value: str, *, field: str) -> date:
    """A month written as YYYY-MM (what <input type="month"> sends), as the first day of that month."""
    match = MONTH_FORMAT.match(value.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 9998:
        raise Invalid(
            f"Give the month as YYYY-MM, e.g. 2025-04 (not “{value}”).", field=field, code="month_format"
        )
    return date(int(match.group(1)), int(match.group(2)), 1)


@dataclass(frozen=True)
class MonthRange:
    """Whole months from `first` to `last` (both the first day of their month), both included."""

    first: date
    last: date

    @classmethod
    def this_quarter(cls, today: date | None = None) -> MonthRange:
        today = today or timezone.localdate()
        first = date(today.year, today.month - (today.month - 1) % 3, 1)
        return cls(first, month_add(first, 2))

    @classmethod
    def parse(
        cls, start: str | None, end: str | None, *, today: date | None = None, limit: int = MAX_MONTHS
    ) -> MonthRange:
        """The months between `start` and `end` (YYYY-MM); one left out makes a quarter with the other,
        both left out make the current quarter."""
        first = parse_month(start, field="start") if start else None
        last = parse_month(end, field="end") if end else None
        if first is None and last is None:
            return cls.this_quarter(today)
        first = first or month_add(last or date.min, -2)
        last = last or month_add(first, 2)
        if last < first:
            raise Invalid(
                "The last month comes before the first; swap them.", field="end", code="months_reversed"
            )
        if month_add(first, limit - 1) < last:
            raise Invalid(f"Show at most {limit} months at a time.", field="end", code="too_many_months")
        return cls(first, last)

    @property
    def months(self) -> list[date]:
        count = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
        return [month_add(self.first, n) for n in range(count)]

    @property
    def stop(self) -> date:
        """The day after the last month."""
        return month_add(self.last, 1)

    @property
    def local_bounds(self) -> tuple[datetime, datetime]:
        """Midnight, local time, at the start of the first month and of the month after the last."""
        start, stop = (
            timezone.make_aware(datetime.combine(day, time.min)) for day in (self.first, self.stop)
        )
        return start, stop


@dataclass(frozen=True)
class Figures:
    """One cell of the forecast. Commit and best case are open deals in that forecast category; the open
    pipeline is every open deal, omitted ones included; weighted is amount x stage probability."""

    won: Decimal = ZERO
    commit: Decimal = ZERO
    best_case: Decimal = ZERO
    pipeline: Decimal = ZERO
    weighted: Decimal = ZERO
    quota: Decimal | None = None
    omitted_count: int = 0
    omitted_amount: Decimal = ZERO
    other_currency: int = 0
    no_close_date: int = 0

    @property
    def attainment(self) -> Decimal | None:
        """Won as a percentage of the quota, or None without a quota to divide by."""
        if not self.quota:
            return None
        return (self.won * 100 / self.quota).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def __add__(self, other: Figures) -> Figures:
        summed: dict[str, Any] = {
            f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self) if f.name != "quota"
        }
        if self.quota is not None or other.quota is not None:
            summed["quota"] = (self.quota or ZERO) + (other.quota or ZERO)
        return Figures(**summed)


def total_of(figures: Iterable[Figures]) -> Figures:
    return sum(figures, Figures())


@dataclass(frozen=True)
class ForecastRow:
    """A person, a team or everyone: one Figures per month of the range, and their total."""

    label: str
    months: tuple[Figures, ...]
    total: Figures
    person: User | None = None


@dataclass(frozen=True)
class TeamForecast:
    team: Team | None
    people: tuple[ForecastRow, ...]
    rollup: ForecastRow


@dataclass(frozen=True)
class Forecast:
    months: MonthRange
    currency: str
    scope: ForecastScope
    team: Team | None
    teams: tuple[TeamForecast, ...]
    total: ForecastRow


def forecast_scopes(user: User) -> list[ForecastScope]:
    """The scopes `user` may choose: everyone for admins, the own team(s) for managers and, when the
    admin lets reps see their team's deals, for reps in a team; oneself for everybody."""
    if user.is_admin:
        return [ForecastScope.ME, ForecastScope.TEAM, ForecastScope.ALL]
    policy = access.policy_for(Deal)
    if (
        user.role in SELLING_ROLES
        and policy.scope(user, "view") >= access.Scope.TEAM
        and access.team_ids(user)
    ):
        return [ForecastScope.ME, ForecastScope.TEAM]
    return [ForecastScope.ME]


def default_scope(user: User) -> ForecastScope:
    if user.is_admin:
        return ForecastScope.ALL
    if user.role == Role.SALES_MANAGER and ForecastScope.TEAM in forecast_scopes(user):
        return ForecastScope.TEAM
    return ForecastScope.ME


def forecast_teams(user: User) -> QuerySet[Team]:
    """The teams `user` may narrow the forecast to: any for admins, else those of the team scope."""
    if user.is_admin:
        return Team.objects.all()
    if ForecastScope.TEAM in forecast_scopes(user):
        return Team.objects.filter(pk__in=access.team_ids(user))
    return Team.objects.none()


def may_set_quotas(user: User) -> bool:
    return user.is_active and (user.is_admin or user.role == Role.SALES_MANAGER)


def quota_people(*, user: User) -> QuerySet[User]:
    """Whose quotas `user` sets: an admin anyone who sells, a manager the people of the teams they
    manage (not themselves: their own quota comes from above), anyone else nobody."""
    people = User.objects.filter(is_active=True, role__in=SELLING_ROLES).select_related("team")
    if user.is_admin:
        return people
    if may_set_quotas(user):
        return people.filter(team__manager=user).exclude(pk=user.pk)
    return people.none()


def quota_grid(*, people: Iterable[User], months: MonthRange) -> dict[tuple[int, date], Decimal]:
    """The quotas set for these people in these months, by (person id, month)."""
    rows = (
        Quota.objects.filter(
            user__in=[person.pk for person in people], period__gte=months.first, period__lte=months.last
        )
        .values_list("user_id", "period", "amount")
        .order_by()
    )
    return {(user_id, period): amount for user_id, period, amount in rows}


def scope_chosen(user: User, scope: str | None) -> ForecastScope:
    """The scope asked for (checked against those `user` may choose), or the user's default."""
    chosen = ForecastScope(scope) if scope in ForecastScope.values else None
    if scope and chosen is None:
        raise Invalid(
            f"Choose one of: {', '.join(ForecastScope.values)}.", field="scope", code="scope_unknown"
        )
    chosen = chosen or default_scope(user)
    if chosen not in forecast_scopes(user):
        labels = ", ".join(str(option.label).lower() for option in forecast_scopes(user))
        raise Invalid(f"You may see the deals of: {labels}.", field="scope", code="scope_not_allowed")
    return chosen


def people_condition(user: User, scope: ForecastScope, team: Team | None, owner_id: int | None) -> Q:
    """Whose figures a scope shows, as a condition on users."""
    if scope == ForecastScope.ME:
        condition = Q(pk=user.pk)
    elif scope == ForecastScope.TEAM:
        condition = Q(team_id__in=access.team_ids(user)) | Q(pk=user.pk)
    else:
        condition = Q()
    if team is not None:
        condition &= Q(team_id=team.pk)
    if owner_id is not None:
        condition &= Q(pk=owner_id)
    return condition


def team_chosen(user: User, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = forecast_teams(user).filter(pk=team_id).first()
    if team is None:
        raise Invalid("Choose one of your own teams.", field="team", code="team_not_yours")
    return team


def forecast_get(
    *,
    user: User,
    months: MonthRange,
    scope: str | None = None,
    team_id: int | None = None,
    owner_id: int | None = None,
) -> Forecast:
    """The forecast `user` may see, for close dates in `months`, narrowed to a team and/or a person."""
    chosen = scope_chosen(user, scope)
    team = team_chosen(user, team_id)
    people = people_condition(user, chosen, team, owner_id)
    currency = SalesSettings.current().default_currency

    in_scope = User.objects.filter(people).values("pk")
    figures = _deal_figures(user, months, currency, in_scope)
    quotas = (
        Quota.objects.filter(user__in=in_scope, period__gte=months.first, period__lte=months.last)
        .values_list("user_id", "period", "amount")
        .order_by()
    )
    quota_by_cell = {(user_id, period): amount for user_id, period, amount in quotas}
    involved = {owner for owner, _ in figures} | {owner for owner, _ in quota_by_cell}
    everyone = (
        User.objects.filter(Q(pk__in=involved) | (people & Q(is_active=True, role__in=SELLING_ROLES)))
        .select_related("team")
        .order_by("first_name", "last_name", "username", "pk")
    )

    def person_row(person: User) -> ForecastRow:
        cells = tuple(
            _with_quota(figures.get((person.pk, month), Figures()), quota_by_cell.get((person.pk, month)))
            for month in months.months
        )
        undated = figures.get((person.pk, None), Figures())
        return ForecastRow(str(person), cells, total_of(cells) + undated, person=person)

    team_forecasts = []
    for in_team, members in by_team(everyone):
        rows = [person_row(person) for person in members]
        rollup = _rollup(str(in_team or "No team"), rows, len(months.months))
        team_forecasts.append(TeamForecast(in_team, tuple(rows), rollup))
    total = _rollup("Total", [team.rollup for team in team_forecasts], len(months.months))
    return Forecast(months, currency, chosen, team, tuple(team_forecasts), total)


def by_team(people: Iterable[User]) -> list[tuple[Team | None, list[User]]]:
    """The people (in their order) grouped by team: teams by name, the people in no team last."""
    members: dict[int | None, list[User]] = defaultdict(list)
    teams: dict[int | None, Team | None] = {}
    for person in people:
        members[person.team_id].append(person)
        teams[person.team_id] = person.team
    return [
        (teams[key], rows)
        for key, rows in sorted(members.items(), key=lambda item: _team_order(teams[item[0]]))
    ]


def _team_order(team: Team | None) -> tuple[bool, str]:
    return (team is None, team.name.lower() if team else "")


def _rollup(label: str, rows: list[ForecastRow], count: int) -> ForecastRow:
    months = tuple(total_of(row.months[index] for row in rows) for index in range(count))
    return ForecastRow(label, months, total_of(row.total for row in rows))


def _with_quota(figures: Figures, quota: Decimal | None) -> Figures:
    return figures if quota is None else figures + Figures(quota=quota)


def _deal_figures(
    user: User, months: MonthRange, currency: str, owners: QuerySet[User, Any]
) -> dict[tuple[int, date | None], Figures]:
    """Two grouped queries: by owner and expected close month, the sums of the open deals in range (and,
    under the month None, the count of those with no close date); by owner and the month they were won
    in, the sums of the won deals."""
    is_open = Q(status=DealStatus.OPEN)
    summed = Q(currency=currency, close_date__isnull=False)
    omitted = summed & is_open & Q(forecast_category=ForecastCategory.OMITTED)
    weight = ExpressionWrapper(
        F("amount") * F("stage__probability") / 100,
        output_field=DecimalField(max_digits=20, decimal_places=4),
    )
    visible = access.visible(user, Deal.objects.filter(owner__in=owners))
    deals = visible.filter(
        is_open,
        Q(close_date__gte=months.first, close_date__lt=months.stop) | Q(close_date__isnull=True),
    )
    rows = (
        deals.annotate(month=TruncMonth("close_date"))
        .values("owner_id", "month")
        .annotate(
            commit=Sum("amount", filter=summed & is_open & Q(forecast_category=ForecastCategory.COMMIT)),
            best_case=Sum(
                "amount", filter=summed & is_open & Q(forecast_category=ForecastCategory.BEST_CASE)
            ),
            pipeline=Sum("amount", filter=summed & is_open),
            weighted=Sum(weight, filter=summed & is_open),
            omitted_count=Count("id", filter=omitted),
            omitted_amount=Sum("amount", filter=omitted),
            other_currency=Count("id", filter=Q(close_date__isnull=False) & ~Q(currency=currency)),
            no_close_date=Count("id", filter=Q(close_date__isnull=True)),
        )
        .order_by()
    )
    figures = {
        (row["owner_id"], row["month"]): Figures(
            commit=row["commit"] or ZERO,
            best_case=row["best_case"] or ZERO,
            pipeline=row["pipeline"] or ZERO,
            weighted=(row["weighted"] or ZERO).quantize(CENT),
            omitted_count=row["omitted_count"],
            omitted_amount=row["omitted_amount"] or ZERO,
            other_currency=row["other_currency"],
            no_close_date=row["no_close_date"],
        )
        for row in rows
    }
    for key, won in _won_figures(visible, months, currency).items():
        figures[key] = figures.get(key, Figures()) + won
    return figures


def _won_figures(
    deals: QuerySet[Deal], months: MonthRange, currency: str
) -> dict[tuple[int, date | None], Figures]:
    """The won deals by owner and the (local) month they were won in, read from the won-deals index."""
    start, stop = months.local_bounds
    rows = (
        deals.filter(status=DealStatus.WON, closed_at__gte=start, closed_at__lt=stop)
        .annotate(month=TruncMonth("closed_at", output_field=DateField()))
        .values("owner_id", "month")
        .annotate(
            won=Sum("amount", filter=Q(currency=currency)),
            other_currency=Count("amount", filter=~Q(currency=currency)),
        )
        .order_by()
    )
    return {
        (row["owner_id"], row["month"]): Figures(won=row["won"] or ZERO, other_currency=row["other_currency"])
        for row in rows
    }
