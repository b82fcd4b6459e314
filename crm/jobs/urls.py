"""A background job's progress, mounted at /jobs/ by crm/web_urls.py."""

from django.urls import path

from crm.jobs import views

urlpatterns = [
    path("<int:pk>/", views.job_progress, name="job-progress"),
]
