"""API rate limits: past the rate a client gets 429 with Retry-After, counted in a cache all workers share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache, caches
from django.db import connection
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from tests.crm.test_configuration import SERVER_MODE, _manage
from tests.factories.people import PASSWORD

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
TOKEN = "/api/v1/auth/token/"
SHARED_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "crm_cache"}
}


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def test_a_signed_in_user_past_the_rate_gets_429_with_retry_after(api_as, rep, teammate, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "rate", "3/minute", raising=False)
    client = api_as(rep)

    statuses = [client.get(ME).status_code for _ in range(3)]
    refused = client.get(ME)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json() == {
        "detail": "Request was throttled. Expected available in 60 seconds.",
        "code": "throttled",
    }
    assert refused["Retry-After"] == "60"
    # Counted per user: a colleague calling at the same time is not held up.
    assert api_as(teammate).get(ME).status_code == 200


def test_a_token_client_is_counted_as_its_user(rep, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "rate", "2/minute", raising=False)
    key = APIClient().post(TOKEN, {"username": "rep", "password": PASSWORD}, format="json").json()["token"]
    # Two clients, two addresses, one user.
    clients = [APIClient(REMOTE_ADDR=f"10.0.0.{n}") for n in (1, 2, 3)]
    for client in clients:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert [client.get(ME).status_code for client in clients] == [200, 200, 429]


def test_an_anonymous_client_past_the_rate_gets_429_with_retry_after(rep, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/minute", raising=False)
    client = APIClient(REMOTE_ADDR="10.0.0.1")
    credentials = {"username": "rep", "password": PASSWORD}

    statuses = [client.post(TOKEN, credentials, format="json").status_code for _ in range(3)]
    refused = client.post(TOKEN, credentials, format="json")

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "throttled" in refused.json()["detail"]
    assert APIClient(REMOTE_ADDR="10.0.0.2").post(TOKEN, credentials, format="json").status_code == 200


def test_a_forwarded_for_header_does_not_dodge_the_anonymous_rate(rep, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/minute", raising=False)
    credentials = {"username": "rep", "password": PASSWORD}

    statuses = [
        APIClient(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        .post(TOKEN, credentials, format="json")
        .status_code
        for n in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_the_counts_live_in_the_database_table_every_worker_shares(api_as, rep, settings, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "rate", "2/minute", raising=False)
    settings.CACHES = SHARED_CACHE
    assert "crm_cache" in connection.introspection.table_names()  # made by the migration, no extra step
    client = api_as(rep)

    client.get(ME)
    # A worker that starts now reads the same count: it is a row in PostgreSQL, not in a process's memory.
    caches.close_all()
    client.get(ME)

    assert client.get(ME).status_code == 429
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM crm_cache")
        assert [key for (key,) in cursor.fetchall()] == [f":1:throttle_user_{rep.pk}"]


def test_throttle_rates_and_the_lockout_are_read_from_the_environment():
    shell = (
        "from django.conf import settings as s; print(s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'], "
        "s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, s.CACHES['default']['BACKEND'])"
    )
    env = {
        **SERVER_MODE,
        "API_THROTTLE_ANON_RATE": "off",
        "API_THROTTLE_USER_RATE": "100/second",
        "PASSWORD_RESET_EMAIL_RATE": "3/day",
        "LOGIN_FAILURE_LIMIT": "8",
        "LOGIN_LOCKOUT_MINUTES": "30",
        "CACHE_URL": "redis://127.0.0.1:9/1",
    }

    result = _manage("shell", "--no-imports", "-c", shell, **env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "{'anon': None, 'user': '100/second', 'password_reset_ip': '20/hour', "
        "'password_reset_email': '3/day'} 8 0:30:00 django.core.cache.backends.redis.RedisCache"
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("API_THROTTLE_USER_RATE", "lots", "API_THROTTLE_USER_RATE has an invalid value 'lots'"),
        ("LOGIN_FAILURE_LIMIT", "0", "LOGIN_FAILURE_LIMIT must be at least 1"),
        (
            "CACHE_URL",
            "memcached://cache:11211",
            "CACHE_URL must be a URL starting with one of redis, rediss",
        ),
    ],
)
def test_a_bad_limit_stops_start_up_with_one_line_naming_it(variable, value, message):
    result = _manage("check", **{**SERVER_MODE, variable: value})

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert message in result.stderr
