"""The signed-in user's own corner of the API: who they are and their notifications."""

import pytest
from django.utils import timezone

from crm.models import Notification, NotificationKind, User

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"
MARK_READ = "/api/v1/notifications/read/"


def notify(user: User, message: str = "Hello", **fields) -> Notification:
    return Notification.objects.create(
        recipient=user, kind=NotificationKind.ASSIGNED, message=message, **fields
    )


def test_a_user_lists_only_their_own_notifications_newest_first(api_as, rep, teammate):
    older = notify(rep, "Older")
    newer = notify(rep, "Newer")
    notify(teammate, "Not yours")

    response = api_as(rep).get(LIST)

    assert [row["message"] for row in response.json()["results"]] == ["Newer", "Older"]
    assert [row["id"] for row in response.json()["results"]] == [newer.pk, older.pk]


def test_marking_given_notifications_read_leaves_the_others_unread(api_as, rep):
    first, second = notify(rep), notify(rep)

    response = api_as(rep).post(MARK_READ, {"ids": [first.pk]}, format="json")

    assert response.json() == {"marked": 1}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_marking_without_ids_marks_all_of_mine_and_none_of_anyone_elses(api_as, rep, teammate):
    notify(rep), notify(rep)
    already_read = notify(rep, read_at=timezone.now())
    theirs = notify(teammate)

    response = api_as(rep).post(MARK_READ, {}, format="json")

    assert response.json() == {"marked": 2}
    assert not Notification.objects.filter(recipient=rep, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=already_read.pk).read_at == already_read.read_at
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_someone_elses_notification_id_is_not_marked(api_as, rep, teammate):
    theirs = notify(teammate)

    response = api_as(rep).post(MARK_READ, {"ids": [theirs.pk]}, format="json")

    assert response.json() == {"marked": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_listing_notifications_costs_the_same_queries_for_one_row_as_for_thirty(
    api_as, assert_same_query_count, rep
):
    notify(rep)
    client = api_as(rep)

    assert_same_query_count(lambda: client.get(LIST), grow=lambda: [notify(rep) for _ in range(29)])


def test_me_describes_the_signed_in_user_with_role_and_team(api_as, rep, team):
    response = api_as(rep).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json() == {
        "id": rep.pk,
        "username": "rep",
        "name": str(rep),
        "first_name": rep.first_name,
        "last_name": rep.last_name,
        "email": rep.email,
        "role": "sales_rep",
        "team": team.pk,
        "team_name": "East",
    }


@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/accounts/", "/api/v1/tasks/", LIST])
def test_an_anonymous_caller_is_turned_away(client, url):
    response = client.get(url)

    assert response.status_code in (401, 403)
    assert "credentials" in response.json()["detail"]
