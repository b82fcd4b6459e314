"""The access matrix for actions: every action endpoint asks the one policy, as the plain edits do.

A role that sees a record but may not act on it gets a 403 (a marketer reads a rep's lead and its tasks,
and changes only the lead's marketing fields); a role that does not see it gets a 404, as for a read.
Each row is a real API call by a user of the role against records owned by a rep of team East.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from crm.models import Role, User
from leads.models import LeadStatus
from sales.models import DealStatus, SalesSettings, StageKind
from tests.factories import (
    DealFactory,
    LeadFactory,
    LostReasonFactory,
    TaskFactory,
    TeamFactory,
    UserFactory,
)
from tests.factories.sales import ProductFactory

pytestmark = pytest.mark.django_db

ROLES = ["admin", "manager", "owner", "teammate", "outsider", "marketer", "support"]


@dataclass(frozen=True)
class Action:
    name: str
    # (client, the rep who owns the records) -> the response
    call: Callable[[APIClient, User], Any]
    # role -> expected status
    expected: dict[str, int]


def _task_on_lead(rep: User) -> int:
    lead = LeadFactory(owner=rep, team=rep.team)
    return int(TaskFactory(assignee=rep, created_by=rep, target=lead).pk)


def _closed_task_on_lead(rep: User) -> int:
    task = TaskFactory(assignee=rep, created_by=rep, target=LeadFactory(owner=rep, team=rep.team))
    task.completed_at = task.due_at
    task.save()
    return int(task.pk)


def _deal(rep: User, **fields: Any) -> Any:
    return DealFactory(owner=rep, **fields)


def _task_on_deal(rep: User) -> int:
    return int(TaskFactory(assignee=rep, created_by=rep, target=_deal(rep)).pk)


def _won_deal(rep: User) -> Any:
    deal = _deal(rep)
    deal.stage, deal.status = deal.pipeline.stages.get(kind=StageKind.WON), DealStatus.WON
    deal.closed_at = timezone.now()
    deal.save()
    return deal


def _closed_deal(rep: User) -> Any:
    deal = _deal(rep)
    lost = deal.pipeline.stages.get(kind=StageKind.LOST)
    deal.stage, deal.status, deal.lost_reason = lost, DealStatus.LOST, LostReasonFactory()
    deal.closed_at = timezone.now()
    deal.save()
    return deal


def _second_stage(deal: Any) -> int:
    return int(deal.pipeline.stages.filter(kind=StageKind.OPEN).order_by("position")[1].pk)


def _on_a_lead(done: int, *, marketer: int = 403) -> dict[str, int]:
    """A lead's owner, the owner's manager and admins work it; marketers read every lead (and change its
    marketing fields); the owner's teammates, other teams and support do not see it."""
    return {
        "admin": done,
        "manager": done,
        "owner": done,
        "teammate": 404,
        "outsider": 404,
        "marketer": marketer,
        "support": 404,
    }


def _on_a_deal(done: int) -> dict[str, int]:
    """A deal's owner, the owner's manager and admins work it; the owner's teammates (on the team board),
    marketing and support read it; other teams do not see it."""
    return {
        "admin": done,
        "manager": done,
        "owner": done,
        "teammate": 403,
        "outsider": 404,
        "marketer": 403,
        "support": 403,
    }


ACTIONS = [
    Action(
        "complete a task on a lead",
        lambda c, rep: c.post(f"/api/v1/tasks/{_task_on_lead(rep)}/complete/"),
        _on_a_lead(200),
    ),
    Action(
        "reopen a task on a lead",
        lambda c, rep: c.post(f"/api/v1/tasks/{_closed_task_on_lead(rep)}/reopen/"),
        _on_a_lead(200),
    ),
    Action(
        "change a lead's status",
        lambda c, rep: c.post(
            f"/api/v1/leads/{LeadFactory(owner=rep, team=rep.team).pk}/status/",
            {"status": LeadStatus.WORKING},
            format="json",
        ),
        _on_a_lead(200),
    ),
    Action(
        "tag a lead (a marketing field)",
        lambda c, rep: c.patch(
            f"/api/v1/leads/{LeadFactory(owner=rep, team=rep.team).pk}/", {"tags": ["event"]}, format="json"
        ),
        _on_a_lead(200, marketer=200),
    ),
    Action(
        "take a lead on (assign it to oneself)",
        lambda c, rep: (
            lambda lead: c.patch(
                f"/api/v1/leads/{lead.pk}/", {"owner": c.session["_auth_user_id"]}, format="json"
            )
        )(LeadFactory(owner=rep, team=rep.team)),
        _on_a_lead(200),
    ),
    Action(
        "delete a lead",
        lambda c, rep: c.delete(f"/api/v1/leads/{LeadFactory(owner=rep, team=rep.team).pk}/"),
        _on_a_lead(204),
    ),
    Action(
        "convert a lead",
        lambda c, rep: c.post(
            "/api/v1/conversions/",
            {
                "lead": LeadFactory(owner=rep, team=rep.team, status=LeadStatus.QUALIFIED, company="Acme").pk,
                "create_deal": False,
            },
            format="json",
        ),
        _on_a_lead(201),
    ),
    Action(
        "move a deal",
        lambda c, rep: (
            lambda deal: c.post(
                f"/api/v1/deals/{deal.pk}/move/", {"stage": _second_stage(deal)}, format="json"
            )
        )(_deal(rep)),
        _on_a_deal(200),
    ),
    Action(
        "reopen a lost deal",
        lambda c, rep: c.post(f"/api/v1/deals/{_closed_deal(rep).pk}/reopen/", {}, format="json"),
        _on_a_deal(200),
    ),
    Action(
        "add a product line to a deal",
        lambda c, rep: c.post(
            f"/api/v1/deals/{_deal(rep).pk}/lines/", {"product": ProductFactory().pk}, format="json"
        ),
        _on_a_deal(201),
    ),
    Action(
        "delete a deal",
        lambda c, rep: c.delete(f"/api/v1/deals/{_deal(rep).pk}/"),
        _on_a_deal(204),
    ),
    Action(
        "delete a won deal (admins only)",
        lambda c, rep: c.delete(f"/api/v1/deals/{_won_deal(rep).pk}/"),
        {**_on_a_deal(403), "admin": 204},
    ),
    Action(
        "complete a task on a deal",
        lambda c, rep: c.post(f"/api/v1/tasks/{_task_on_deal(rep)}/complete/"),
        _on_a_deal(200),
    ),
]


def _people() -> dict[str, User]:
    east, west = TeamFactory(name="East"), TeamFactory(name="West")
    people: dict[str, User] = {
        "admin": UserFactory(role=Role.ADMIN),
        "manager": UserFactory(role=Role.SALES_MANAGER, team=east),
        "owner": UserFactory(role=Role.SALES_REP, team=east),
        "teammate": UserFactory(role=Role.SALES_REP, team=east),
        "outsider": UserFactory(role=Role.SALES_REP, team=west),
        "marketer": UserFactory(role=Role.MARKETER),
        "support": UserFactory(role=Role.SUPPORT_AGENT),
    }
    east.manager = people["manager"]
    east.save()
    return people


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_action_access_matrix(action, role):
    SalesSettings.objects.update_or_create(id=1, defaults={"reps_see_team_board": True})
    people = _people()
    client = APIClient()
    client.force_login(people[role])

    response = action.call(client, people["owner"])

    assert response.status_code == action.expected[role], response.content
    if response.status_code in (403, 404):
        # A refusal names nobody the caller may not see.
        assert str(people["owner"]) not in response.content.decode()


def test_a_bulk_move_refuses_each_deal_the_user_may_only_read(api_as, rep, teammate):
    SalesSettings.objects.update_or_create(id=1, defaults={"reps_see_team_board": True})
    theirs = DealFactory(owner=teammate)

    response = api_as(rep).post(
        "/api/v1/deals/bulk/",
        {"action": "move", "ids": [theirs.pk], "stage": _second_stage(theirs)},
        format="json",
    )

    assert response.json()["changed"] == []
    assert list(response.json()["refused"]) == [str(theirs.pk)]
