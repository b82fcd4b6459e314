"""Admins' onboarding templates: one active per product line, and their ordered checklists."""

from __future__ import annotations

import pytest

from crm.errors import Forbidden, Invalid
from sales.configuration.onboarding_templates import (
    onboarding_template_create,
    onboarding_template_item_add,
    onboarding_template_item_move,
    onboarding_template_item_remove,
    onboarding_template_item_update,
    onboarding_template_items_reorder,
    onboarding_template_update,
)
from sales.models import OnboardingRole, OnboardingTemplate, OnboardingTemplateItem
from sales.onboarding.services import template_for
from tests.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


def titles(template: OnboardingTemplate) -> list[str]:
    return list(template.items.order_by("position", "id").values_list("title", flat=True))


def test_a_template_with_a_product_line_is_chosen_for_deals_in_that_line(admin_user):
    default = onboarding_template_create(actor=admin_user, name="Standard")
    platform = onboarding_template_create(
        actor=admin_user, name="Platform rollout", product_line=" Platform "
    )
    deal = DealFactory()
    deal.lines.create(product=ProductFactory(product_line="Platform"), unit_price=10)

    assert platform.product_line == "Platform"
    assert template_for(deal) == platform
    assert template_for(DealFactory()) == default


def test_two_active_templates_for_one_product_line_are_refused_with_a_clear_message(admin_user):
    onboarding_template_create(actor=admin_user, name="Platform rollout", product_line="Platform")

    with pytest.raises(Invalid) as refused:
        onboarding_template_create(actor=admin_user, name="Platform v2", product_line="platform")

    assert refused.value.errors == {
        "is_active": [
            "Platform rollout is already the active template for Platform; "
            "deactivate it first, or save this one inactive."
        ]
    }


def test_a_second_default_template_is_refused_but_may_be_kept_inactive(admin_user):
    onboarding_template_create(actor=admin_user, name="Standard")

    with pytest.raises(Invalid) as refused:
        onboarding_template_create(actor=admin_user, name="Standard v2")
    assert refused.value.field == "is_active"
    draft = onboarding_template_create(actor=admin_user, name="Standard v2", is_active=False)

    assert not draft.is_active


def test_switching_the_active_template_of_a_line(admin_user):
    old = onboarding_template_create(actor=admin_user, name="Standard")
    new = onboarding_template_create(actor=admin_user, name="Standard v2", is_active=False)

    onboarding_template_update(
        actor=admin_user, template_id=old.pk, name="Standard", product_line="", is_active=False
    )
    onboarding_template_update(
        actor=admin_user, template_id=new.pk, name="Standard v2", product_line="", is_active=True
    )

    assert list(OnboardingTemplate.objects.filter(is_active=True)) == [new]


def test_template_names_are_unique(admin_user):
    onboarding_template_create(actor=admin_user, name="Standard")

    with pytest.raises(Invalid) as refused:
        onboarding_template_create(actor=admin_user, name="standard", is_active=False)

    assert (refused.value.field, refused.value.code) == ("name", "template_invalid")


def test_only_admins_manage_templates(rep, manager):
    for user in (rep, manager):
        with pytest.raises(Forbidden) as refused:
            onboarding_template_create(actor=user, name="Mine")
        assert refused.value.code == "admin_only"


def test_checklist_items_are_added_at_the_end_edited_and_removed(admin_user):
    template = onboarding_template_create(actor=admin_user, name="Standard")
    kickoff = onboarding_template_item_add(
        actor=admin_user, template_id=template.pk, title="Kick-off call", role="deal_owner", due_offset_days=3
    )
    onboarding_template_item_add(
        actor=admin_user, template_id=template.pk, title="Training", role="support_agent", due_offset_days=14
    )

    onboarding_template_item_update(
        actor=admin_user, item_id=kickoff.pk, title="Kick-off", role="account_owner", due_offset_days=2
    )
    kickoff.refresh_from_db()
    assert (kickoff.title, kickoff.role, kickoff.due_offset_days) == (
        "Kick-off",
        OnboardingRole.ACCOUNT_OWNER,
        2,
    )
    assert titles(template) == ["Kick-off", "Training"]
    onboarding_template_item_remove(actor=admin_user, item_id=kickoff.pk)
    onboarding_template_item_remove(actor=admin_user, item_id=kickoff.pk)  # harmless twice
    assert titles(template) == ["Training"]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"title": " ", "role": "deal_owner", "due_offset_days": 3}, {"title": ["Say what is to be done."]}),
        ({"title": "Call", "role": "ceo", "due_offset_days": 3}, {"role": ["Choose who does it."]}),
        (
            {"title": "Call", "role": "deal_owner", "due_offset_days": 400},
            {"due_offset_days": ["Enter how many days after the win it is due, from 0 to 365."]},
        ),
    ],
)
def test_checklist_items_are_checked(admin_user, fields, errors):
    template = onboarding_template_create(actor=admin_user, name="Standard")

    with pytest.raises(Invalid) as refused:
        onboarding_template_item_add(actor=admin_user, template_id=template.pk, **fields)

    assert list(refused.value.errors) == list(errors)
    assert refused.value.code == "item_invalid"
    assert not OnboardingTemplateItem.objects.exists()


def test_checklist_items_are_reordered_by_drag_and_by_buttons(admin_user):
    template = onboarding_template_create(actor=admin_user, name="Standard")
    items = [
        onboarding_template_item_add(
            actor=admin_user, template_id=template.pk, title=title, role="deal_owner", due_offset_days=1
        )
        for title in ("A", "B", "C")
    ]

    onboarding_template_items_reorder(
        actor=admin_user, template_id=template.pk, item_ids=[i.pk for i in items][::-1]
    )
    assert titles(template) == ["C", "B", "A"]
    onboarding_template_item_move(actor=admin_user, item_id=items[0].pk, to=0)
    assert titles(template) == ["A", "C", "B"]
