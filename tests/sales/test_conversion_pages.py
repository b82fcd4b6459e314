"""The lead conversion page as a rep uses it: what it previews, converting in one go, refusals shown on
their field, and what converted and unqualified leads show instead of the form."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Account, Contact, Notification, NotificationKind
from leads.models import Lead, LeadStatus
from sales.models import Deal
from tests.factories import AccountFactory, ContactFactory, LeadFactory
from tests.sales.pages import HTMX, messages_of

pytestmark = pytest.mark.django_db
CONTROL = re.compile(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*>')
CONTROL_ID = re.compile(r'\bid="([^"]+)"')


def _url(lead: Lead) -> str:
    return reverse("sales:lead-convert", args=[lead.pk])


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _field_error(html: str, name: str) -> str:
    """The error shown under the control named `name` (linked to it by id)."""
    match = re.search(rf'id="id_{name}_error"[^>]*>([^<]*)<', html)
    return match.group(1) if match else ""


def _initech(owner, **fields) -> Lead:
    defaults = {
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane@initech.example",
        "website": "https://initech.example",
        "company": "Initech",
        "budget": Decimal("5000.00"),
        "status": LeadStatus.QUALIFIED,
    }
    return LeadFactory(owner=owner, **{**defaults, **fields})


def _form(**changes) -> dict[str, object]:
    return {
        "account": "",
        "create_deal": "on",
        "name": "Initech platform",
        "amount": "5000.00",
        **changes,
    }


# What the page shows before converting


def test_a_qualified_lead_offers_convert_and_the_page_previews_a_new_account_contact_and_deal(as_user, rep):
    lead = _initech(rep)
    client = as_user(rep)

    lead_page = client.get(lead.get_absolute_url()).content.decode()
    response = client.get(_url(lead))

    assert f'href="{_url(lead)}"' in lead_page
    html = response.content.decode()
    text = _text(response)
    assert "Creates the account Initech (initech.example)" in text
    assert "Creates the contact Jane Doe (jane@initech.example)" in text
    assert re.search(r'<option value="" selected>Create a new account Initech</option>', html)
    assert re.search(r'<input[^>]*name="create_deal"[^>]*checked', html)
    assert re.search(r'<input[^>]*name="amount"[^>]*value="5000.00"', html)


def test_saving_the_details_inline_keeps_convert_in_the_redrawn_header(as_user, rep):
    from tests.leads.test_pages import _edit_form

    lead = _initech(rep)

    response = as_user(rep).post(
        reverse("leads:edit", args=[lead.pk]), _edit_form(lead, title="CTO"), HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert 'id="lead-header"' in html
    assert f'href="{_url(lead)}"' in html


def test_the_preview_names_the_matching_account_and_the_contact_that_exists_already(as_user, rep):
    acme = AccountFactory(owner=rep, name="Initech Corp", domain="initech.example")
    jane = ContactFactory(
        account=acme, owner=rep, first_name="Jane", last_name="Doe", email="jane@initech.example"
    )

    response = as_user(rep).get(_url(_initech(rep)))

    text = _text(response)
    assert "Joins the account Initech Corp (initech.example)" in text
    assert "jane@initech.example is already the contact Jane Doe" in text
    assert f'href="{jane.get_absolute_url()}"' in response.content.decode()
    assert "Create a new account" not in text  # the domain is taken: the lead joins that account
    assert re.search(rf'<option value="{acme.pk}" selected>', response.content.decode())


def test_picking_another_account_redraws_the_preview_for_it(as_user, rep):
    globex = AccountFactory(owner=rep, name="Globex", domain="globex.example")
    lead = _initech(rep)

    response = as_user(rep).get(_url(lead), {"account": globex.pk}, **HTMX)

    assert "Joins the account Globex (globex.example)" in _text(response)


def test_an_account_of_someone_else_cannot_be_previewed(as_user, rep, outsider):
    theirs = AccountFactory(owner=outsider, name="Secret Co")

    response = as_user(rep).get(_url(_initech(rep)), {"account": theirs.pk})

    assert "Secret Co" not in _text(response)
    assert "Creates the account Initech" in _text(response)


# Converting


def test_converting_with_a_deal_lands_on_the_deal_with_a_message(as_user, rep):
    lead = _initech(rep)
    close = timezone.localdate() + timedelta(days=30)

    response = as_user(rep).post(_url(lead), _form(close_date=close.isoformat(), amount="7500"))

    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response.url == deal.get_absolute_url()
    assert (deal.name, deal.amount, deal.close_date) == ("Initech platform", Decimal("7500.00"), close)
    assert deal.primary_contact is not None
    assert deal.account is not None
    assert (deal.account.name, deal.primary_contact.email) == ("Initech", "jane@initech.example")
    assert messages_of(response) == [
        "Converted Jane Doe: created the account Initech, created the contact Jane Doe "
        "and opened the deal Initech platform."
    ]
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED


def test_converting_without_a_deal_into_a_chosen_account_lands_on_the_contact(as_user, rep):
    globex = AccountFactory(owner=rep, name="Globex")
    lead = _initech(rep)

    response = as_user(rep).post(_url(lead), _form(account=globex.pk, create_deal=""))

    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response.url == contact.get_absolute_url()
    assert contact.account == globex
    assert not Deal.objects.exists()
    assert Account.objects.count() == 1


def test_a_past_close_date_is_shown_on_its_field_and_nothing_is_made(as_user, rep):
    lead = _initech(rep)
    yesterday = timezone.localdate() - timedelta(days=1)

    response = as_user(rep).post(_url(lead), _form(close_date=yesterday.isoformat()))

    assert response.status_code == 200
    assert "close date is in the past" in _field_error(response.content.decode(), "close_date")
    assert not Account.objects.exists()
    assert not Contact.objects.exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED


def test_a_domain_owned_by_an_account_the_rep_cannot_see_reveals_nothing_and_tells_its_owner(
    as_user, rep, outsider
):
    """Converting must not let a rep probe which customers exist: the conversion goes through as if
    the other account were not there, and that account's owner hears of the likely duplicate."""
    theirs = AccountFactory(owner=outsider, domain="initech.example", name="Initech Corp")
    lead = _initech(rep)

    response = as_user(rep).post(_url(lead), _form())

    assert response.status_code == 302
    page = as_user(rep).get(response["Location"]).content.decode()
    for secret in ("Initech Corp", str(outsider), "not yours", "already uses"):
        assert secret not in page
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    ours = lead.converted_account
    assert ours is not None
    assert ours != theirs
    assert (ours.owner, ours.domain) == (rep, "")
    (notice,) = Notification.objects.filter(recipient=outsider)
    assert notice.kind == NotificationKind.POSSIBLE_DUPLICATE
    assert "initech.example" in notice.message
    assert "Initech Corp" in notice.message
    assert not Notification.objects.filter(recipient=rep, kind=NotificationKind.POSSIBLE_DUPLICATE).exists()


def test_a_negative_amount_is_refused_on_the_amount_field(as_user, rep):
    response = as_user(rep).post(_url(_initech(rep)), _form(amount="-5"))

    assert "greater than or equal to 0" in _field_error(response.content.decode(), "amount")
    assert not Account.objects.exists()


# Converted and unqualified leads


def test_a_converted_lead_shows_where_it_went_on_its_page_and_on_the_convert_page(as_user, rep):
    lead = _initech(rep)
    client = as_user(rep)
    client.post(_url(lead), _form())
    deal = Deal.objects.get()
    assert deal.primary_contact is not None
    assert deal.account is not None
    links = [
        deal.account.get_absolute_url(),
        deal.primary_contact.get_absolute_url(),
        deal.get_absolute_url(),
    ]

    lead_page = client.get(lead.get_absolute_url())
    convert_page = client.get(_url(lead))

    today = timezone.localdate().strftime("%-d %b %Y")
    assert f"Converted on {today} to Initech / Jane Doe / Initech platform" in _text(lead_page)
    assert f"converted on {today} to Initech / Jane Doe / Initech platform" in _text(convert_page)
    for page in [lead_page, convert_page]:
        assert all(f'href="{link}"' in page.content.decode() for link in links)
    assert 'name="create_deal"' not in convert_page.content.decode()
    assert f'href="{_url(lead)}"' not in lead_page.content.decode()


def test_posting_again_after_converting_changes_nothing(as_user, rep):
    lead = _initech(rep)
    client = as_user(rep)
    client.post(_url(lead), _form())

    response = client.post(_url(lead), _form())

    assert response.status_code == 200
    assert "This lead was converted on" in _text(response)
    assert (Account.objects.count(), Contact.objects.count(), Deal.objects.count()) == (1, 1, 1)


def test_a_lead_that_is_not_qualified_says_so_and_offers_no_form_or_button(as_user, rep):
    lead = _initech(rep, status=LeadStatus.WORKING)
    client = as_user(rep)

    response = client.get(_url(lead))
    posted = client.post(_url(lead), _form())

    assert "Qualify the lead first." in _text(response)
    assert 'name="create_deal"' not in response.content.decode()
    assert posted.status_code == 200
    assert not Account.objects.exists()
    assert f'href="{_url(lead)}"' not in client.get(lead.get_absolute_url()).content.decode()


# Who may convert


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_a_404_on_the_convert_page(as_user, rep, outsider, method):
    lead = _initech(rep)

    response = getattr(as_user(outsider), method)(_url(lead), _form())

    assert response.status_code == 404
    assert not Account.objects.exists()


def test_a_marketer_sees_no_convert_button_and_is_refused_the_page(as_user, rep, marketer):
    lead = _initech(rep)
    client = as_user(marketer)

    assert f'href="{_url(lead)}"' not in client.get(lead.get_absolute_url()).content.decode()
    assert client.get(_url(lead)).status_code == 403
    assert client.post(_url(lead), _form()).status_code == 403
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED


def test_every_control_on_the_convert_page_has_a_label(as_user, rep):
    AccountFactory(owner=rep, name="Globex")

    html = as_user(rep).get(_url(_initech(rep))).content.decode()

    controls = CONTROL.findall(html)
    assert len(controls) >= 6
    for control in controls:
        control_id = CONTROL_ID.search(control)
        assert "aria-label=" in control or (control_id and f'for="{control_id.group(1)}"' in html), control


def test_the_convert_page_costs_the_same_queries_with_many_accounts(as_user, assert_same_query_count, rep):
    lead = _initech(rep)
    AccountFactory(owner=rep, name="Initech Labs")
    client = as_user(rep)

    def grow() -> None:
        for index in range(40):
            AccountFactory(owner=rep, name=f"Initech {index}" if index % 2 else f"Other {index}")

    assert_same_query_count(lambda: client.get(_url(lead)), grow=grow)
