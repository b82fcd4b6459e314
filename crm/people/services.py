"""What people change about themselves: their preferences."""

from __future__ import annotations

from crm.errors import Invalid
from crm.models import User
from crm.people.timezones import time_zone_choices


def user_set_time_zone(*, actor: User, time_zone: str) -> User:
    """Sets the zone the actor reads dates in (their own only); safe to repeat."""
    if time_zone not in dict(time_zone_choices()):
        raise Invalid(
            f"{time_zone!r} is not a time zone we know.", field="time_zone", code="time_zone_unknown"
        )
    User.objects.filter(pk=actor.pk).update(time_zone=time_zone)
    actor.time_zone = time_zone
    return actor
