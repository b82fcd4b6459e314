from datetime import timedelta

import pytest
from django.utils import timezone

from crm.customers.services import (
    account_create,
    account_delete,
    account_update,
    contact_create,
    contact_update,
)
from crm.errors import Forbidden, Invalid, NotFound
from crm.models import (
    Account,
    Activity,
    Contact,
    LifecycleEvent,
    LifecycleStage,
    Notification,
    NotificationKind,
    Task,
)
from crm.timeline import events
from crm.timeline.audit import record_changes
from crm.timeline.events import event_record
from crm.timeline.services import activity_log, task_create, task_reminders_send_due
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _events(record):
    return list(
        LifecycleEvent.objects.filter(object_id=record.pk, content_type__model=record._meta.model_name)
        .order_by("id")
        .values_list("type", flat=True)
    )


def test_creating_an_account_makes_the_creator_its_owner_and_writes_a_created_event(rep):
    account = account_create(actor=rep, fields={"name": "Acme", "domain": "acme.example"})

    assert account.owner == rep
    assert _events(account) == [events.ACCOUNT_CREATED]


def test_a_rep_cannot_give_a_new_account_to_someone_outside_their_reach(rep, outsider):
    with pytest.raises(Forbidden) as refused:
        account_create(actor=rep, fields={"name": "Acme", "owner": outsider})

    assert refused.value.code == "owner_not_assignable"

    assert not Account.objects.exists()


def test_two_accounts_cannot_share_a_domain_whatever_its_case(rep):
    account_create(actor=rep, fields={"name": "Acme", "domain": "acme.example"})

    with pytest.raises(Invalid, match="already uses this domain") as refused:  # the model's constraint
        account_create(actor=rep, fields={"name": "Acme again", "domain": "ACME.example"})

    assert refused.value.field is None


def test_reassigning_an_account_notifies_the_new_owner_and_records_the_assignment(manager, rep):
    account = AccountFactory(owner=manager)

    account_update(actor=manager, account_id=account.pk, fields={"owner": rep})

    assert _events(account) == [events.ACCOUNT_ASSIGNED]
    notification = Notification.objects.get(recipient=rep)
    assert notification.kind == NotificationKind.ASSIGNED
    assert notification.url == account.get_absolute_url()


def test_changing_the_lifecycle_stage_writes_a_typed_event_with_from_and_to(rep):
    account = AccountFactory(owner=rep)

    account_update(actor=rep, account_id=account.pk, fields={"lifecycle_stage": LifecycleStage.CUSTOMER})

    event = LifecycleEvent.objects.get(type=events.ACCOUNT_STAGE_CHANGED)
    assert event.data == {"from": "prospect", "to": "customer"}
    assert event.actor == rep


def test_saving_an_unchanged_account_writes_no_event_and_no_history(rep):
    account = account_create(actor=rep, fields={"name": "Acme"})

    account_update(actor=rep, account_id=account.pk, fields={"name": "Acme"})

    assert _events(account) == [events.ACCOUNT_CREATED]
    assert account.history.count() == 1


def test_the_audit_trail_names_who_changed_which_field_from_what_to_what(rep):
    account = account_create(actor=rep, fields={"name": "Acme", "industry": "Retail"})
    account_update(
        actor=rep, account_id=account.pk, fields={"industry": "Software", "lifecycle_stage": "customer"}
    )

    latest, created = record_changes(record=account)

    assert latest.user == rep
    assert latest.action == "changed"
    assert {(c.field, c.old, c.new) for c in latest.changes} == {
        ("industry", "Retail", "Software"),
        ("lifecycle stage", "Prospect", "Customer"),
    }
    assert created.action == "created"


def test_the_audit_trail_shows_owners_by_name(manager, rep):
    account = account_create(actor=manager, fields={"name": "Acme"})
    account_update(actor=manager, account_id=account.pk, fields={"owner": rep})

    change = record_changes(record=account)[0].changes[0]

    assert (change.field, change.old, change.new) == ("owner", str(manager), str(rep))


def test_deleting_keeps_a_history_row_naming_who_deleted(rep):
    account = account_create(actor=rep, fields={"name": "Acme"})

    account_delete(actor=rep, account_id=account.pk)

    deleted = Account.history.filter(history_type="-").get()
    assert deleted.history_user == rep


def test_a_marketer_may_read_but_not_change_an_account(marketer, rep):
    account = AccountFactory(owner=rep)

    with pytest.raises(Forbidden) as refused:
        account_update(actor=marketer, account_id=account.pk, fields={"name": "Hacked"})

    assert refused.value.code == "read_only"


def test_changing_another_reps_account_is_not_found_rather_than_forbidden(rep, outsider):
    account = AccountFactory(owner=outsider)

    with pytest.raises(NotFound):
        account_update(actor=rep, account_id=account.pk, fields={"name": "Mine now"})
    account.refresh_from_db()
    assert account.name != "Mine now"


def test_a_contact_cannot_be_attached_to_an_account_the_user_cannot_see(rep, outsider):
    hidden = AccountFactory(owner=outsider)

    with pytest.raises(NotFound):
        contact_create(actor=rep, fields={"last_name": "Doe", "account": hidden})
    assert not Contact.objects.exists()


def test_changing_consent_stamps_the_time_and_writes_a_consent_event(rep):
    contact = contact_create(actor=rep, fields={"last_name": "Doe", "email": "doe@example.com"})
    assert contact.consent_changed_at is None

    contact_update(actor=rep, contact_id=contact.pk, fields={"email_consent": "granted"})

    contact.refresh_from_db()
    assert contact.consent_changed_at is not None
    event = LifecycleEvent.objects.get(type=events.CONTACT_CONSENT_CHANGED)
    assert event.data == {"email_consent": {"from": "unknown", "to": "granted"}}


def test_an_unknown_event_type_fails_loudly():
    with pytest.raises(LookupError):
        event_record(actor=None, target=AccountFactory(), type="account.teleported")


def test_deleting_an_account_takes_its_timeline_with_it_so_no_reminder_fires_for_it(rep):
    account = account_create(actor=rep, fields={"name": "Acme"})
    activity_log(actor=rep, target=account, kind="note", body="Met at the fair")
    task_create(actor=rep, title="Call", due_at=timezone.now() - timedelta(minutes=1), target=account)

    account_delete(actor=rep, account_id=account.pk)

    assert not Activity.objects.exists()
    assert not Task.objects.exists()
    assert not LifecycleEvent.objects.filter(object_id=account.pk, content_type__model="account").exists()
    assert task_reminders_send_due() == 0
