"""What a row presenter is built from: the page's values formatted once each, in Python.

A list of 50 rows rendered through includes and filters (`{% url %}`, `|date`, `|floatformat`) per
cell spends most of its time in the template engine; a presenter holds the finished strings (the
user's local date, the grouped amount, the URL from the page's one reversed prefix), and the
template only prints them. The formats are the pages' own: "7 Dec 2026", "1,234.50".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3

# A primary key no row has, reversed once and replaced by each row's own.
_PLACEHOLDER = 2_147_483_647


class RecordUrls:
    """The URLs of one URL name for many records, from one `reverse()`: "/leads/{pk}/"."""

    def __init__(self, url_name: str) -> None:
        self.prefix, self.suffix = reverse(url_name, args=[_PLACEHOLDER]).split(str(_PLACEHOLDER))

    def __call__(self, pk: object) -> str:
        return f"{self.prefix}{pk}{self.suffix}"


@dataclass(frozen=True, slots=True)
class Moment:
    """A date or a time as a <time> element shows it: the machine-readable value and the label."""

    iso: str
    label: str


def day_label(day: date) -> str:
    """The date as the pages write it, Django's "j M Y": "7 Dec 2026"."""
    return f"{day.day} {MONTHS_3[day.month].title()} {day.year}"


def day_moment(day: date) -> Moment:
    """A calendar date (a close date): `|date:'Y-m-d'` and `|date:"j M Y"`."""
    return Moment(day.isoformat(), day_label(day))


def time_moment(value: datetime) -> Moment:
    """A point in time in the user's time zone: `|date:'c'` and `|date:"j M Y"` of the local time."""
    local = timezone.localtime(value)
    return Moment(local.isoformat(), day_label(local))


def clock_moment(value: datetime) -> Moment:
    """A point in time to the minute, in the user's time zone: `|date:'c'` and `|date:"j M Y, H:i"`."""
    local = timezone.localtime(value)
    return Moment(local.isoformat(), f"{day_label(local)}, {local:%H:%M}")


def amount_text(amount: Decimal) -> str:
    """An amount with two decimals and grouped thousands, as `|floatformat:"2g"` writes it in English."""
    return f"{amount:,.2f}"
