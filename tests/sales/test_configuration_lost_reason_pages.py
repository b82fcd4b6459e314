"""The lost reasons settings page as an admin uses it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sales.configuration.lost_reasons import lost_reason_create
from sales.models import DealStatus, LostReason
from tests.factories import DealFactory
from tests.sales.pages import HTMX, messages_of, unlabelled_controls

pytestmark = pytest.mark.django_db


# Lost reasons


def test_the_lost_reasons_page_counts_their_deals_in_constant_queries(
    as_user, admin_user, assert_same_query_count
):
    price = LostReason.objects.get(name="Price")
    DealFactory(status=DealStatus.LOST, lost_reason=price)
    client = as_user(admin_user)

    html = client.get(reverse("sales:lost-reason-list")).content.decode()

    assert html.index("Price") < html.index("Chose a competitor")
    assert unlabelled_controls(html) == []
    assert_same_query_count(
        lambda: client.get(reverse("sales:lost-reason-list")),
        grow=lambda: [
            DealFactory(
                status=DealStatus.LOST,
                lost_reason=lost_reason_create(actor=admin_user, name=f"Reason {n}"),
            )
            for n in range(5)
        ],
    )


def test_deleting_a_lost_reason_in_use_deactivates_it_and_says_so(as_user, admin_user):
    price = LostReason.objects.get(name="Price")
    DealFactory(status=DealStatus.LOST, lost_reason=price)

    response = as_user(admin_user).post(reverse("sales:lost-reason-delete", args=[price.pk]), follow=True)

    assert messages_of(response) == [
        "1 deal was lost for Price, so it was deactivated instead of deleted: "
        "those deals keep it, and reps can no longer choose it."
    ]
    price.refresh_from_db()
    assert not price.is_active


def test_adding_renaming_and_reordering_lost_reasons(as_user, admin_user):
    client = as_user(admin_user)

    client.post(reverse("sales:lost-reason-create"), {"name": "Went silent"})
    reason = LostReason.objects.get(name="Went silent")
    client.post(reverse("sales:lost-reason-edit", args=[reason.pk]), {"name": "No reply"})
    client.post(reverse("sales:lost-reason-move", args=[reason.pk]), {"to": "0"})
    response = client.post(
        reverse("sales:lost-reason-reorder"),
        {"order": list(LostReason.objects.order_by("-position").values_list("pk", flat=True))},
        **HTMX,
    )

    assert "Saved the new order." in response.content.decode()
    assert list(LostReason.objects.order_by("position").values_list("name", flat=True))[-1] == "No reply"


def test_a_duplicate_lost_reason_is_shown_on_the_form(as_user, admin_user):
    response = as_user(admin_user).post(reverse("sales:lost-reason-create"), {"name": "PRICE"})

    assert "There is already a lost reason named PRICE." in response.content.decode()
