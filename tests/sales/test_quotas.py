"""Quotas: who may set whose, what is refused, and the grid page managers fill in."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.errors import Forbidden, Invalid
from crm.models import Role
from sales.forecast.services import QuotaEntry, quota_set, quotas_set_many
from sales.models import Quota
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("sales:forecast-quotas")
JANUARY = date(2031, 1, 1)
Q1 = {"start": "2031-01", "end": "2031-03"}


def quotas():
    return {(q.user.username, q.period): q.amount for q in Quota.objects.select_related("user")}


# The service


def test_a_manager_sets_a_quota_for_someone_in_the_team_they_manage(manager, rep):
    quota = quota_set(actor=manager, user=rep, period=JANUARY, amount=Decimal("25000.50"))

    assert quota is not None
    assert (quota.amount, quota.set_by) == (Decimal("25000.50"), manager)


def test_setting_a_quota_again_changes_the_one_quota(manager, rep):
    quota_set(actor=manager, user=rep, period=JANUARY, amount=Decimal(100))
    quota_set(actor=manager, user=rep, period=JANUARY, amount=Decimal(200))

    assert quotas() == {("rep", JANUARY): Decimal(200)}


def test_no_amount_clears_the_quota(manager, rep):
    quota_set(actor=manager, user=rep, period=JANUARY, amount=Decimal(100))

    assert quota_set(actor=manager, user=rep, period=JANUARY, amount=None) is None
    assert quotas() == {}


def test_an_unchanged_quota_keeps_who_set_it(admin_user, manager, rep):
    quota_set(actor=admin_user, user=rep, period=JANUARY, amount=Decimal(100))

    changes = quotas_set_many(
        actor=manager, entries=[QuotaEntry(user=rep, period=JANUARY, amount=Decimal(100))]
    )

    assert (changes.set, changes.cleared) == (0, 0)
    assert Quota.objects.get().set_by == admin_user


def test_a_manager_cannot_set_quotas_outside_the_teams_they_manage(manager, outsider):
    with pytest.raises(Forbidden) as outside:
        quota_set(actor=manager, user=outsider, period=JANUARY, amount=Decimal(100))
    with pytest.raises(Forbidden) as own:
        quota_set(actor=manager, user=manager, period=JANUARY, amount=Decimal(100))

    assert outside.value.code == own.value.code == "quota_person_not_yours"

    assert quotas() == {}


def test_a_manager_of_two_teams_sets_quotas_in_both(manager):
    north = TeamFactory(name="North", manager=manager)
    north_rep = UserFactory(username="north", role=Role.SALES_REP, team=north)

    quota_set(actor=manager, user=north_rep, period=JANUARY, amount=Decimal(100))

    assert quotas() == {("north", JANUARY): Decimal(100)}


@pytest.mark.parametrize("fixture", ["rep", "marketer", "support_agent"])
def test_reps_and_others_cannot_set_quotas(request, rep, fixture):
    actor = request.getfixturevalue(fixture)

    with pytest.raises(Forbidden) as refused:
        quota_set(actor=actor, user=rep, period=JANUARY, amount=Decimal(100))

    assert refused.value.code == "quotas_not_allowed"


def test_an_admin_sets_anyones_quota(admin_user, outsider):
    quota_set(actor=admin_user, user=outsider, period=JANUARY, amount=Decimal(100))

    assert quotas() == {("outsider", JANUARY): Decimal(100)}


def test_a_negative_quota_is_refused_naming_the_amount(manager, rep):
    with pytest.raises(Invalid) as refused:
        quota_set(actor=manager, user=rep, period=JANUARY, amount=Decimal(-1))

    assert (refused.value.code, refused.value.field) == ("quota_negative", "amount")


def test_a_quota_for_part_of_a_month_is_refused_naming_the_period(manager, rep):
    with pytest.raises(Invalid) as refused:
        quota_set(actor=manager, user=rep, period=date(2031, 1, 15), amount=Decimal(100))

    assert (refused.value.code, refused.value.field) == ("period_not_month", "period")
    assert quotas() == {}


def test_one_refused_person_saves_nobodys_quota(manager, rep, outsider):
    entries = [
        QuotaEntry(user=rep, period=JANUARY, amount=Decimal(100)),
        QuotaEntry(user=outsider, period=JANUARY, amount=Decimal(100)),
    ]

    with pytest.raises(Forbidden, match=str(outsider)):  # names the person refused
        quotas_set_many(actor=manager, entries=entries)
    assert quotas() == {}


# The grid page


def cell(user, month):
    return f"quota-{user.pk}-{month}"


def test_the_grid_lists_the_managers_people_by_month_with_labelled_boxes(
    as_user, manager, rep, teammate, outsider
):
    Quota.objects.create(user=rep, period=JANUARY, amount=Decimal(1500))

    response = as_user(manager).get(URL, Q1)

    html = unescape(response.content.decode())
    boxes = re.findall(r'<input type="number" name="(quota-[^"]+)"[^>]*id="([^"]+)"', html)
    assert sorted(name for name, _ in boxes) == sorted(
        cell(person, month) for person in (rep, teammate) for month in ("2031-01", "2031-02", "2031-03")
    )
    for _name, control in boxes:
        assert f'<label class="visually-hidden" for="{control}">Quota for ' in html
    assert (
        f'<label class="visually-hidden" for="id_{cell(rep, "2031-01")}">Quota for {rep}, January 2031'
        in html
    )
    assert re.search(rf'name="{cell(rep, "2031-01")}" value="1500.00"', html)
    assert str(outsider) not in html


def test_saving_the_grid_sets_and_clears_quotas(as_user, manager, rep, teammate):
    Quota.objects.create(user=teammate, period=JANUARY, amount=Decimal(1500))

    response = as_user(manager).post(
        URL,
        {
            **Q1,
            cell(rep, "2031-01"): "1000",
            cell(rep, "2031-02"): "2000.50",
            cell(rep, "2031-03"): "",
            cell(teammate, "2031-01"): "",
        },
    )

    assert response.status_code == 302
    assert response.url == f"{URL}?start=2031-01&end=2031-03"
    assert quotas() == {("rep", JANUARY): Decimal(1000), ("rep", date(2031, 2, 1)): Decimal("2000.50")}
    assert "Saved the quotas: 2 set, 1 cleared." in [str(m) for m in get_messages(response.wsgi_request)]


def test_a_negative_box_is_marked_and_nothing_is_saved(as_user, manager, rep):
    response = as_user(manager).post(URL, {**Q1, cell(rep, "2031-01"): "-5", cell(rep, "2031-02"): "10"})

    assert response.status_code == 200
    html = unescape(response.content.decode())
    control = f"id_{cell(rep, '2031-01')}"
    assert (
        f'<div class="invalid-feedback d-block" id="{control}_error">A quota cannot be negative.</div>'
        in html
    )
    assert re.search(rf'aria-invalid="true"[^>]*aria-describedby="{control}_error"[^>]*id="{control}"', html)
    assert quotas() == {}


def test_a_bad_month_on_the_grid_is_named_on_its_field(as_user, manager, rep):
    html = unescape(as_user(manager).get(URL, {"start": "January", "end": "2031-03"}).content.decode())

    assert 'id="id_start_error">Give the month as YYYY-MM' in html
    assert "quota-" not in html


@pytest.mark.parametrize("fixture", ["rep", "marketer"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_reps_and_others_may_not_open_or_post_the_grid(request, as_user, rep, fixture, method):
    client = as_user(request.getfixturevalue(fixture))

    response = getattr(client, method)(URL, {**Q1, cell(rep, "2031-01"): "100"})

    assert response.status_code == 403
    assert quotas() == {}


def test_an_admin_narrows_the_grid_to_a_team(as_user, admin_user, rep, outsider, other_team):
    html = as_user(admin_user).get(URL, {**Q1, "team": other_team.pk}).content.decode()

    assert cell(outsider, "2031-01") in html
    assert cell(rep, "2031-01") not in html


def test_the_grid_costs_the_same_queries_at_one_and_at_thirty_people(
    as_user, assert_same_query_count, manager, rep, team
):
    Quota.objects.create(user=rep, period=JANUARY, amount=Decimal(1))
    client = as_user(manager)

    def grow():
        for n in range(29):
            person = UserFactory(username=f"seller{n}", role=Role.SALES_REP, team=team)
            Quota.objects.create(user=person, period=JANUARY, amount=Decimal(n))

    assert_same_query_count(lambda: client.get(URL, Q1), grow=grow)
