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
    NavItem("Forecast", "sales:forecast", "bi-bar-chart-line", SALES),
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


@dataclass(frozen=True)
class AdminLink:
    label: str
    url_name: str


# What the apps above the kernel add to the shell (registered in their AppConfig.ready()): links in
# the Admin menu, and templates included in the user menu (each decides for itself whom it shows to).
_admin_links: list[AdminLink] = []
_user_menu_templates: list[str] = []


def register_admin_link(link: AdminLink) -> None:
    if link not in _admin_links:
        _admin_links.append(link)


def register_user_menu_template(template_name: str) -> None:
    if template_name not in _user_menu_templates:
        _user_menu_templates.append(template_name)


def admin_links() -> list[AdminLink]:
    return list(_admin_links)


def user_menu_templates() -> list[str]:
    return list(_user_menu_templates)
