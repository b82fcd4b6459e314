"""The account and contact pages, mounted at the site's root by crm/web_urls.py."""

from django.urls import path

from crm.customers import views

urlpatterns = [
    path("accounts/", views.account_list, name="account-list"),
    path("accounts/export.csv", views.account_export, name="account-export"),
    path("accounts/new/", views.account_create, name="account-create"),
    path("accounts/<int:pk>/", views.account_detail, name="account-detail"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="account-edit"),
    path("accounts/<int:pk>/delete/", views.account_delete, name="account-delete"),
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/export.csv", views.contact_export, name="contact-export"),
    path("contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact-delete"),
]
