"""The kernel's REST API, mounted at /api/v1/ by crm/urls.py."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from crm.api import views

router = DefaultRouter()
router.register("accounts", views.AccountViewSet, basename="api-account")
router.register("contacts", views.ContactViewSet, basename="api-contact")
router.register("activities", views.ActivityViewSet, basename="api-activity")
router.register("tasks", views.TaskViewSet, basename="api-task")
router.register("notifications", views.NotificationViewSet, basename="api-notification")

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("auth/token/", views.TokenObtainView.as_view(), name="api-token"),
    *router.urls,
]
