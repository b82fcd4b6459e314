"""The kernel's pages: home, accounts and contacts, the lists' saved views, timelines, tasks and
notifications, the person's settings and sign-in pages, the mailbox and a background job's progress."""

from django.urls import include, path

from crm.home.views import home
from crm.mailbox.views import mailbox

urlpatterns = [
    path("", home, name="home"),
    path("", include("crm.customers.urls")),
    path("", include("crm.lists.urls")),
    path("", include("crm.timeline.urls")),
    path("", include("crm.people.urls")),
    path("mailbox/", mailbox, name="mailbox"),
    path("jobs/", include("crm.jobs.urls")),
    path("imports/", include("crm.imports.urls")),
]
