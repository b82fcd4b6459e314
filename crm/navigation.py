"""The main navigation, by role: each stage of the lifecycle shows to the people who work it."""

from __future__ import annotations

from dataclasses import dataclass

from crm.models import Role, User


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    roles: frozenset[str]


EVERYONE = frozenset(Role.values)
SALES = frozenset({Role.ADMIN, Role.SALES_MANAGER, Role.SALES_REP})

NAV_ITEMS = [
    NavItem("Leads", "leads:index", "bi-funnel", SALES | {Role.MARKETER}),
    NavItem("Pipeline", "sales:index", "bi-kanban", SALES),
    NavItem("Accounts", "account-list", "bi-building", EVERYONE),
    NavItem("Contacts", "contact-list", "bi-person-lines-fill", EVERYONE),
    NavItem("Orders", "orders:index", "bi-receipt", SALES | {Role.SUPPORT_AGENT}),
    NavItem("Tickets", "support:index", "bi-life-preserver", EVERYONE),
    NavItem(
        "Campaigns",
        "campaigns:index",
        "bi-megaphone",
        frozenset({Role.ADMIN, Role.MARKETER, Role.SALES_MANAGER}),
    ),
    NavItem(
        "Reports", "insights:index", "bi-graph-up", frozenset({Role.ADMIN, Role.SALES_MANAGER, Role.MARKETER})
    ),
    NavItem("My tasks", "my-tasks", "bi-check2-square", EVERYONE),
]


def navigation_for(user: User) -> list[NavItem]:
    role = Role.ADMIN if user.is_admin else user.role
    return [item for item in NAV_ITEMS if role in item.roles]
