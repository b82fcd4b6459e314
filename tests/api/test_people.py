"""The company's people and teams through the API: everyone reads them, only admins change them."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.models import Role, Team, User
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users/"
TEAMS = "/api/v1/teams/"
STRONG_PASSWORD = "violet-harbour-engine-42"


def user_url(user: User) -> str:
    return f"{USERS}{user.pk}/"


def team_url(team: Team) -> str:
    return f"{TEAMS}{team.pk}/"


def usernames(response) -> list[str]:
    return [row["username"] for row in response.json()["results"]]


def test_a_rep_reads_the_people_of_the_company_with_their_team(api_as, rep, outsider):
    response = api_as(rep).get(USERS)

    assert response.status_code == 200
    assert usernames(response) == ["outsider", "rep"]
    row = response.json()["results"][1]
    assert row == {
        "id": rep.pk,
        "username": "rep",
        "first_name": rep.first_name,
        "last_name": rep.last_name,
        "full_name": f"{rep.first_name} {rep.last_name}",
        "email": "rep@example.com",
        "role": "sales_rep",
        "team": rep.team_id,
        "team_name": "East",
        "is_active": True,
        "is_away": False,
        "time_zone": rep.time_zone,
    }


def test_a_rep_reads_one_person_and_an_unknown_id_is_a_404(api_as, rep, outsider):
    client = api_as(rep)

    assert client.get(user_url(outsider)).json()["team_name"] == "West"
    assert client.get(f"{USERS}999999/").status_code == 404
    assert client.get(f"{USERS}abc/").status_code == 404


def test_the_people_list_filters_by_words_team_role_and_active(api_as, rep, teammate, manager, outsider):
    teammate.is_active = False
    teammate.save()
    client = api_as(rep)

    assert usernames(client.get(USERS, {"search": "outsider@example"})) == ["outsider"]
    assert usernames(client.get(USERS, {"team": rep.team_id})) == ["manager", "rep", "teammate"]
    assert usernames(client.get(USERS, {"role": "sales_manager"})) == ["manager"]
    assert usernames(client.get(USERS, {"is_active": "false"})) == ["teammate"]
    assert client.get(USERS, {"role": "emperor"}).json().keys() == {"role"}


def test_a_rep_may_not_add_or_change_people_or_teams(api_as, rep, teammate, team):
    client = api_as(rep)

    assert client.post(USERS, {"username": "newbie"}, format="json").status_code == 403
    assert client.patch(user_url(teammate), {"is_active": False}, format="json").status_code == 403
    assert client.post(TEAMS, {"name": "North"}, format="json").status_code == 403
    assert client.patch(team_url(team), {"name": "Renamed"}, format="json").status_code == 403
    assert client.delete(team_url(team)).status_code == 403
    assert not User.objects.filter(username="newbie").exists()
    assert list(Team.objects.values_list("name", flat=True)) == ["East"]
    teammate.refresh_from_db()
    assert teammate.is_active


def test_an_admin_adds_a_user_who_cannot_sign_in_without_a_password(api_as, admin_user, team):
    response = api_as(admin_user).post(
        USERS,
        {
            "username": "newbie",
            "first_name": "Nia",
            "email": "nia@example.com",
            "role": "marketer",
            "team": team.pk,
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["team_name"] == "East"
    user = User.objects.get(username="newbie")
    assert (user.role, user.team, user.is_active) == (Role.MARKETER, team, True)
    assert not user.has_usable_password()


def test_a_user_added_with_a_password_signs_in_with_it(api_as, admin_user):
    api_as(admin_user).post(USERS, {"username": "newbie", "password": STRONG_PASSWORD}, format="json")

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "newbie", "password": STRONG_PASSWORD}, format="json"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "newbie", "password": "password"}, "password"),
        ({"username": "rep"}, "username"),
        ({"username": "has space"}, "username"),
        ({"username": "newbie", "email": "not-an-email"}, "email"),
        ({"username": "newbie", "role": "emperor"}, "role"),
        ({"username": "newbie", "team": 999999}, "team"),
    ],
)
def test_a_user_the_input_refuses_is_a_400_naming_the_field(api_as, admin_user, rep, body, field):
    response = api_as(admin_user).post(USERS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.filter(username="newbie").exists()


def test_an_admin_changes_a_users_role_team_and_away_flag(api_as, admin_user, rep, other_team):
    response = api_as(admin_user).patch(
        user_url(rep), {"role": "sales_manager", "team": other_team.pk, "is_away": True}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["team_name"] == "West"
    rep.refresh_from_db()
    assert (rep.role, rep.team, rep.is_away, rep.username) == (Role.SALES_MANAGER, other_team, True, "rep")


def test_a_deactivated_user_keeps_their_row_and_loses_their_api_token(api_as, admin_user, rep):
    token = Token.objects.create(user=rep)

    response = api_as(admin_user).patch(user_url(rep), {"is_active": False}, format="json")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert User.objects.filter(pk=rep.pk, is_active=False).exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/me/").status_code in (401, 403)


@pytest.mark.parametrize(
    ("body", "field"), [({"is_active": False}, "is_active"), ({"role": "sales_rep"}, "role")]
)
def test_an_admin_cannot_lock_themself_out(api_as, admin_user, body, field):
    response = api_as(admin_user).patch(user_url(admin_user), body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert admin_user.role == Role.ADMIN


def test_another_admin_may_deactivate_an_admin(api_as, admin_user):
    other = UserFactory(username="other-admin", role=Role.ADMIN)

    assert api_as(admin_user).patch(user_url(other), {"is_active": False}, format="json").status_code == 200


def test_people_are_deactivated_not_deleted(api_as, admin_user, rep):
    assert api_as(admin_user).delete(user_url(rep)).status_code == 405
    assert User.objects.filter(pk=rep.pk).exists()


def test_teams_show_their_manager_and_members(api_as, rep, manager, teammate, other_team):
    response = api_as(rep).get(TEAMS)

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": manager.team_id,
            "name": "East",
            "manager": manager.pk,
            "manager_name": str(manager),
            "members": sorted([rep.pk, manager.pk, teammate.pk]),
        },
        {"id": other_team.pk, "name": "West", "manager": None, "manager_name": None, "members": []},
    ]


def test_an_admin_adds_renames_and_hands_over_a_team(api_as, admin_user, manager):
    client = api_as(admin_user)

    created = client.post(TEAMS, {"name": "North"}, format="json")
    team_id = created.json()["id"]
    renamed = client.patch(f"{TEAMS}{team_id}/", {"name": "North", "manager": manager.pk}, format="json")

    assert created.status_code == 201
    assert created.json() == {
        "id": team_id,
        "name": "North",
        "manager": None,
        "manager_name": None,
        "members": [],
    }
    assert renamed.status_code == 200
    assert Team.objects.get(pk=team_id).manager == manager


def test_a_team_name_taken_or_an_inactive_manager_is_a_400_naming_the_field(api_as, admin_user, team):
    gone = UserFactory(username="gone", is_active=False)
    west = TeamFactory(name="West")
    client = api_as(admin_user)

    taken = client.patch(team_url(west), {"name": "East"}, format="json")
    inactive = client.post(TEAMS, {"name": "North", "manager": gone.pk}, format="json")

    assert (taken.status_code, list(taken.json())) == (400, ["name"])
    assert (inactive.status_code, list(inactive.json())) == (400, ["manager"])
    assert sorted(Team.objects.values_list("name", flat=True)) == ["East", "West"]


def test_deleting_a_team_leaves_its_members_without_a_team(api_as, admin_user, team, rep, manager):
    response = api_as(admin_user).delete(team_url(team))

    assert response.status_code == 204
    assert not Team.objects.exists()
    assert list(User.objects.filter(pk__in=[rep.pk, manager.pk]).values_list("team", flat=True)) == [
        None,
        None,
    ]
    assert api_as(admin_user).delete(team_url(team)).status_code == 404


@pytest.mark.parametrize("url", [USERS, TEAMS])
def test_the_people_and_team_lists_cost_the_same_for_one_row_as_for_fifty(
    api_as, assert_same_query_count, rep, manager, url
):
    client = api_as(rep)

    def grow() -> None:
        for _ in range(49):
            leader = UserFactory(team=TeamFactory())
            leader.team.manager = leader
            leader.team.save()

    assert_same_query_count(lambda: client.get(url), grow=grow)


@pytest.mark.parametrize("url", [USERS, TEAMS])
def test_a_later_page_of_people_or_teams_costs_the_same_as_the_first(
    api_as, assert_same_query_count, rep, url
):
    def grow(count: int) -> None:
        for _ in range(count):
            UserFactory(team=TeamFactory())

    grow(3)
    client = api_as(rep)
    following = client.get(url, {"page_size": 2}).json()["next"]
    assert following is not None

    assert_same_query_count(lambda: client.get(following), grow=lambda: grow(50))


def test_the_schema_documents_the_people_and_team_endpoints(api_as, rep):
    paths = api_as(rep).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]

    assert set(paths["/api/v1/users/{id}/"]) == {"get", "patch"}
    assert set(paths["/api/v1/teams/{id}/"]) == {"get", "patch", "delete"}
    assert {p["name"] for p in paths["/api/v1/users/"]["get"]["parameters"]} >= {
        "search",
        "team",
        "role",
        "is_active",
        "cursor",
    }
