"""What each role starts the day with on the home page, in a fixed number of queries per role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from crm import access
from crm.customers.selectors import account_list, contact_list
from crm.lists.counting import capped_count, capped_counts
from crm.models import Account, ConsentStatus, Contact, Role, Team, User
from crm.timeline.selectors import my_tasks, task_list

RECENT_LIMIT = 8


def _recent_accounts(user: User) -> list[Account]:
    return list(account_list(user=user).order_by("-updated_at", "id")[:RECENT_LIMIT])


def _sales_rep(user: User) -> dict[str, Any]:
    return {"tasks": my_tasks(user=user, size=RECENT_LIMIT), "accounts": _recent_accounts(user)}


def _sales_manager(user: User) -> dict[str, Any]:
    overdue = task_list(user=user).filter(
        assignee__team_id__in=access.team_ids(user), completed_at__isnull=True, due_at__lt=timezone.now()
    )
    return {
        "tasks": my_tasks(user=user, size=RECENT_LIMIT),
        "team_overdue_count": capped_count(overdue),
        "team_overdue": list(overdue.order_by("due_at", "id")[:RECENT_LIMIT]),
        "accounts": _recent_accounts(user),
    }


def _marketer(user: User) -> dict[str, Any]:
    contacts = contact_list(user=user)
    counts = capped_counts(
        {
            "total": contacts,
            **{status: contacts.filter(email_consent=status) for status in ConsentStatus.values},
        }
    )
    consent = [(status, label, counts[status]) for status, label in ConsentStatus.choices]
    return {
        "tasks": my_tasks(user=user, size=RECENT_LIMIT),
        "consent": consent,
        "contact_total": counts["total"],
    }


def _support_agent(user: User) -> dict[str, Any]:
    return {
        "tasks": my_tasks(user=user, size=RECENT_LIMIT),
        "accounts": _recent_accounts(user),
        "contacts": list(contact_list(user=user).order_by("-updated_at", "id")[:RECENT_LIMIT]),
    }


def _admin(user: User) -> dict[str, Any]:
    counts = capped_counts(
        {
            ("Users", "admin:crm_user_changelist"): User.objects.all(),
            ("Teams", "admin:crm_team_changelist"): Team.objects.all(),
            ("Accounts", "account-list"): Account.objects.all(),
            ("Contacts", "contact-list"): Contact.objects.all(),
        }
    )
    return {"counts": [(label, count, url_name) for (label, url_name), count in counts.items()]}


DASHBOARDS: dict[str, Callable[[User], dict[str, Any]]] = {
    Role.ADMIN: _admin,
    Role.SALES_MANAGER: _sales_manager,
    Role.SALES_REP: _sales_rep,
    Role.MARKETER: _marketer,
    Role.SUPPORT_AGENT: _support_agent,
}


def dashboard_for(*, user: User) -> dict[str, Any]:
    role = Role.ADMIN if user.is_admin else user.role
    return {"role": str(role), **DASHBOARDS[role](user)}
