"""Tasks through the API: created on a visible record or none, completed and reopened idempotently,
changed and deleted by those who work them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Account, Notification, NotificationKind, Task
from tests.factories import AccountFactory, TaskFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tasks/"


def detail(task: Task, action: str = "") -> str:
    return f"/api/v1/tasks/{task.pk}/{action + '/' if action else ''}"


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def tomorrow() -> str:
    return (timezone.now() + timedelta(days=1)).isoformat()


def task_on(account: Account, **fields) -> Task:
    return TaskFactory(target=account, **fields)


def test_a_task_without_a_target_is_assigned_to_its_creator(api_as, rep):
    response = api_as(rep).post(LIST, {"title": "Plan the week", "due_at": tomorrow()}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["assignee"], body["created_by"], body["target_type"], body["target_id"]) == (
        rep.pk,
        rep.pk,
        None,
        None,
    )


def test_a_task_on_a_visible_account_names_its_target(api_as, rep):
    account = AccountFactory(owner=rep)

    response = api_as(rep).post(
        LIST,
        {
            "title": "Send the quote",
            "due_at": tomorrow(),
            "target_type": "crm.account",
            "target_id": account.pk,
        },
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["target_type"], response.json()["target_id"]) == ("crm.account", account.pk)
    assert Task.objects.get().target == account


def test_a_task_on_an_invisible_account_is_a_404_and_creates_nothing(api_as, rep, teammate):
    hidden = AccountFactory(owner=teammate)

    response = api_as(rep).post(
        LIST,
        {"title": "Peek", "due_at": tomorrow(), "target_type": "crm.account", "target_id": hidden.pk},
        format="json",
    )

    assert response.status_code == 404
    assert not Task.objects.exists()


def test_a_target_type_without_a_target_id_is_a_400(api_as, rep):
    response = api_as(rep).post(
        LIST, {"title": "Half a target", "due_at": tomorrow(), "target_type": "crm.account"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["target_id"]


def test_a_rep_cannot_give_a_task_to_another_rep(api_as, rep, teammate):
    response = api_as(rep).post(
        LIST, {"title": "Yours now", "due_at": tomorrow(), "assignee": teammate.pk}, format="json"
    )

    assert response.status_code == 403
    assert not Task.objects.exists()


def test_completing_a_task_twice_keeps_the_first_completed_at(api_as, rep):
    task = TaskFactory(assignee=rep)
    client = api_as(rep)

    first = client.post(detail(task, "complete"))
    second = client.post(detail(task, "complete"))

    assert first.status_code == second.status_code == 200
    assert first.json()["is_done"] is True
    assert second.json()["completed_at"] == first.json()["completed_at"]
    task.refresh_from_db()
    assert task.completed_at is not None


def test_reopening_a_done_task_clears_completed_at(api_as, rep):
    task = TaskFactory(assignee=rep, completed_at=timezone.now())

    response = api_as(rep).post(detail(task, "reopen"))

    assert response.status_code == 200
    assert response.json()["completed_at"] is None
    task.refresh_from_db()
    assert task.completed_at is None


def test_another_reps_private_task_is_a_404_to_read_and_to_complete(api_as, rep, teammate):
    task = TaskFactory(assignee=teammate)
    client = api_as(rep)

    assert client.get(detail(task)).status_code == 404
    assert client.post(detail(task, "complete")).status_code == 404
    task.refresh_from_db()
    assert task.completed_at is None


def test_a_manager_sees_tasks_on_their_teams_accounts(api_as, manager, rep, outsider):
    team_task = task_on(AccountFactory(owner=rep), assignee=rep)
    task_on(AccountFactory(owner=outsider), assignee=outsider)

    assert ids(api_as(manager).get(LIST)) == [team_task.pk]


def test_the_done_filter_separates_open_from_done_tasks(api_as, rep):
    open_task = TaskFactory(assignee=rep)
    done_task = TaskFactory(assignee=rep, completed_at=timezone.now())
    client = api_as(rep)

    assert ids(client.get(LIST, {"done": "false"})) == [open_task.pk]
    assert ids(client.get(LIST, {"done": "true"})) == [done_task.pk]


def test_listing_tasks_costs_the_same_queries_for_one_row_as_for_thirty(api_as, assert_same_query_count, rep):
    task_on(AccountFactory(owner=rep), assignee=rep)
    client = api_as(rep)

    def grow():
        for _ in range(29):
            task_on(AccountFactory(owner=rep), assignee=rep)

    assert_same_query_count(lambda: client.get(LIST), grow=grow)


def test_the_assignee_renames_and_moves_their_task(api_as, rep):
    task = TaskFactory(assignee=rep, created_by=rep, title="Old title")
    later = timezone.now() + timedelta(days=3)

    response = api_as(rep).patch(
        detail(task), {"title": "Call Ada", "due_at": later.isoformat()}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["title"] == "Call Ada"
    task.refresh_from_db()
    assert (task.title, task.due_at) == ("Call Ada", later)


def test_a_manager_hands_a_task_to_a_teammate_who_is_told(api_as, manager, rep, teammate):
    task = task_on(AccountFactory(owner=rep), assignee=rep)

    response = api_as(manager).patch(detail(task), {"assignee": teammate.pk}, format="json")

    assert response.status_code == 200
    assert response.json()["assignee"] == teammate.pk
    notification = Notification.objects.get(recipient=teammate)
    assert notification.kind == NotificationKind.ASSIGNED
    assert task.title in notification.message


def test_a_rep_cannot_hand_their_task_to_another_rep(api_as, rep, teammate):
    task = TaskFactory(assignee=rep)

    response = api_as(rep).patch(detail(task), {"assignee": teammate.pk}, format="json")

    assert response.status_code == 403
    task.refresh_from_db()
    assert task.assignee == rep


def test_an_empty_title_is_a_400_naming_it(api_as, rep):
    task = TaskFactory(assignee=rep)

    response = api_as(rep).patch(detail(task), {"title": ""}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["title"]


def test_another_reps_private_task_is_a_404_to_change_and_to_delete(api_as, rep, teammate):
    task = TaskFactory(assignee=teammate, title="Theirs")
    client = api_as(rep)

    assert client.patch(detail(task), {"title": "Mine now"}, format="json").status_code == 404
    assert client.delete(detail(task)).status_code == 404
    task.refresh_from_db()
    assert task.title == "Theirs"


def test_a_marketer_who_reads_a_task_may_not_change_or_delete_it(api_as, marketer, rep):
    task = task_on(AccountFactory(owner=rep), assignee=rep, title="Theirs")
    client = api_as(marketer)

    assert client.get(detail(task)).status_code == 200
    assert client.patch(detail(task), {"title": "Mine now"}, format="json").status_code == 403
    assert client.delete(detail(task)).status_code == 403
    assert Task.objects.get().title == "Theirs"


def test_deleting_a_task_removes_it_and_a_second_delete_is_a_404(api_as, rep):
    task = TaskFactory(assignee=rep)
    client = api_as(rep)

    assert client.delete(detail(task)).status_code == 204
    assert not Task.objects.exists()
    assert client.delete(detail(task)).status_code == 404
