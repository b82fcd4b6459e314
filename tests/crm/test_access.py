"""The access matrix: role x action x owner, for every kernel record type.

Later apps extend MATRIX-style tests for their own records. `can()` (Python, for a loaded record)
and `visible()` / `changeable()` (SQL, for lists) must always agree.
"""

import pytest
from django.db.models import Model
from factory.django import DjangoModelFactory

from crm import access
from crm.models import Account, Contact, Role, User
from crm.timeline.selectors import activity_list, task_list
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    TaskFactory,
    TeamFactory,
    UserFactory,
)

OWNERS = ["self", "teammate", "other_team", "nobody"]
ACTS: tuple[access.Action, ...] = ("delete", "assign", "complete")

# (role, owner) -> (may view, may change); the same for accounts and contacts.
MATRIX = {
    Role.ADMIN: {"self": (1, 1), "teammate": (1, 1), "other_team": (1, 1), "nobody": (1, 1)},
    Role.SALES_MANAGER: {"self": (1, 1), "teammate": (1, 1), "other_team": (0, 0), "nobody": (0, 0)},
    Role.SALES_REP: {"self": (1, 1), "teammate": (0, 0), "other_team": (0, 0), "nobody": (0, 0)},
    Role.MARKETER: {"self": (1, 0), "teammate": (1, 0), "other_team": (1, 0), "nobody": (1, 0)},
    Role.SUPPORT_AGENT: {"self": (1, 0), "teammate": (1, 0), "other_team": (1, 0), "nobody": (1, 0)},
}

FACTORIES: dict[type[Model], type[DjangoModelFactory]] = {Account: AccountFactory, Contact: ContactFactory}


def _cases():
    for model in FACTORIES:
        for role, row in MATRIX.items():
            for owner, (may_view, may_change) in row.items():
                yield pytest.param(
                    model,
                    role,
                    owner,
                    bool(may_view),
                    bool(may_change),
                    id=f"{model.__name__}-{role}-{owner}",
                )


def _user_and_owner(role: str, owner_kind: str) -> tuple[User, User | None]:
    """A user of `role` in team East (its manager, for managers), and a record owner related as named."""
    east, west = TeamFactory(name="East"), TeamFactory(name="West")
    user = UserFactory(role=role, team=east)
    if role == Role.SALES_MANAGER:
        east.manager = user
        east.save()
    if owner_kind == "nobody":
        return user, None
    if owner_kind == "self":
        return user, user
    return user, UserFactory(team=east if owner_kind == "teammate" else west)


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "role", "owner_kind", "may_view", "may_change"), list(_cases()))
def test_access_matrix(model, role, owner_kind, may_view, may_change):
    user, owner = _user_and_owner(role, owner_kind)
    created = FACTORIES[model](owner=owner)
    record = model.objects.select_related("owner").get(pk=created.pk)

    assert access.can(user, "view", record) is may_view
    assert access.can(user, "change", record) is may_change
    assert access.visible(user, model.objects.all()).filter(pk=record.pk).exists() is may_view
    assert access.changeable(user, model.objects.all()).filter(pk=record.pk).exists() is may_change
    # Accounts and contacts name no act of their own: deleting or assigning one is as wide as changing it.
    for act in ACTS:
        assert access.can(user, act, record) is may_change, act


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "may"),
    [(Role.ADMIN, True), (Role.SALES_MANAGER, True), (Role.SALES_REP, True), (Role.MARKETER, False)],
)
def test_whether_a_role_may_act_on_any_record_of_a_type_follows_its_scope(role, may):
    user = UserFactory(role=role)

    assert access.allows(user, "delete", Account) is may
    assert access.can_create(user, Account) is may


@pytest.mark.django_db
def test_a_manager_reaches_every_team_they_manage_even_outside_their_own(manager, outsider, other_team):
    other_team.manager = manager
    other_team.save()
    account = AccountFactory(owner=outsider)

    assert access.visible(manager, Account.objects.all()).filter(pk=account.pk).exists()


@pytest.mark.django_db
def test_an_inactive_user_sees_nothing_even_as_admin():
    admin = UserFactory(role=Role.ADMIN, is_active=False)
    AccountFactory(owner=admin)

    assert not access.visible(admin, Account.objects.all()).exists()


@pytest.mark.django_db
def test_a_superuser_is_an_admin_whatever_the_role_field_says(outsider):
    root = UserFactory(role=Role.SALES_REP, is_superuser=True)
    account = AccountFactory(owner=outsider)

    assert access.can(root, "change", account)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "assignable"),
    [
        (Role.ADMIN, {"rep", "teammate", "outsider", "manager"}),
        (Role.SALES_MANAGER, {"rep", "teammate", "manager"}),
        (Role.SALES_REP, {"rep"}),
    ],
)
def test_who_may_be_made_owner_depends_on_the_role(role, assignable, rep, teammate, outsider, manager):
    actor = {
        Role.ADMIN: UserFactory(username="boss", role=Role.ADMIN),
        Role.SALES_MANAGER: manager,
        Role.SALES_REP: rep,
    }[role]
    names = set(access.assignable_owners(actor).values_list("username", flat=True)) - {"boss"}

    assert names == assignable


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "role", "owner_kind", "may_view", "may_change"), list(_cases()))
def test_timeline_rows_follow_the_record_they_are_attached_to(model, role, owner_kind, may_view, may_change):
    """An activity or task on a record is visible exactly when the record is (the same matrix)."""
    user, owner = _user_and_owner(role, owner_kind)
    record = FACTORIES[model](owner=owner)
    activity = ActivityFactory(target=record, author=owner)
    task = TaskFactory(assignee=UserFactory(team=TeamFactory(name="North")), target=record)

    assert activity_list(user=user).filter(pk=activity.pk).exists() is may_view
    assert task_list(user=user).filter(pk=task.pk).exists() is may_view


@pytest.mark.django_db
def test_a_task_assigned_to_someone_is_theirs_to_see_even_on_a_record_they_cannot_see(rep, outsider):
    hidden = AccountFactory(owner=outsider)
    task = TaskFactory(assignee=rep, target=hidden)

    assert task_list(user=rep).filter(pk=task.pk).exists()
    assert not activity_list(user=rep).exists()
