"""Lead conversion (sales.conversion.services.lead_convert): what it links, what it creates, what moves,
and that a refusal anywhere leaves nothing behind."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from crm.customers.account360 import account_timeline
from crm.errors import Forbidden, Invalid, NotFound
from crm.models import Account, Contact, EngagementEvent, LifecycleEvent, Notification, NotificationKind
from crm.timeline.events import event_record
from crm.timeline.services import activity_log
from leads.models import Lead, LeadStatus
from sales.conversion.services import lead_convert
from sales.models import Deal, DealType, Pipeline
from tests.factories import AccountFactory, ContactFactory, LeadFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline():
    return Pipeline.objects.get(is_default=True)  # made by the sales migrations


def _qualified(owner, **fields):
    return LeadFactory(owner=owner, status=LeadStatus.QUALIFIED, **fields)


def _nothing_made(lead: Lead) -> None:
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED
    assert (lead.converted_at, lead.converted_account, lead.converted_contact) == (None, None, None)
    assert not Contact.objects.exists()
    assert not Deal.objects.exists()


def test_a_lead_from_a_new_company_becomes_an_account_from_its_company_and_domain(rep, pipeline):
    lead = _qualified(
        rep,
        first_name="Jane",
        last_name="Doe",
        email="jane@initech.example",
        website="https://www.initech.example/about",
        company="Initech",
        budget=Decimal("5000.00"),
    )

    conversion = lead_convert(actor=rep, lead_id=lead.pk)

    account, contact, deal = conversion.account, conversion.contact, conversion.deal
    assert (conversion.account_created, conversion.contact_created) == (True, True)
    assert (account.name, account.domain, account.owner) == ("Initech", "initech.example", rep)
    assert (contact.full_name, contact.email, contact.account) == (
        "Jane Doe",
        "jane@initech.example",
        account,
    )
    assert deal is not None
    assert (deal.name, deal.amount, deal.type) == (
        "Initech: new business",
        Decimal("5000.00"),
        DealType.NEW_BUSINESS,
    )
    assert (deal.account, deal.primary_contact, deal.source_lead, deal.pipeline) == (
        account,
        contact,
        lead,
        pipeline,
    )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert (lead.converted_account, lead.converted_contact) == (account, contact)


def test_a_lead_joins_the_account_with_its_domain_and_the_contact_with_its_email(rep, pipeline):
    acme = AccountFactory(owner=rep, name="Acme Corporation", domain="acme.example")
    jane = ContactFactory(account=acme, owner=rep, email="Jane@Acme.example")
    lead = _qualified(rep, email="jane@acme.example", company="ACME")

    conversion = lead_convert(actor=rep, lead_id=lead.pk, create_deal=False)

    assert (conversion.account, conversion.contact, conversion.deal) == (acme, jane, None)
    assert (conversion.account_created, conversion.contact_created) == (False, False)
    assert Account.objects.count() == 1
    assert Contact.objects.count() == 1


def test_the_leads_activities_tasks_and_engagement_now_read_on_the_contact(rep, pipeline):
    acme = AccountFactory(owner=rep, domain="acme.example")
    lead = _qualified(rep, email="bob@acme.example")
    call = activity_log(actor=rep, target=lead, kind="call", subject="First call")
    task = TaskFactory(assignee=rep, target=lead, title="Send the deck")
    opened = EngagementEvent.objects.create(
        content_type=ContentType.objects.get_for_model(Lead), object_id=lead.pk, type="email_opened"
    )

    contact = lead_convert(actor=rep, lead_id=lead.pk, create_deal=False).contact

    call.refresh_from_db()
    task.refresh_from_db()
    opened.refresh_from_db()
    assert call.target == contact
    assert call.account == acme
    assert task.target == contact
    assert opened.target == contact


def test_the_leads_own_events_stay_on_it_and_show_in_the_account_360(rep, pipeline):
    acme = AccountFactory(owner=rep, domain="acme.example")
    lead = _qualified(rep, email="bob@acme.example")
    qualified = event_record(actor=rep, target=lead, type="lead.qualified")

    lead_convert(actor=rep, lead_id=lead.pk, create_deal=False)

    qualified.refresh_from_db()
    assert (qualified.target, qualified.account) == (lead, acme)
    entries = account_timeline(account=acme).entries
    on_lead = {(e.item.type, e.on) for e in entries if isinstance(e.item, LifecycleEvent)}
    assert {("lead.qualified", lead), ("lead.converted", lead)} <= on_lead


def test_converting_a_lead_twice_is_refused_and_makes_nothing_more(rep, pipeline):
    lead = _qualified(rep, company="Initech", email="jane@initech.example")
    lead_convert(actor=rep, lead_id=lead.pk)

    with pytest.raises(Invalid) as refusal:
        lead_convert(actor=rep, lead_id=lead.pk)

    assert refusal.value.code == "lead_already_converted"

    assert (Account.objects.count(), Contact.objects.count(), Deal.objects.count()) == (1, 1, 1)
    assert LifecycleEvent.objects.filter(type="lead.converted").count() == 1


def test_a_past_close_date_refuses_the_deal_and_undoes_the_account_and_contact_made_before_it(rep, pipeline):
    lead = _qualified(rep, company="Initech", email="jane@initech.example")
    call = activity_log(actor=rep, target=lead, kind="call", subject="First call")

    with pytest.raises(Invalid) as refusal:
        lead_convert(actor=rep, lead_id=lead.pk, close_date=timezone.localdate() - timedelta(days=1))

    assert (refusal.value.code, refusal.value.field) == ("close_date_past", "close_date")
    assert not Account.objects.exists()
    _nothing_made(lead)
    call.refresh_from_db()
    assert call.target == lead


def test_a_domain_of_an_account_the_rep_cannot_see_makes_a_new_account_without_it(
    rep, outsider, admin_user, pipeline
):
    theirs = AccountFactory(owner=outsider, name="Initech (West)", domain="initech.example")
    lead = _qualified(rep, company="Initech Europe", email="jane@initech.example")

    conversion = lead_convert(actor=rep, lead_id=lead.pk)

    assert conversion.account_created
    assert (conversion.account.name, conversion.account.domain) == ("Initech Europe", "")
    assert [n.recipient for n in Notification.objects.filter(kind=NotificationKind.POSSIBLE_DUPLICATE)] == [
        theirs.owner
    ]


def test_an_unowned_account_with_the_domain_makes_the_admins_hear_of_the_duplicate(rep, admin_user, pipeline):
    AccountFactory(owner=None, domain="initech.example")
    lead = _qualified(rep, company="Initech Europe", email="jane@initech.example")

    lead_convert(actor=rep, lead_id=lead.pk)

    assert [n.recipient for n in Notification.objects.filter(kind=NotificationKind.POSSIBLE_DUPLICATE)] == [
        admin_user
    ]


def test_choosing_an_account_the_rep_cannot_see_is_a_404_and_changes_nothing(rep, outsider, pipeline):
    theirs = AccountFactory(owner=outsider)
    lead = _qualified(rep, company="Initech", email="jane@initech.example")

    with pytest.raises(NotFound):
        lead_convert(actor=rep, lead_id=lead.pk, account=theirs)

    _nothing_made(lead)


def test_an_outsider_cannot_convert_another_teams_lead(rep, outsider, pipeline):
    lead = _qualified(rep, company="Initech")

    with pytest.raises(NotFound):
        lead_convert(actor=outsider, lead_id=lead.pk)

    _nothing_made(lead)


def test_a_marketer_cannot_convert_a_lead(rep, marketer, pipeline):
    lead = _qualified(rep, company="Initech", email="jane@initech.example")

    with pytest.raises(Forbidden) as refusal:
        lead_convert(actor=marketer, lead_id=lead.pk)

    assert refusal.value.code == "convert_not_allowed"

    assert not Account.objects.exists()
    _nothing_made(lead)


def test_a_lead_that_is_not_qualified_is_refused_on_its_status(rep, pipeline):
    lead = LeadFactory(owner=rep, status=LeadStatus.WORKING, company="Initech")

    with pytest.raises(Invalid) as refusal:
        lead_convert(actor=rep, lead_id=lead.pk)

    assert (refusal.value.code, refusal.value.field) == ("lead_not_qualified", "status")
    assert not Account.objects.exists()
