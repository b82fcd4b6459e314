"""Who may see and change deals: reps their own (and, per the admin setting, their team's read-only),
managers their teams', admins all; marketing and support read them for attribution and onboarding."""

from __future__ import annotations

from dataclasses import dataclass

from crm.access import (
    SALES_WORKS_OWN_MANAGER_TEAM_OTHERS_READ,
    Action,
    Policy,
    Scope,
    register_policy,
    share_parent,
)
from crm.models import Role, User
from crm.timeline.rollup import register_account_rollup

from .models import Deal, SalesSettings


@dataclass(frozen=True)
class DealPolicy(Policy):
    def scope(self, user: User, action: Action) -> Scope:
        scope = super().scope(user, action)
        if action == "view" and user.role == Role.SALES_REP and not user.is_admin and _reps_see_team(user):
            return max(scope, Scope.TEAM)
        return scope


def _reps_see_team(user: User) -> bool:
    """Read once per user object (a request, a task), like the user's teams."""
    cached: bool | None = getattr(user, "_sales_reps_see_team", None)
    if cached is None:
        cached = SalesSettings.current().reps_see_team_board
        user._sales_reps_see_team = cached  # type: ignore[attr-defined]
    return cached


# Deals are worked like the accounts they are sold to.
DEAL_POLICY = DealPolicy(
    view=SALES_WORKS_OWN_MANAGER_TEAM_OTHERS_READ.view, change=SALES_WORKS_OWN_MANAGER_TEAM_OTHERS_READ.change
)


def register_sales_policy() -> None:
    register_policy(Deal, DEAL_POLICY)
    # Whoever may read a deal may read its account and its primary contact.
    share_parent(Deal, field="account")
    share_parent(Deal, field="primary_contact")
    register_account_rollup(Deal, field="account")
