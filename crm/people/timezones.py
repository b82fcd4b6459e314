"""Each person reads dates in their own time zone: the user's choice, activated for every request.

Pages format dates with the active zone (Django's `date` filter and form fields use it); what is
written outside a request (an email from a worker) is formatted in the recipient's zone explicitly.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import formats, timezone

if TYPE_CHECKING:
    from crm.models import User

# How the pages write a moment and a day: "6 Dec 2026, 14:30" in the reader's zone, "6 Dec 2026".
DATETIME_FORMAT = "j M Y, H:i"
DATE_FORMAT = "j M Y"
# An email adds the zone's name, "6 Dec 2026, 14:30 CET": it leaves the page and its settings behind.
EMAIL_DATETIME_FORMAT = "j M Y, H:i T"


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone the machine knows, "Europe/Paris" reading "Europe/Paris" and "America/New York"."""
    names = zoneinfo.available_timezones() - {"Factory", "localtime"}
    return [(name, name.replace("_", " ")) for name in sorted(names)]


def default_time_zone() -> str:
    return str(settings.TIME_ZONE)


def zone_of(user: User) -> ZoneInfo:
    """The user's zone; the site's zone when theirs is empty or no longer known to the machine."""
    try:
        return ZoneInfo(user.time_zone or default_time_zone())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default_time_zone())


def format_for(user: User, moment: datetime, pattern: str = EMAIL_DATETIME_FORMAT) -> str:
    """`moment` as `user` reads it, in their zone, for text written outside their request (emails)."""
    return formats.date_format(timezone.localtime(moment, zone_of(user)), pattern)


class UserTimeZoneMiddleware:
    """Activates the signed-in user's zone for the request (their row is loaded for the request anyway:
    no query is added). Anonymous pages show the site's zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        zone = zone_of(user)
        with timezone.override(zone):
            response = self.get_response(request)
        if isinstance(response, StreamingHttpResponse) and not (
            response.is_async or isinstance(response, FileResponse)
        ):
            # A streamed download (the lead export) writes its rows after the view has returned.
            response.streaming_content = _in_zone(zone, response.streaming_content)
        return response


def _in_zone(zone: ZoneInfo, chunks: Iterable[bytes]) -> Iterator[bytes]:
    with timezone.override(zone):
        yield from chunks
