"""The signed-in person's settings page, and the sign-in, sign-out and password pages under /auth/ with
Django's standard URL names.

django-axes locks out repeated failed sign-ins (crm.people.security); the reset page is throttled and
hands every address to a worker, which queues the email through the outbox.
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm.people import views

auth_patterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

urlpatterns = [
    path("settings/", views.user_settings, name="user-settings"),
    path("auth/", include(auth_patterns)),
]
