"""API tokens: a key stops working when the password changes, the user is deactivated, it expires or an
admin revokes it; the next sign-in issues a new one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.models import Role, User
from crm.timeline.notifications import emails_send_queued
from tests.factories import UserFactory
from tests.factories.people import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"
NEW_PASSWORD = "Correct-horse-battery-9"


@pytest.fixture
def superuser() -> User:
    return UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(superuser: User) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


def _sign_in(username: str = "rep", password: str = PASSWORD) -> str:
    response = APIClient().post(TOKEN, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def _me(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _works(key: str) -> bool:
    return bool(_me(key).get(ME).status_code == 200)


def test_changing_the_password_on_its_page_revokes_the_token(client, rep):
    old = _sign_in()
    client.force_login(rep)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert _me(old).get(ME).json() == {"detail": "Invalid token.", "code": "authentication_failed"}
    new = _sign_in(password=NEW_PASSWORD)
    assert new != old
    assert _works(new)


def test_a_password_reset_through_the_emailed_link_revokes_the_token(
    client, rep, django_capture_on_commit_callbacks
):
    old = _sign_in()
    with django_capture_on_commit_callbacks(execute=True):  # the eager worker runs the reset job
        client.post(reverse("password_reset"), {"email": rep.email})
    emails_send_queued()
    link = re.search(r"https?://[^/\s]+(/auth/reset/\S+)", str(mail.outbox[0].body))
    assert link
    form_page = client.get(link.group(1), follow=True)

    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert not _works(old)
    assert _works(_sign_in(password=NEW_PASSWORD))


def test_an_admin_setting_a_new_password_revokes_the_token(admin_client, rep):
    old = _sign_in()

    admin_client.post(
        reverse("admin:auth_user_password_change", args=[rep.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert not _works(old)


def test_deactivating_a_user_revokes_the_token_for_good(rep):
    old = _sign_in()

    rep.is_active = False
    rep.save()
    rep.is_active = True
    rep.save()

    assert _me(old).get(ME).json() == {"detail": "Invalid token.", "code": "authentication_failed"}
    assert _works(_sign_in())


def test_other_changes_to_the_user_and_signing_in_again_keep_the_token(client, rep):
    key = _sign_in()

    rep.first_name = "Renamed"
    rep.save()
    client.post(reverse("login"), {"username": "rep", "password": PASSWORD})  # updates last_login

    assert _sign_in() == key
    assert _works(key)


def test_a_token_past_its_expiry_is_refused_and_the_next_sign_in_issues_a_new_one(rep, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    response = APIClient().post(TOKEN, {"username": "rep", "password": PASSWORD}, format="json").json()
    token = Token.objects.get(user=rep)
    assert parse_datetime(response["expires"]) == token.created + timedelta(days=30)
    assert _works(response["token"])

    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=30, seconds=1))

    refused = _me(response["token"]).get(ME)
    assert refused.status_code == 401
    assert refused.json() == {
        "detail": "Token has expired; ask for a new one at /api/v1/auth/token/.",
        "code": "authentication_failed",
    }
    fresh = _sign_in()
    assert fresh != response["token"]
    assert _works(fresh)


def test_tokens_do_not_expire_unless_configured(rep):
    response = APIClient().post(TOKEN, {"username": "rep", "password": PASSWORD}, format="json")

    assert "expires" not in response.json()
    Token.objects.update(created=timezone.now() - timedelta(days=3650))
    assert _works(response.json()["token"])


def test_an_admin_sees_a_users_token_on_their_page_but_never_its_key(admin_client, rep):
    key = _sign_in()

    html = admin_client.get(reverse("admin:crm_user_change", args=[rep.pk])).content.decode()

    assert "API token" in html
    assert "does not expire" in html
    assert reverse("admin:authtoken_tokenproxy_delete", args=[rep.pk]) in html
    assert key not in html


def test_an_admin_revokes_a_token_from_the_users_page(admin_client, rep):
    key = _sign_in()

    response = admin_client.post(reverse("admin:authtoken_tokenproxy_delete", args=[rep.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not _works(key)


def test_an_admin_revokes_the_tokens_of_the_users_selected_in_the_list(admin_client, rep, teammate, outsider):
    keys = {user.username: _sign_in(user.username) for user in (rep, teammate, outsider)}

    response = admin_client.post(
        reverse("admin:crm_user_changelist"),
        {"action": "revoke_api_tokens", "_selected_action": [rep.pk, teammate.pk]},
        follow=True,
    )

    assert "Revoked 2 API tokens." in response.content.decode()
    assert not _works(keys["rep"])
    assert not _works(keys["teammate"])
    assert _works(keys["outsider"])


def test_the_token_list_in_the_admin_shows_who_holds_one_but_not_the_keys(admin_client, rep):
    key = _sign_in()

    html = admin_client.get(reverse("admin:authtoken_tokenproxy_changelist")).content.decode()

    assert str(rep) in html
    assert key not in html
    assert "Add token" not in html


def test_the_schema_documents_the_lockout_and_the_optional_expiry(api_as, rep):
    schema = api_as(rep).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    responses = schema["paths"][TOKEN]["post"]["responses"]
    assert {"200", "400", "429"} <= set(responses)
    token = schema["components"]["schemas"]["Token"]
    assert "expires" in token["properties"]
    assert token["required"] == ["token"]
