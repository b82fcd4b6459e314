"""Fixtures every test module shares: people in each role, and a query-count assertion for pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoDbBlocker
from rest_framework.test import APIClient

from crm.demo.seeding import seed_demo
from crm.models import Role, Team, User
from tests.factories import TeamFactory, UserFactory
from tests.factories.sales import create_sales_defaults


@pytest.fixture
def team() -> Team:
    return TeamFactory(name="East")


@pytest.fixture
def other_team() -> Team:
    return TeamFactory(name="West")


@pytest.fixture
def manager(team: Team) -> User:
    user = UserFactory(username="manager", role=Role.SALES_MANAGER, team=team)
    team.manager = user
    team.save()
    return user


@pytest.fixture
def rep(team: Team) -> User:
    return UserFactory(username="rep", role=Role.SALES_REP, team=team)


@pytest.fixture
def teammate(team: Team) -> User:
    return UserFactory(username="teammate", role=Role.SALES_REP, team=team)


@pytest.fixture
def outsider(other_team: Team) -> User:
    return UserFactory(username="outsider", role=Role.SALES_REP, team=other_team)


@pytest.fixture
def marketer() -> User:
    return UserFactory(username="marketer", role=Role.MARKETER)


@pytest.fixture
def support_agent() -> User:
    return UserFactory(username="support", role=Role.SUPPORT_AGENT)


@pytest.fixture
def admin_user() -> User:
    return UserFactory(username="admin", role=Role.ADMIN, is_staff=True)


@pytest.fixture
def assert_same_query_count() -> Callable[..., object]:
    """Asserts that `request()` costs the same number of SQL queries before and after `grow()`.

    Usage: assert_same_query_count(lambda: client.get(url),
                                   grow=lambda: AccountFactory.create_batch(49, owner=rep))
    """

    def check(request: Callable[[], object], *, grow: Callable[[], object]) -> int:
        request()  # warm the per-process caches (content types, sessions) so they don't count
        with count_queries() as small:
            request()
        grow()
        with count_queries() as large:
            request()
        assert len(large.captured_queries) == len(small.captured_queries), (
            f"{len(small.captured_queries)} queries with few rows, {len(large.captured_queries)} with many:\n"
            + "\n".join(q["sql"] for q in large.captured_queries)
        )
        return len(small.captured_queries)

    return check


@contextmanager
def count_queries() -> Iterator[CaptureQueriesContext]:
    with CaptureQueriesContext(connection) as context:
        yield context


@pytest.fixture
def api_as() -> Callable[[User], APIClient]:
    """An API client with a real session per user: each request loads the user afresh, as in production.

    (force_authenticate would reuse one User object across requests, hiding per-request queries.)
    """

    def sign_in(user: User) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def as_user(client: Client) -> Callable[[User], Client]:
    """The test client, signed in as `user` (a real session, as a browser has)."""

    def log_in(user: User) -> Client:
        client.force_login(user)
        return client

    return log_in


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[datetime]:
    """`make run`'s demo book, seeded once for a module's tests and rolled back after them; gives the
    moment the seeding started."""
    with django_db_blocker.unblock(), transaction.atomic():
        seeded_at = timezone.now()
        create_sales_defaults()
        seed_demo()
        yield seeded_at
        transaction.set_rollback(True)
