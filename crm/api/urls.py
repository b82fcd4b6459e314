"""The kernel's REST API, mounted at /api/v1/ by crm/urls.py."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from crm.customers.api import AccountViewSet, ContactViewSet
from crm.imports.api import ImportViewSet
from crm.people.api import MeView, TeamViewSet, TokenObtainView, UserViewSet
from crm.timeline.api import ActivityViewSet, NotificationViewSet, TaskViewSet

router = DefaultRouter()
router.register("accounts", AccountViewSet, basename="api-account")
router.register("contacts", ContactViewSet, basename="api-contact")
router.register("activities", ActivityViewSet, basename="api-activity")
router.register("tasks", TaskViewSet, basename="api-task")
router.register("notifications", NotificationViewSet, basename="api-notification")
router.register("users", UserViewSet, basename="api-user")
router.register("teams", TeamViewSet, basename="api-team")
router.register("imports", ImportViewSet, basename="api-import")

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/", MeView.as_view(), name="api-me"),
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    *router.urls,
]
