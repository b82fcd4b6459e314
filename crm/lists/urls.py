"""The saved-view pages of every list, mounted once at the site's root by crm/web_urls.py."""

from django.urls import path

from crm.lists import views

urlpatterns = [
    path("lists/<slug:list_key>/views/", views.view_save, name="saved-view-save"),
    path("lists/views/<int:pk>/delete/", views.view_delete, name="saved-view-delete"),
]
