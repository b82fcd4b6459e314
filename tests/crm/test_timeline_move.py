"""One kernel act moves a record's trail to another record (a lead's to its contact on conversion, a
merged lead's to the kept one): the rows then read on the new record and roll up to its account."""

import pytest

from crm.models import Activity, LifecycleEvent, Task
from crm.timeline import events
from crm.timeline.events import event_record
from crm.timeline.services import timeline_move
from tests.factories.customers import AccountFactory, ContactFactory
from tests.factories.timeline import ActivityFactory, TaskFactory

pytestmark = pytest.mark.django_db


def test_the_trail_reads_on_the_new_record_and_rolls_up_to_its_account():
    old_account, new_account = AccountFactory(), AccountFactory()
    source = ContactFactory(account=old_account)
    target = ContactFactory(account=new_account)
    note = ActivityFactory(target=source, account=old_account)
    task = TaskFactory(target=source)
    event = event_record(actor=None, target=source, type=events.CONTACT_CREATED)
    elsewhere = ActivityFactory(target=ContactFactory(account=old_account), account=old_account)

    timeline_move(source=source, target=target)

    for row in (note, task, event, elsewhere):
        row.refresh_from_db()
    assert [row.target for row in (note, task, event)] == [target, target, target]
    assert (note.account, event.account) == (new_account, new_account)
    assert (elsewhere.target.account, elsewhere.account) == (old_account, old_account)


def test_only_the_named_kinds_of_rows_move():
    source, target = ContactFactory(), ContactFactory()
    note = ActivityFactory(target=source)
    event = event_record(actor=None, target=source, type=events.CONTACT_CREATED)

    timeline_move(source=source, target=target, models=(Activity, Task))

    assert Activity.objects.get(pk=note.pk).target == target
    assert LifecycleEvent.objects.get(pk=event.pk).target == source
