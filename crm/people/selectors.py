"""Reads of the company's people and teams. Every signed-in user reads them all (whose record this is,
whom to give a task to); only admins change them (crm.people.services)."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet

from crm.models import Team, User
from crm.records import get_or_not_found


def user_list() -> QuerySet[User]:
    return User.objects.select_related("team")


def user_get(*, pk: int) -> User:
    return get_or_not_found(user_list(), pk=pk)


def team_list() -> QuerySet[Team]:
    """Teams with their manager, and their members' ids as `member_ids` (in the same query)."""
    members = User.objects.filter(team=OuterRef("pk")).order_by("pk").values("pk")
    return Team.objects.select_related("manager").annotate(member_ids=ArraySubquery(members))


def team_get(*, pk: int) -> Team:
    return get_or_not_found(team_list(), pk=pk)
