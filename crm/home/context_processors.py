from typing import Any

from django.http import HttpRequest

from crm.home.navigation import admin_links_for, navigation_for, user_menu_templates
from crm.timeline.selectors import unread_notification_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The role-aware navigation and the bell's unread count, on every page (one query)."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "nav_items": navigation_for(user),
        "admin_links": admin_links_for(user),
        "user_menu_templates": user_menu_templates(),
        "unread_notifications": unread_notification_count(user=user),
    }
