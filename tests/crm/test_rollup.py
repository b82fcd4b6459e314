"""Timeline rows roll up to the account whose 360 view shows them, and follow a contact who moves."""

import pytest

from crm.customers.services import contact_update
from crm.models import Activity, ActivityKind, LifecycleEvent
from crm.timeline.services import activity_log
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_activities_and_events_on_an_account_or_its_contacts_roll_up_to_the_account(rep):
    account = AccountFactory(owner=rep)
    contact = ContactFactory(account=account, owner=rep)
    loner = ContactFactory(account=None, owner=rep)

    on_account = activity_log(actor=rep, target=account, kind=ActivityKind.NOTE, body="Renewal talk")
    on_contact = activity_log(actor=rep, target=contact, kind=ActivityKind.CALL, subject="Intro call")
    on_loner = activity_log(actor=rep, target=loner, kind=ActivityKind.CALL, subject="Cold call")

    assert (on_account.account, on_contact.account, on_loner.account) == (account, account, None)


def test_a_contact_moving_to_another_account_takes_its_history_along(rep):
    old, new = AccountFactory(owner=rep), AccountFactory(owner=rep)
    contact = ContactFactory(account=old, owner=rep)
    activity_log(actor=rep, target=contact, kind=ActivityKind.CALL, subject="Intro call")

    contact_update(actor=rep, contact_id=contact.pk, fields={"account": new})

    assert set(Activity.objects.filter(object_id=contact.pk).values_list("account", flat=True)) == {new.pk}
    assert not LifecycleEvent.objects.filter(account=old).exclude(object_id=old.pk).exists()
