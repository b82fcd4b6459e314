"""The onboarding template pages and the sales settings in Django admin, as an admin uses them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sales.configuration.onboarding_templates import onboarding_template_create, onboarding_template_item_add
from sales.models import OnboardingTemplate, OnboardingTemplateItem, SalesSettings
from tests.sales.pages import HTMX, messages_of, unlabelled_controls

pytestmark = pytest.mark.django_db
ITEM_ROW = re.compile(r'<tr id="item-\d+" data-id="\d+">.*?<th scope="row">([^<]+)</th>', re.S)


def add_item(admin, template, title, **fields):
    return onboarding_template_item_add(
        actor=admin,
        template_id=template.pk,
        title=title,
        role=fields.get("role", "deal_owner"),
        due_offset_days=fields.get("due_offset_days", 7),
    )


def test_the_template_list_costs_the_same_queries_at_any_length(as_user, admin_user, assert_same_query_count):
    onboarding_template_create(actor=admin_user, name="Standard")
    client = as_user(admin_user)

    html = client.get(reverse("sales:onboarding-template-list")).content.decode()

    assert "Standard" in html
    assert "<em>Default</em>" in html
    assert_same_query_count(
        lambda: client.get(reverse("sales:onboarding-template-list")),
        grow=lambda: [
            add_item(
                admin_user,
                onboarding_template_create(actor=admin_user, name=f"T{n}", product_line=f"L{n}"),
                "X",
            )
            for n in range(5)
        ],
    )


def test_a_template_page_lists_its_checklist_in_order_in_constant_queries(
    as_user, admin_user, assert_same_query_count
):
    template = onboarding_template_create(actor=admin_user, name="Standard")
    add_item(admin_user, template, "Kick-off call")
    add_item(admin_user, template, "Training", role="support_agent", due_offset_days=14)
    client = as_user(admin_user)
    url = reverse("sales:onboarding-template-detail", args=[template.pk])

    html = client.get(url).content.decode()

    assert ITEM_ROW.findall(html) == ["Kick-off call", "Training"]
    assert "A support agent" in html
    assert "14 days after the win" in html
    assert unlabelled_controls(html) == []
    assert_same_query_count(
        lambda: client.get(url), grow=lambda: [add_item(admin_user, template, f"Step {n}") for n in range(5)]
    )


def test_creating_a_second_active_default_template_explains_the_clash(as_user, admin_user):
    onboarding_template_create(actor=admin_user, name="Standard")
    client = as_user(admin_user)
    assert unlabelled_controls(client.get(reverse("sales:onboarding-template-create")).content.decode()) == []

    response = client.post(
        reverse("sales:onboarding-template-create"),
        {"name": "Standard v2", "product_line": "", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "Standard is already the active default template; deactivate it first" in response.content.decode()
    assert OnboardingTemplate.objects.count() == 1


def test_an_admin_creates_a_template_and_builds_its_checklist(as_user, admin_user):
    client = as_user(admin_user)

    response = client.post(
        reverse("sales:onboarding-template-create"),
        {"name": "Platform rollout", "product_line": "Platform", "is_active": "on"},
        follow=True,
    )
    template = OnboardingTemplate.objects.get()
    assert response.redirect_chain[-1][0] == reverse("sales:onboarding-template-detail", args=[template.pk])
    client.post(
        reverse("sales:onboarding-item-create", args=[template.pk]),
        {"title": "Kick-off", "role": "account_owner", "due_offset_days": "2"},
    )
    bad = client.post(
        reverse("sales:onboarding-item-create", args=[template.pk]),
        {"title": "Later", "role": "deal_owner", "due_offset_days": "900"},
    )

    assert "Enter how many days after the win it is due, from 0 to 365." in bad.content.decode()
    assert list(template.items.values_list("title", "role", "due_offset_days")) == [
        ("Kick-off", "account_owner", 2)
    ]


def test_checklist_items_are_edited_moved_reordered_and_removed(as_user, admin_user):
    template = onboarding_template_create(actor=admin_user, name="Standard")
    first, second, third = (add_item(admin_user, template, title) for title in ("A", "B", "C"))
    client = as_user(admin_user)

    client.post(
        reverse("sales:onboarding-item-edit", args=[first.pk]),
        {"title": "A1", "role": "owner_manager", "due_offset_days": "1"},
    )
    client.post(reverse("sales:onboarding-item-move", args=[third.pk]), {"to": "0"})
    assert list(template.items.order_by("position").values_list("title", flat=True)) == ["C", "A1", "B"]
    response = client.post(
        reverse("sales:onboarding-item-reorder", args=[template.pk]),
        {"order": [second.pk, first.pk, third.pk]},
        **HTMX,
    )
    assert ITEM_ROW.findall(response.content.decode()) == ["B", "A1", "C"]
    response = client.post(reverse("sales:onboarding-item-remove", args=[second.pk]), follow=True)

    assert "Removed “B” from the checklist." in messages_of(response)
    assert list(OnboardingTemplateItem.objects.order_by("position").values_list("title", flat=True)) == [
        "A1",
        "C",
    ]


def test_the_sales_settings_admin_link_opens_the_one_settings_row(as_user, admin_user):
    client = as_user(admin_user)
    settings = SalesSettings.current()

    response = client.get(reverse("admin:sales_salessettings_changelist"))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:sales_salessettings_change", args=[settings.pk])
    response = client.post(
        response["Location"],
        {"default_currency": "usd", "reps_see_team_board": "on", "renewal_lead_days": "60"},
    )
    assert response.status_code == 302
    settings.refresh_from_db()
    assert (settings.default_currency, settings.renewal_lead_days) == ("USD", 60)


def test_the_sales_settings_refuse_a_currency_that_is_not_a_code(as_user, admin_user):
    url = reverse("admin:sales_salessettings_change", args=[SalesSettings.current().pk])

    response = as_user(admin_user).post(url, {"default_currency": "E1", "renewal_lead_days": "60"})

    assert "&quot;E1&quot; is not a 3-letter currency code such as EUR." in response.content.decode()
    assert SalesSettings.current().default_currency == "EUR"


def test_staff_who_are_not_admins_cannot_open_the_sales_settings(as_user, manager):
    manager.is_staff = True
    manager.save()

    response = as_user(manager).get(
        reverse("admin:sales_salessettings_change", args=[SalesSettings.current().pk])
    )

    assert response.status_code == 403
