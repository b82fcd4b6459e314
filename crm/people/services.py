"""What people change about themselves (their preferences), and what admins change about the company's
people and teams."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet

from crm import access
from crm.errors import Invalid, NotFound
from crm.models import Team, User
from crm.people.timezones import time_zone_choices
from crm.people.tokens import api_tokens_revoke
from crm.records import apply_changes, delete_with_audit, save_with_audit

R = TypeVar("R", bound=Model)

PEOPLE = "manage people and teams"


def user_set_time_zone(*, actor: User, time_zone: str) -> User:
    """Sets the zone the actor reads dates in (their own only); safe to repeat."""
    if time_zone not in dict(time_zone_choices()):
        raise Invalid(
            f"{time_zone!r} is not a time zone we know.", field="time_zone", code="time_zone_unknown"
        )
    User.objects.filter(pk=actor.pk).update(time_zone=time_zone)
    actor.time_zone = time_zone
    return actor


@transaction.atomic
def user_create(*, actor: User, fields: dict[str, Any], password: str | None = None) -> User:
    """A new user; without a password, one who cannot sign in with a password until an admin sets one."""
    access.ensure_admin(actor, doing=PEOPLE)
    user = User(**fields)
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise Invalid(errors={"password": error.messages}, code="password_invalid") from None
        user.set_password(password)
    return save_with_audit(user, actor=actor)


@transaction.atomic
def user_update(*, actor: User, user_id: int, fields: dict[str, Any]) -> User:
    """Changes a user's names, email, role, team, away or active flag. People are deactivated, never
    deleted, so that their records keep their owner; an admin cannot lock themself out."""
    access.ensure_admin(actor, doing=PEOPLE)
    user = _locked(User.objects.all(), pk=user_id)
    changes = apply_changes(user, fields)
    if not changes:
        return user
    if user.pk == actor.pk and not user.is_active:
        raise Invalid(
            "You cannot deactivate yourself; another admin can.", field="is_active", code="self_deactivation"
        )
    if user.pk == actor.pk and not user.is_admin:
        raise Invalid(
            "You cannot give up your own admin role; another admin can.", field="role", code="own_admin_role"
        )
    save_with_audit(user, actor=actor)
    if "is_active" in changes and not user.is_active:
        # Reactivating someone should not bring an old key back to life.
        api_tokens_revoke(user_ids=[user.pk])
    return user


@transaction.atomic
def team_create(*, actor: User, fields: dict[str, Any]) -> Team:
    access.ensure_admin(actor, doing=PEOPLE)
    team = Team(**fields)
    _check_manager(team)
    return save_with_audit(team, actor=actor)


@transaction.atomic
def team_update(*, actor: User, team_id: int, fields: dict[str, Any]) -> Team:
    access.ensure_admin(actor, doing=PEOPLE)
    team = _locked(Team.objects.all(), pk=team_id)
    changes = apply_changes(team, fields)
    if not changes:
        return team
    if "manager" in changes:
        _check_manager(team)
    return save_with_audit(team, actor=actor)


@transaction.atomic
def team_delete(*, actor: User, team_id: int) -> None:
    """Deletes the team: its members are left without a team, as is whatever else was the team's."""
    access.ensure_admin(actor, doing=PEOPLE)
    delete_with_audit(_locked(Team.objects.all(), pk=team_id), actor=actor)


def _check_manager(team: Team) -> None:
    if team.manager is not None and not team.manager.is_active:
        raise Invalid(
            f"{team.manager} is deactivated; choose someone active.", field="manager", code="manager_inactive"
        )


def _locked(queryset: QuerySet[R], *, pk: int) -> R:
    record = queryset.select_for_update().filter(pk=pk).first()
    if record is None:
        raise NotFound
    return record
