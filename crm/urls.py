"""The one place that mounts every app: pages, the API under /api/v1/, its schema and docs."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from crm.jobs.health import health

urlpatterns = [
    path("", include("crm.web_urls")),
    path("health/", health, name="health"),  # for load balancers and monitors: no sign-in, JSON
    path("leads/", include("leads.urls")),
    path("f/", include("leads.webforms.public_urls")),  # public web-to-lead forms: no login, frameable
    path("pipeline/", include("sales.urls")),
    path("orders/", include("orders.urls")),
    path("tickets/", include("support.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("reports/", include("insights.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/leads/", include("leads.api_urls")),
    path("api/v1/", include("sales.api_urls")),
    path("api/v1/", include("crm.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

handler403 = "crm.web.errors.permission_denied"
handler404 = "crm.web.errors.page_not_found"
handler500 = "crm.web.errors.server_error"
