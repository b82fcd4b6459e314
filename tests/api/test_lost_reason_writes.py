"""Admins keep the list of lost reasons through the API as on its settings page; reps read it."""

from __future__ import annotations

import pytest

from sales.models import DealStatus, LostReason
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db

LOST_REASONS = "/api/v1/lost-reasons/"


def reason_url(reason: LostReason) -> str:
    return f"{LOST_REASONS}{reason.pk}/"


def names(client) -> list[str]:
    return [row["name"] for row in client.get(LOST_REASONS).json()]


@pytest.fixture
def price() -> LostReason:
    return LostReason.objects.get(name="Price")


def test_an_admin_adds_a_reason_and_it_is_offered_last(api_as, admin_user):
    client = api_as(admin_user)
    before = names(client)

    response = client.post(LOST_REASONS, {"name": " Legal   review "}, format="json")

    assert response.status_code == 201, response.json()
    assert {k: response.json()[k] for k in ("name", "is_active")} == {
        "name": "Legal review",
        "is_active": True,
    }
    assert names(client) == [*before, "Legal review"]
    assert client.get(f"{LOST_REASONS}{response.json()['id']}/").json()["name"] == "Legal review"


def test_a_reason_name_taken_in_another_case_is_refused_naming_the_field(api_as, admin_user, price):
    client = api_as(admin_user)
    other = LostReason.objects.exclude(pk=price.pk).order_by("id")[0]

    created = client.post(LOST_REASONS, {"name": "PRICE"}, format="json")
    renamed = client.patch(reason_url(other), {"name": "price"}, format="json")

    assert created.json() == {"name": ["There is already a lost reason named PRICE."]}
    assert renamed.json() == {"name": ["There is already a lost reason named price."]}
    assert (created.status_code, renamed.status_code) == (400, 400)


def test_an_admin_renames_moves_and_retires_a_reason_in_one_request(api_as, admin_user, price):
    client = api_as(admin_user)

    response = client.patch(
        reason_url(price), {"name": "Too expensive", "is_active": False, "position": 99}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["is_active"]) == ("Too expensive", False)
    assert names(client)[-1] == "Too expensive"
    assert body["position"] == len(names(client)) - 1


def test_the_last_active_reason_is_not_retired_and_nothing_changes(api_as, admin_user, price):
    LostReason.objects.exclude(pk=price.pk).update(is_active=False)

    response = api_as(admin_user).patch(
        reason_url(price), {"name": "Cost", "is_active": False}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "Price is the only active lost reason, and a deal cannot be lost without one; add another first."
        ]
    }
    price.refresh_from_db()
    assert (price.name, price.is_active) == ("Price", True)


def test_deleting_a_reason_lost_deals_give_retires_it_instead(api_as, admin_user, price):
    DealFactory(status=DealStatus.LOST, lost_reason=price)
    unused = LostReason.objects.create(name="Went dark", position=50)
    client = api_as(admin_user)

    kept = client.delete(reason_url(price))
    deleted = client.delete(reason_url(unused))

    assert kept.status_code == 200
    assert kept.json() == {"name": "Price", "deleted": False, "deals": 1}
    assert LostReason.objects.get(pk=price.pk).is_active is False
    assert deleted.json() == {"name": "Went dark", "deleted": True, "deals": 0}
    assert not LostReason.objects.filter(pk=unused.pk).exists()
    assert client.delete(reason_url(unused)).status_code == 404


def test_an_admin_reorders_the_reasons_and_a_stale_order_is_a_conflict(api_as, admin_user):
    client = api_as(admin_user)
    ids = [row["id"] for row in client.get(LOST_REASONS).json()]

    response = client.post(f"{LOST_REASONS}order/", {"order": list(reversed(ids))}, format="json")
    stale = client.post(f"{LOST_REASONS}order/", {"order": ids[1:]}, format="json")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == list(reversed(ids))
    assert stale.status_code == 409


@pytest.mark.parametrize("writer", ["rep", "manager", "support_agent"])
def test_only_admins_change_lost_reasons_and_others_still_read_them(api_as, request, writer, price):
    client = api_as(request.getfixturevalue(writer))
    ids = [row["id"] for row in client.get(LOST_REASONS).json()]

    writes = [
        client.post(LOST_REASONS, {"name": "Mine"}, format="json"),
        client.patch(reason_url(price), {"is_active": False}, format="json"),
        client.delete(reason_url(price)),
        client.post(f"{LOST_REASONS}order/", {"order": ids}, format="json"),
    ]

    assert [response.status_code for response in writes] == [403] * 4
    assert writes[0].json()["detail"] == "Only admins can manage lost reasons."
    assert client.get(reason_url(price)).json()["is_active"] is True
    assert not LostReason.objects.filter(name="Mine").exists()
