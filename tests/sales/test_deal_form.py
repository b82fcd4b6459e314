"""The deal create and edit form: the account is searched for by name (suggestions for the script, a typed
name or domain without it), never listed in full; the stage, dates and lines rules on their fields."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sales.models import CriterionKind, Deal, DealType, ExitCriterion, RequiredField
from sales.services.deals import deal_move
from sales.services.lines import deal_line_add
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DealFactory,
    ProductFactory,
)
from tests.factories.sales import stage
from tests.sales.pages import Element, Page, unlabelled_controls

pytestmark = pytest.mark.django_db
CREATE = reverse("sales:deal-create")
SUGGESTIONS = reverse("sales:deal-account-options")


def detail(deal: Deal) -> str:
    return reverse("sales:deal-detail", args=[deal.pk])


def edit(deal: Deal) -> str:
    return reverse("sales:deal-edit", args=[deal.pk])


def labelled(html: str, label: str) -> Element:
    """The control a <label> names, as a person finds it."""
    match = re.search(rf'<label[^>]*for="([^"]+)"[^>]*>\s*{re.escape(label)}\b', html)
    assert match is not None, f"no label {label!r}"
    return Page(html).by_id[match.group(1)]


def account_error(html: str) -> str:
    """The message under the Account box, which the box names as its description."""
    box = labelled(html, "Account")
    assert box.attrs.get("aria-invalid") == "true"
    error_id = f"{box.attrs['id']}_error"
    assert error_id in (box.attrs.get("aria-describedby") or "")
    return Page(html).by_id[error_id].text


def suggestions(client, text: str) -> list[str]:
    """The names offered as options for what was typed."""
    page = Page(client.get(SUGGESTIONS, {"account_search": text}).content.decode())
    return [
        str(element.attrs["data-label"])
        for element in page.by_id.values()
        if element.attrs.get("role") == "option"
    ]


def _new_data(pipeline, owner, **changes) -> dict:
    data = {
        "name": "Platform",
        "pipeline": pipeline.pk,
        "amount": "0",
        "currency": "EUR",
        "owner": owner.pk,
        "type": DealType.NEW_BUSINESS,
        "forecast_category": "pipeline",
    }
    return {**data, **changes}


def _edit_data(deal: Deal, **changes) -> dict:
    data = {
        "name": deal.name,
        "account": deal.account_id,
        "account_search": deal.account.name if deal.account else "",
        "pipeline": deal.pipeline_id,
        "stage": deal.stage_id,
        "expected_stage": deal.stage_id,
        "amount": str(deal.amount),
        "currency": deal.currency,
        "owner": deal.owner_id,
        "type": deal.type,
        "forecast_category": deal.forecast_category,
    }
    return {**data, **changes}


# The account search


def test_the_account_is_a_search_box_that_offers_suggestions_in_a_listbox(as_user, rep):
    html = as_user(rep).get(CREATE).content.decode()

    box = labelled(html, "Account")
    listbox = Page(html).by_id[str(box.attrs["aria-controls"])]
    hidden = Page(html).by_id[str(box.attrs["data-combobox-value"])]
    assert (box.tag, box.attrs["type"], box.attrs["role"]) == ("input", "text", "combobox")
    assert box.attrs["hx-get"] == SUGGESTIONS
    assert listbox.attrs["role"] == "listbox"
    assert (hidden.attrs["type"], hidden.attrs["name"]) == ("hidden", "account")
    # Picking a suggestion fires "change" on the hidden id, which reloads the contacts.
    assert hidden.attrs["hx-get"] == reverse("sales:deal-contact-options")
    assert hidden.attrs["hx-trigger"] == "change"
    assert '<select name="account"' not in html
    assert unlabelled_controls(html) == []


def test_the_form_page_lists_no_accounts_and_costs_the_same_with_300_of_them(
    as_user, assert_same_query_count, admin_user, rep
):
    AccountFactory(owner=rep, name="Solo Account")
    client = as_user(admin_user)
    sizes = []

    def page() -> None:
        sizes.append(len(client.get(CREATE).content))

    assert_same_query_count(page, grow=lambda: AccountFactory.create_batch(299, owner=rep))

    html = client.get(CREATE).content.decode()
    assert "Solo Account" not in html
    assert len(set(sizes)) == 1, sizes


def test_the_edit_form_costs_the_same_queries_with_300_accounts(
    as_user, assert_same_query_count, admin_user, rep, pipeline
):
    deal = DealFactory(pipeline=pipeline, owner=rep, account=AccountFactory(owner=rep, name="Initech"))
    client = as_user(admin_user)

    assert_same_query_count(
        lambda: client.get(edit(deal)), grow=lambda: AccountFactory.create_batch(299, owner=rep)
    )
    assert labelled(client.get(edit(deal)).content.decode(), "Account").attrs["value"] == "Initech"


def test_suggestions_match_the_name_or_domain_of_accounts_the_user_can_see(as_user, rep, outsider):
    AccountFactory(owner=rep, name="Initech", domain="initech.example")
    AccountFactory(owner=rep, name="Globex", domain="globex-initech.example")
    AccountFactory(owner=rep, name="Umbrella", domain="umbrella.example")
    AccountFactory(owner=outsider, name="Initech West", domain="initech-west.example")
    client = as_user(rep)

    assert suggestions(client, "initech") == ["Globex", "Initech"]
    assert suggestions(client, "umbrella.example") == ["Umbrella"]
    assert suggestions(client, "West") == []
    assert suggestions(client, "  ") == []
    assert suggestions(as_user(outsider), "initech") == ["Initech West"]


def test_suggestions_are_a_short_list_and_say_when_nothing_matches(as_user, rep):
    for n in range(25):
        AccountFactory(owner=rep, name=f"Acme {n:02}")
    client = as_user(rep)

    offered = suggestions(client, "acme")
    nothing = client.get(SUGGESTIONS, {"account_search": "Zzyzx"}).content.decode()

    assert offered == [f"Acme {n:02}" for n in range(20)]
    assert "No account you can see matches “Zzyzx”." in nothing
    assert 'aria-disabled="true"' in nothing


def test_the_account_pages_upsell_button_presets_the_account_by_name_with_its_contacts(
    as_user, rep, outsider
):
    account = AccountFactory(owner=rep, name="Initech")
    contact = ContactFactory(owner=rep, account=account, first_name="Peter", last_name="Gibbons")
    ContactFactory(owner=rep, last_name="Elsewhere")
    hidden = AccountFactory(owner=outsider, name="Hidden Corp")
    client = as_user(rep)

    html = client.get(CREATE, {"account": account.pk, "type": "upsell"}).content.decode()
    foreign = client.get(CREATE, {"account": hidden.pk}).content.decode()

    page = Page(html)
    assert labelled(html, "Account").attrs["value"] == "Initech"
    assert page.by_id["deal_account"].attrs["value"] == str(account.pk)
    assert '<option value="upsell" selected>Upsell</option>' in html
    assert f'<option value="{contact.pk}">Peter Gibbons</option>' in html
    assert "Elsewhere" not in html
    assert "Hidden Corp" not in foreign
    assert "value" not in labelled(foreign, "Account").attrs
    assert unlabelled_controls(html) == []


def test_creating_a_deal_with_a_picked_suggestion_lands_on_its_page(as_user, rep, pipeline):
    account = AccountFactory(owner=rep, name="Initech")
    data = _new_data(
        pipeline,
        rep,
        account=account.pk,
        account_search="Initech",
        stage=stage(pipeline, "Discovery").pk,
        amount="5000",
    )

    response = as_user(rep).post(CREATE, data)

    deal = Deal.objects.get()
    assert response.url == detail(deal)
    assert (deal.account, deal.stage, deal.amount, deal.owner) == (
        account,
        stage(pipeline, "Discovery"),
        Decimal("5000"),
        rep,
    )


def test_a_forged_id_of_an_account_the_user_cannot_see_is_refused_on_the_account_field(
    as_user, rep, outsider, pipeline
):
    hidden = AccountFactory(owner=outsider, name="Hidden Corp")
    client = as_user(rep)

    forged = client.post(CREATE, _new_data(pipeline, rep, account=hidden.pk, account_search="Hidden Corp"))
    garbage = client.post(CREATE, _new_data(pipeline, rep, account="1 OR 1=1", account_search="x"))
    huge = client.post(CREATE, _new_data(pipeline, rep, account="9" * 30))

    assert forged.status_code == garbage.status_code == huge.status_code == 200
    assert account_error(forged.content.decode()) == "Choose an account you can see."
    assert account_error(garbage.content.decode()) == "Choose an account you can see."
    assert account_error(huge.content.decode()) == "Choose an account you can see."
    assert not Deal.objects.exists()


def test_without_javascript_the_exact_name_or_domain_typed_finds_the_account(
    as_user, rep, outsider, pipeline
):
    initech = AccountFactory(owner=rep, name="Initech", domain="initech.example")
    AccountFactory(owner=rep, name="Initech Europe")
    AccountFactory(owner=outsider, name="Initech")  # the same name elsewhere is not the rep's to choose
    client = as_user(rep)

    by_name = client.post(CREATE, _new_data(pipeline, rep, name="By name", account_search=" initech "))
    by_domain = client.post(
        CREATE, _new_data(pipeline, rep, name="By domain", account_search="INITECH.example")
    )

    assert by_name.status_code == by_domain.status_code == 302
    assert set(Deal.objects.values_list("name", "account")) == {
        ("By name", initech.pk),
        ("By domain", initech.pk),
    }


def test_without_javascript_an_ambiguous_name_is_refused_naming_a_few_candidates(as_user, rep, pipeline):
    for n in range(6):
        AccountFactory(owner=rep, name="Acme", domain=f"acme{n}.example")
    client = as_user(rep)

    html = client.post(CREATE, _new_data(pipeline, rep, account_search="acme")).content.decode()

    assert account_error(html) == (
        'Several accounts you can see are named "acme": Acme (acme0.example); Acme (acme1.example); '
        "Acme (acme2.example); Acme (acme3.example); Acme (acme4.example) and more. "
        "Type the domain of the one you mean."
    )
    assert labelled(html, "Account").attrs["value"] == "acme"
    assert not Deal.objects.exists()


def test_without_javascript_a_partial_or_unknown_name_is_refused_with_what_it_resembles(
    as_user, rep, outsider, pipeline
):
    AccountFactory(owner=rep, name="Initech", domain="")
    AccountFactory(owner=outsider, name="Initrode")
    client = as_user(rep)

    partial = client.post(CREATE, _new_data(pipeline, rep, account_search="Init")).content.decode()
    unknown = client.post(CREATE, _new_data(pipeline, rep, account_search="Initrode")).content.decode()

    assert account_error(partial) == (
        'No account you can see is named "Init". Did you mean Initech? Type its full name or domain.'
    )
    assert account_error(unknown) == 'No account you can see matches "Initrode".'
    too_long = client.post(CREATE, _new_data(pipeline, rep, account_search="x" * 201)).content.decode()
    assert account_error(too_long) == "Ensure this value has at most 200 characters (it has 201)."
    assert not Deal.objects.exists()


def test_typing_another_name_over_the_deals_account_without_javascript_changes_it(as_user, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep, account=AccountFactory(owner=rep, name="Initech"))
    globex = AccountFactory(owner=rep, name="Globex")

    response = as_user(rep).post(edit(deal), _edit_data(deal, account_search="Globex"))

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.account == globex


def test_saving_a_deal_keeps_its_account_even_when_the_user_cannot_see_that_account(
    as_user, rep, outsider, pipeline
):
    foreign = AccountFactory(owner=outsider, name="Partner Corp")
    deal = DealFactory(pipeline=pipeline, owner=rep, account=foreign)

    response = as_user(rep).post(edit(deal), _edit_data(deal, name="Renamed"))

    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.name, deal.account) == ("Renamed", foreign)


# The other fields


def test_a_past_close_date_is_refused_on_its_field(as_user, rep, pipeline):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    account = AccountFactory(owner=rep)
    data = _new_data(pipeline, rep, account=account.pk, close_date=yesterday)

    html = as_user(rep).post(CREATE, data).content.decode()

    assert re.search(r'id="deal_close_date_error">The expected close date is in the past', html)
    assert not Deal.objects.exists()


def test_moving_to_lost_in_the_edit_form_needs_a_reason_on_its_field(as_user, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep)

    html = as_user(rep).post(edit(deal), _edit_data(deal, stage=stage(pipeline, "Lost").pk)).content.decode()

    assert 'id="deal_lost_reason_error">Choose why the deal was lost.<' in html
    deal.refresh_from_db()
    assert deal.is_open


def test_the_edit_form_moves_only_through_the_exit_criteria(as_user, rep, pipeline):
    ExitCriterion.objects.create(
        stage=stage(pipeline, "Qualification"),
        kind=CriterionKind.FIELD,
        field_name=RequiredField.NEXT_STEP,
        label="Next step",
    )
    deal = DealFactory(pipeline=pipeline, owner=rep)
    client = as_user(rep)

    refused = client.post(edit(deal), _edit_data(deal, stage=stage(pipeline, "Demo").pk)).content.decode()
    saved = client.post(
        edit(deal), _edit_data(deal, stage=stage(pipeline, "Demo").pk, next_step="Send the proposal")
    )

    assert (
        'id="deal_stage_error">Before this deal can move past Qualification, it needs: Next step.<' in refused
    )
    assert saved.url == detail(deal)
    deal.refresh_from_db()
    assert (deal.stage, deal.next_step) == (stage(pipeline, "Demo"), "Send the proposal")


def test_saving_an_old_edit_form_keeps_a_move_someone_made_meanwhile(as_user, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep)
    form_data = _edit_data(deal, name="Renamed")
    deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Discovery").pk)

    response = as_user(rep).post(edit(deal), form_data)

    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.name, deal.stage) == ("Renamed", stage(pipeline, "Discovery"))


def test_with_product_lines_the_amount_is_read_only_in_the_edit_form(as_user, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep)
    deal_line_add(actor=rep, deal_id=deal.pk, product=ProductFactory(unit_price=Decimal("80")))
    deal.refresh_from_db()
    client = as_user(rep)

    html = client.get(edit(deal)).content.decode()
    client.post(edit(deal), _edit_data(deal, amount="99999"))

    assert re.search(r'<input type="number" name="amount"[^>]*disabled', html)
    assert "The sum of the product lines" in html
    deal.refresh_from_db()
    assert deal.amount == Decimal("80.00")


def test_a_contract_that_ends_before_it_starts_is_refused_on_the_end_date(as_user, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep)
    data = _edit_data(deal, contract_start="2031-06-01", contract_end="2031-01-01")

    html = as_user(rep).post(edit(deal), data).content.decode()

    assert 'id="deal_contract_end_error">The contract must end after it starts.<' in html
