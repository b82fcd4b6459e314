"""Background jobs' pages, mounted at /jobs/ by crm/web_urls.py: a job's progress, and the admins' list."""

from django.urls import path

from crm.jobs import views

urlpatterns = [
    path("", views.job_list, name="job-list"),
    path("<int:pk>/", views.job_progress, name="job-progress"),
    path("<int:pk>/retry/", views.job_retry, name="job-retry"),
    path("<int:pk>/cancel/", views.job_cancel, name="job-cancel"),
]
