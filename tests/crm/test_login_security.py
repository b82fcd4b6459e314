"""Guessing passwords: the lockout on the login page, the admin login and the API token endpoint, and
the password reset page's throttles and equal work for every address."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.jobs.running import job_run
from crm.models import BackgroundJob, JobStatus, OutboundEmail, Role, User
from crm.people.passwords import RESET_JOB_KIND
from crm.people.security import PasswordResetAddressThrottle, PasswordResetClientThrottle
from tests.factories import UserFactory
from tests.factories.people import PASSWORD
from tests.integration.test_worker import _wait_for, worker  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

LOGIN = "/auth/login/"
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"
RESET = "/auth/password_reset/"
LOCKED = "Too many failed sign-ins. Try again in 15 minutes."


@pytest.fixture
def superuser() -> User:
    return UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    # The throttles count in the cache, which outlives a test's transaction.
    cache.clear()
    yield
    cache.clear()


def _log_in(client: Client, url: str, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _signed_in_as(client: Client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_fifty_wrong_passwords_then_the_right_one_is_refused_and_says_how_long_to_wait(
    client, admin_user, url
):
    for _ in range(50):
        _log_in(client, url, "admin", "wrong-guess")

    response = _log_in(client, url, "admin", PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    html = response.content.decode()
    assert LOCKED in html
    assert '<h1 class="h4 mb-3">Sign-in paused</h1>' in html  # the login page's card, not a bare axes page
    assert reverse("password_reset") in html
    assert _signed_in_as(client) is None


def test_fifty_wrong_passwords_then_the_right_one_get_no_api_token(rep):
    client = APIClient()
    for _ in range(50):
        client.post(
            TOKEN, {"username": "rep", "password": "wrong-guess"}, format="json", REMOTE_ADDR="10.0.0.1"
        )

    response = client.post(
        TOKEN, {"username": "rep", "password": PASSWORD}, format="json", REMOTE_ADDR="10.0.0.1"
    )

    assert response.status_code == 429
    assert response.json() == {"detail": LOCKED, "code": "locked_out"}
    assert response["Retry-After"] == "900"
    assert not Token.objects.filter(user=rep).exists()
    assert User.objects.get(pk=rep.pk).last_login is None


def test_the_attempt_that_reaches_the_limit_already_shows_the_lockout(client, rep):
    responses = [_log_in(client, LOGIN, "rep", f"guess-{n}") for n in range(5)]

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert "Please enter a correct username and password" in responses[0].content.decode()


def test_fewer_failures_than_the_limit_then_the_right_password_signs_in_and_clears_the_count(client, rep):
    for _ in range(4):
        _log_in(client, LOGIN, "rep", "typo")
    assert _log_in(client, LOGIN, "rep", PASSWORD).status_code == 302
    client.logout()

    # Four more typos are four, not eight: the successful sign-in cleared the count.
    for _ in range(4):
        _log_in(client, LOGIN, "rep", "typo")

    assert _log_in(client, LOGIN, "rep", PASSWORD).status_code == 302
    assert _signed_in_as(client) == rep.pk


def test_a_successful_api_sign_in_clears_the_count_too(rep):
    client = APIClient()
    for _ in range(4):
        client.post(TOKEN, {"username": "rep", "password": "typo"}, format="json")
    assert client.post(TOKEN, {"username": "rep", "password": PASSWORD}, format="json").status_code == 200

    assert not AccessAttempt.objects.filter(username="rep").exists()


def test_the_lockout_holds_one_username_from_one_address_only(client, rep, teammate):
    for _ in range(5):
        _log_in(client, LOGIN, "rep", "guess", ip="10.0.0.1")

    assert _log_in(Client(), LOGIN, "rep", PASSWORD, ip="10.0.0.2").status_code == 302
    assert _log_in(Client(), LOGIN, "teammate", PASSWORD, ip="10.0.0.1").status_code == 302


def test_the_lockout_ends_once_the_wait_is_over(client, rep):
    for _ in range(5):
        _log_in(client, LOGIN, "rep", "guess")
    assert _log_in(client, LOGIN, "rep", PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )

    assert _log_in(client, LOGIN, "rep", PASSWORD).status_code == 302


def test_an_admin_unlocks_a_user_by_deleting_the_access_attempt(client, rep, superuser):
    for _ in range(5):
        _log_in(client, LOGIN, "rep", "guess")
    attempt = AccessAttempt.objects.get(username="rep")
    admin = Client()
    admin.force_login(superuser)

    assert "rep" in admin.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})

    assert _log_in(client, LOGIN, "rep", PASSWORD).status_code == 302


def test_a_new_password_set_by_an_admin_lifts_the_lockout(client, rep, superuser):
    for _ in range(5):
        _log_in(client, LOGIN, "rep", "guess")
    admin = Client()
    admin.force_login(superuser)

    new = "Brand-new-passphrase-42"
    response = admin.post(
        reverse("admin:auth_user_password_change", args=[rep.pk]), {"password1": new, "password2": new}
    )

    assert response.status_code == 302
    assert _log_in(client, LOGIN, "rep", new).status_code == 302


# Password reset ---------------------------------------------------------------------------------------


def test_a_reset_request_does_the_same_work_for_a_known_and_an_unknown_address(client, rep):
    def request_path(email: str) -> tuple[list[str], list[str]]:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(RESET, {"email": email})
        assert response.status_code == 302
        sql = [
            re.sub(r"'\d{4}-\d\d-\d\d [^']*'", "<time>", q["sql"].replace(email, "<email>")) for q in queries
        ]
        return sql, [t.name for t in response.templates]

    known = request_path(rep.email)
    unknown = request_path("nobody@example.com")

    assert known == unknown
    jobs = list(BackgroundJob.objects.filter(kind=RESET_JOB_KIND).order_by("pk"))
    assert [job.payload["email"] for job in jobs] == [rep.email, "nobody@example.com"]
    assert not OutboundEmail.objects.exists()  # nothing rendered or queued in the request

    for job in jobs:
        job_run(job_id=job.pk, worker="celery@test")

    (email,) = OutboundEmail.objects.all()
    assert email.to == rep.email
    assert "http://testserver/auth/reset/" in email.body
    assert [(job.status, job.message) for job in BackgroundJob.objects.order_by("pk")] == [
        (JobStatus.DONE, "1 reset email queued."),
        (JobStatus.DONE, "0 reset emails queued."),
    ]


def test_reset_requests_for_one_address_are_throttled_from_any_client(client, rep, monkeypatch):
    monkeypatch.setattr(PasswordResetAddressThrottle, "rate", "2/hour", raising=False)

    statuses = [
        client.post(RESET, {"email": rep.email}, REMOTE_ADDR=f"10.0.0.{n}").status_code for n in (1, 2)
    ]
    third = client.post(RESET, {"email": rep.email.upper()}, REMOTE_ADDR="10.0.0.3")

    assert statuses == [302, 302]
    assert third.status_code == 429
    assert "Too many password reset requests. Try again in 60 minutes." in third.content.decode()
    assert int(third["Retry-After"]) == 3600
    assert BackgroundJob.objects.filter(kind=RESET_JOB_KIND).count() == 2  # the third queued nothing
    # Another address is not held up.
    assert client.post(RESET, {"email": "someone@example.com"}, REMOTE_ADDR="10.0.0.3").status_code == 302


def test_reset_requests_from_one_client_are_throttled_whatever_the_address(client, rep, monkeypatch):
    monkeypatch.setattr(PasswordResetClientThrottle, "rate", "2/minute", raising=False)

    for email in ("a@example.com", "b@example.com"):
        assert client.post(RESET, {"email": email}, REMOTE_ADDR="10.0.0.1").status_code == 302
    refused = client.post(RESET, {"email": rep.email}, REMOTE_ADDR="10.0.0.1")

    assert refused.status_code == 429
    assert "Try again in 1 minute." in refused.content.decode()
    assert [job.payload["email"] for job in BackgroundJob.objects.order_by("pk")] == [
        "a@example.com",
        "b@example.com",
    ]
    assert client.post(RESET, {"email": rep.email}, REMOTE_ADDR="10.0.0.2").status_code == 302


def test_an_unknown_address_is_throttled_exactly_like_a_known_one(client, rep, monkeypatch):
    monkeypatch.setattr(PasswordResetAddressThrottle, "rate", "1/hour", raising=False)

    def second_try(email: str) -> int:
        client.post(RESET, {"email": email})
        return int(client.post(RESET, {"email": email}).status_code)

    assert second_try(rep.email) == second_try("nobody@example.com") == 429


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_separate_worker_looks_up_the_address_and_sends_the_reset_link(worker, rep):  # noqa: F811
    response = Client().post(RESET, {"email": rep.email})

    assert response.status_code == 302
    _wait_for(lambda: OutboundEmail.objects.filter(to=rep.email, sent_at__isnull=False).exists(), worker)
    assert "/auth/reset/" in OutboundEmail.objects.get(to=rep.email).body
