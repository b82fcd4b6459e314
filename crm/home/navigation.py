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
    # Where it sits in the bar, in the lifecycle's order: leads 10, pipeline 20, forecast 30, the kernel's
    # accounts 40 and contacts 50, orders, tickets, campaigns, reports..., the kernel's "My tasks" last.
    position: int = 60
    # One line for the home page's "Where to work" card; items without one are not listed there.
    summary: str = ""


EVERYONE = frozenset(Role.values)
SALES = frozenset({Role.ADMIN, Role.SALES_MANAGER, Role.SALES_REP})

# The kernel's own pages; each app registers its entry in its AppConfig.ready() once it has pages that
# do something (an app that is only mounted is not offered).
KERNEL_NAV_ITEMS = (
    NavItem("Accounts", "account-list", "bi-building", EVERYONE, position=40),
    NavItem("Contacts", "contact-list", "bi-person-lines-fill", EVERYONE, position=50),
    NavItem("My tasks", "my-tasks", "bi-check2-square", EVERYONE, position=100),
)
_nav_items: list[NavItem] = []


def register_nav_item(item: NavItem) -> None:
    if item not in _nav_items:
        _nav_items.append(item)


def nav_items() -> list[NavItem]:
    return sorted([*KERNEL_NAV_ITEMS, *_nav_items], key=lambda item: item.position)


def navigation_for(user: User) -> list[NavItem]:
    role = Role.ADMIN if user.is_admin else user.role
    return [item for item in nav_items() if role in item.roles]


@dataclass(frozen=True)
class AdminLink:
    label: str
    url_name: str
    # Roles besides admins that see the link (e.g. marketers and the web forms they design).
    roles: frozenset[str] = frozenset()


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


def admin_links_for(user: User) -> list[AdminLink]:
    """The Admin menu's links `user` sees: every one for admins, those naming their role for others."""
    return [link for link in _admin_links if user.is_admin or user.role in link.roles]


def user_menu_templates() -> list[str]:
    return list(_user_menu_templates)
