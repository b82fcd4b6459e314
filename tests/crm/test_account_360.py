"""The account 360 timeline: one merged, keyset-paged history of the account, its contacts, its deals
and the leads converted into it; and the contact page's own timeline and engagement."""

import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from crm.customers.account360 import TimelineCursor, account_timeline, account_timeline_keys
from crm.models import Activity, Contact, EngagementEvent, LifecycleEvent, Role, Task
from crm.timeline.events import event_record
from crm.timeline.services import activity_log
from leads.models import LeadStatus
from sales.conversion.services import lead_convert
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
ENTRY = re.compile(r'<li[^>]*class="timeline-entry[^"]*"[^>]*>(.*?)</li>', re.S)
TAG = re.compile(r"<[^>]+>")
OLDER_LINK = re.compile(r'href="(/accounts/\d+/\?older=[^"#]+)')


def _entries(html: str) -> list[str]:
    """The account timeline's entries as a person reads them, top to bottom."""
    start = html.index('id="account-timeline"') if 'id="account-timeline"' in html else 0
    return [" ".join(TAG.sub(" ", entry).split()) for entry in ENTRY.findall(html[start:])]


def _text(html: str) -> str:
    return " ".join(TAG.sub(" ", html).split())


def _heads(entries: list[str], author) -> list[str]:
    """Each entry's kind, subject or event label: the text before its author's name."""
    return [entry.split(f" {author} ·")[0] for entry in entries]


def _log(actor, target, subject, at):
    return activity_log(actor=actor, target=target, kind="note", subject=subject, occurred_at=at)


@pytest.fixture
def acme(rep):
    return AccountFactory(owner=rep, name="Acme", domain="acme.example")


@pytest.fixture
def earlier():
    return timezone.now() - timedelta(days=2)


def test_the_account_page_merges_the_account_its_contacts_deals_and_converted_lead_newest_first(
    as_user, rep, acme, earlier
):
    jane = ContactFactory(account=acme, owner=rep, first_name="Jane", last_name="Doe")
    deal = DealFactory(account=acme, owner=rep, name="Platform renewal")
    lead = LeadFactory(
        owner=rep, first_name="Bob", last_name="Stone", email="bob@acme.example", company="Acme"
    )
    _log(rep, acme, "Kick-off meeting", earlier)
    _log(rep, jane, "Called Jane", earlier + timedelta(hours=1))
    _log(rep, deal, "Sent the quote", earlier + timedelta(hours=2))
    _log(rep, lead, "Met Bob at the fair", earlier + timedelta(hours=3))
    event_record(actor=rep, target=lead, type="lead.qualified")
    LifecycleEvent.objects.filter(type="lead.qualified").update(occurred_at=earlier + timedelta(hours=4))
    lead.status = LeadStatus.QUALIFIED
    lead.save()
    lead_convert(actor=rep, lead_id=lead.pk, account=acme, create_deal=False)

    entries = _entries(as_user(rep).get(acme.get_absolute_url()).content.decode())

    mine = [
        e for e in entries if any(s in e for s in ["Kick-off", "Called", "quote", "Met Bob", "qualified"])
    ]
    assert _heads(mine, rep) == [
        "Lead qualified",
        "Note Met Bob at the fair",  # moved to the new contact by the conversion, still on the account
        "Note Sent the quote",
        "Note Called Jane",
        "Note Kick-off meeting",
    ]
    assert "on lead Bob Stone" in mine[0]
    assert "on contact Bob Stone" in mine[1]
    assert "on deal Platform renewal" in mine[2]
    assert "on contact Jane Doe" in mine[3]
    assert " on " not in mine[4]
    assert "Lead converted" in entries[0]  # the newest: the conversion itself, on the lead


def test_entries_link_to_the_record_they_were_on(as_user, rep, acme, earlier):
    jane = ContactFactory(account=acme, owner=rep, first_name="Jane", last_name="Doe")
    _log(rep, jane, "Called Jane", earlier)

    html = as_user(rep).get(acme.get_absolute_url()).content.decode()

    assert f'on contact <a href="{jane.get_absolute_url()}">Jane Doe</a>' in " ".join(html.split())


def test_whoever_sees_the_account_sees_its_whole_trail_and_the_hidden_records_link_is_a_404(
    as_user, rep, outsider, acme, earlier
):
    # The outsider's contact at the rep's account: the rep may not open it, but its trail is the account's.
    theirs = ContactFactory(account=acme, owner=outsider, first_name="Hidden", last_name="Person")
    _log(outsider, theirs, "Call by the outsider", earlier)
    client = as_user(rep)

    entries = _entries(client.get(acme.get_absolute_url()).content.decode())

    assert any("Call by the outsider" in entry and "on contact Hidden Person" in entry for entry in entries)
    assert client.get(theirs.get_absolute_url()).status_code == 404


def test_someone_who_cannot_see_the_account_gets_a_404_and_no_timeline_page(as_user, outsider, acme):
    client = as_user(outsider)

    assert client.get(acme.get_absolute_url()).status_code == 404
    assert client.get(acme.get_absolute_url() + "?older=x", **HTMX).status_code == 404


def test_rows_of_another_account_never_show(as_user, rep, acme, earlier):
    other = AccountFactory(owner=rep, name="Globex")
    _log(rep, ContactFactory(account=other, owner=rep), "Globex call", earlier)

    entries = _entries(as_user(rep).get(acme.get_absolute_url()).content.decode())

    assert not any("Globex call" in entry for entry in entries)


def test_a_contact_moved_to_another_account_takes_its_trail_along(as_user, rep, acme, earlier):
    from crm.customers.services import contact_update

    other = AccountFactory(owner=rep, name="Globex")
    jane = ContactFactory(account=acme, owner=rep)
    _log(rep, jane, "Called Jane", earlier)

    contact_update(actor=rep, contact_id=jane.pk, fields={"account": other})

    client = as_user(rep)
    assert not any("Called Jane" in e for e in _entries(client.get(acme.get_absolute_url()).content.decode()))
    assert any("Called Jane" in e for e in _entries(client.get(other.get_absolute_url()).content.decode()))


# Order and pages


def test_rows_at_the_same_instant_put_tasks_then_events_first_then_the_newest_id(rep, acme, earlier):
    first = _log(rep, acme, "First", earlier)
    second = _log(rep, acme, "Second", earlier)
    event = event_record(actor=rep, target=acme, type="account.assigned")
    LifecycleEvent.objects.filter(pk=event.pk).update(occurred_at=earlier)
    task = TaskFactory(assignee=rep, target=acme)
    Task.objects.filter(pk=task.pk).update(created_at=earlier)
    LifecycleEvent.objects.filter(type="task.created").delete()

    page = account_timeline(account=acme)

    assert [entry.item.pk for entry in page.entries] == [task.pk, event.pk, second.pk, first.pk]
    assert [entry.kind for entry in page.entries] == ["task", "event", "activity", "activity"]


def test_pages_of_25_walk_the_whole_trail_without_repeats_or_gaps_even_on_ties(rep, acme, earlier):
    jane = ContactFactory(account=acme, owner=rep)
    made = []
    for index in range(30):
        at = earlier + timedelta(minutes=index // 4)  # four rows per minute: ties on the time
        made.append(("activity", _log(rep, jane if index % 2 else acme, f"Row {index}", at).pk))
        event = event_record(actor=rep, target=acme, type="account.assigned", data={"n": index})
        LifecycleEvent.objects.filter(pk=event.pk).update(occurred_at=at)
        made.append(("event", event.pk))
        if index % 3 == 0:
            task = TaskFactory(assignee=rep, target=acme)
            Task.objects.filter(pk=task.pk).update(created_at=at)
            made.append(("task", task.pk))

    seen = []
    page = account_timeline(account=acme)
    pages = 1
    while True:
        seen += [(entry.kind, entry.item.pk) for entry in page.entries]
        if page.older is None:
            break
        assert len(page.entries) == 25
        page = account_timeline(account=acme, older=page.older)
        pages += 1

    assert pages == 3  # 70 rows
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))
    keys = [(e.at, e.kind, e.item.pk) for e in account_timeline(account=acme, size=80).entries]
    assert keys == sorted(keys, reverse=True)


def test_older_loads_the_next_page_as_list_items_with_htmx_and_as_a_page_without(as_user, rep, acme, earlier):
    for index in range(27):
        _log(rep, acme, f"Note number {index:02d}", earlier + timedelta(minutes=index))
    client = as_user(rep)

    first = client.get(acme.get_absolute_url()).content.decode()
    older = OLDER_LINK.search(first)
    assert older is not None
    older_url = older.group(1).replace("&amp;", "&")
    partial = client.get(older_url, **HTMX).content.decode()
    full = client.get(older_url).content.decode()

    assert "Note number 26" in first
    assert "Note number 02" in first
    assert "Note number 01" not in first
    assert "<html" not in partial
    assert "<ol" not in partial
    assert _heads(_entries(partial), rep) == ["Note Note number 01", "Note Note number 00"]
    assert "Older" not in partial  # the last page
    assert "Note number 01" in full
    assert "Back to the newest" in full


@pytest.mark.parametrize(
    "cursor", ["x", "bm90IGpzb24", TimelineCursor(timezone.now(), "event", 1).encode()[:-3]]
)
def test_a_broken_or_stale_cursor_shows_the_first_page(rep, acme, earlier, cursor):
    _log(rep, acme, "Only note", earlier)

    page = account_timeline(account=acme, older=cursor)

    assert [entry.item.subject for entry in page.entries if isinstance(entry.item, Activity)] == ["Only note"]
    assert page.is_first_page


def test_a_cursor_past_the_end_starts_again_from_the_top(rep, acme, earlier):
    _log(rep, acme, "Only note", earlier)
    beyond = TimelineCursor(earlier - timedelta(days=1), "activity", 1).encode()

    entries = account_timeline(account=acme, older=beyond).entries
    assert [e.item.subject for e in entries if isinstance(e.item, Activity)] == ["Only note"]


def test_each_branch_of_the_merged_query_reads_its_index(rep, acme):
    """EXPLAIN of a later page with 6,000 rows over 40 accounts, as PostgreSQL 15 plans it:

    Limit
      ->  Incremental Sort  Sort Key: occurred_at DESC, ('activity'::text) DESC, id DESC
                            Presorted Key: occurred_at
            ->  Merge Append  Sort Key: occurred_at DESC, id DESC
                  ->  Limit  ->  Index Only Scan using activity_account_timeline on crm_activity
                                   Index Cond: ((account_id = 1) AND (occurred_at <= '2026-10-01 ...'))
                                   Filter: ((occurred_at < '...') OR ((id < 25) AND (occurred_at = '...')))
                  ->  Limit  ->  Index Only Scan using event_account_timeline on crm_lifecycleevent
                                   Index Cond: ((account_id = 1) AND (occurred_at < '2026-10-01 ...'))
                  ->  Limit  ->  Sort  Sort Key: created_at DESC, id DESC
                                   ->  Bitmap Heap Scan on crm_task
                                         ->  Bitmap Index Scan on task_timeline
                                               Index Cond: ((content_type_id = 2) AND (object_id = 1)
                                                            AND (created_at < '2026-10-01 ...'))

    The first page has the same shape without the cursor conditions. Activities and events read at most
    a page from their partial account index; tasks (only those on the account itself) read the account's
    tasks from task_timeline, and the sorts order those and the few rows of equal times.
    """
    accounts = [acme, *AccountFactory.create_batch(39, owner=rep)]
    account_type = ContentType.objects.get_for_model(acme)
    start = timezone.now() - timedelta(days=60)
    times = [start + timedelta(hours=n) for n in range(50)]
    common = {"content_type": account_type}
    Activity.objects.bulk_create(
        Activity(**common, object_id=a.pk, account=a, subject="x", author=rep, occurred_at=at)
        for a in accounts
        for at in times
    )
    LifecycleEvent.objects.bulk_create(
        LifecycleEvent(**common, object_id=a.pk, account=a, type="account.created", occurred_at=at)
        for a in accounts
        for at in times
    )
    tasks = Task.objects.bulk_create(
        Task(**common, object_id=a.pk, title="x", assignee=rep, due_at=start) for a in accounts for _ in times
    )
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(created_at=start)
    middle = Activity.objects.filter(account=acme).order_by("-occurred_at")[25]
    cursor = TimelineCursor(middle.occurred_at, "activity", middle.pk)
    with connection.cursor() as db:
        for table in ["crm_activity", "crm_lifecycleevent", "crm_task"]:
            db.execute(f"ANALYZE {table}")
        for page in [None, cursor]:
            sql, params = account_timeline_keys(account=acme, cursor=page, size=26).query.sql_with_params()
            db.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in db.fetchall())

            for index, table in [
                ("activity_account_timeline", "crm_activity"),
                ("event_account_timeline", "crm_lifecycleevent"),
            ]:
                assert re.search(rf"Index (Only )?Scan using {index} on {table}", plan), plan
            assert re.search(r"Index Scan (using|on) task_timeline", plan), plan
            assert "Seq Scan" not in plan, plan


# The form on the page


def test_an_activity_logged_on_the_account_page_lands_on_the_account_and_redraws_the_360(
    client, rep, acme, earlier
):
    jane = ContactFactory(account=acme, owner=rep, first_name="Jane", last_name="Doe")
    _log(rep, jane, "Called Jane", earlier)
    client.force_login(rep)

    response = client.post(
        reverse("timeline-activity-add", args=["crm.account", acme.pk]),
        {"kind": "meeting", "subject": "Quarterly review"},
        **HTMX,
    )

    html = response.content.decode()
    assert 'id="timeline-section"' in html
    assert "<html" not in html
    assert _heads(_entries(html), rep)[:2] == ["Meeting Quarterly review", "Note Called Jane"]
    activity = Activity.objects.get(subject="Quarterly review")
    assert (activity.target, activity.account) == (acme, acme)


def test_tasks_on_the_account_show_in_its_timeline_and_are_ticked_there(client, rep, acme, earlier):
    task = TaskFactory(assignee=rep, target=acme, title="Send the contract")
    Task.objects.filter(pk=task.pk).update(created_at=earlier)
    _log(rep, acme, "Newer note", earlier + timedelta(hours=1))
    client.force_login(rep)

    entries = _entries(client.get(acme.get_absolute_url()).content.decode())
    ticked = client.post(
        reverse("task-complete", args=[task.pk]),
        {"place": "timeline", "next": acme.get_absolute_url()},
        **HTMX,
    )

    assert _heads(entries, rep)[0] == "Note Newer note"
    assert entries[1].startswith("Task Send the contract Due")
    assert "Mark done" in entries[1]
    assert "Done" in _text(ticked.content.decode())
    assert Task.objects.get(pk=task.pk).completed_at is not None


# The contact page


def test_the_contact_page_shows_the_history_moved_from_its_lead_and_its_engagement(as_user, rep, acme):
    lead = LeadFactory(owner=rep, email="bob@acme.example", company="Acme", status=LeadStatus.QUALIFIED)
    _log(rep, lead, "Met Bob at the fair", timezone.now() - timedelta(days=3))
    EngagementEvent.objects.create(
        content_type=ContentType.objects.get_for_model(lead),
        object_id=lead.pk,
        type="email_opened",
        data={"subject": "Spring offer"},
    )
    contact = lead_convert(actor=rep, lead_id=lead.pk, account=acme, create_deal=False).contact

    html = " ".join(as_user(rep).get(contact.get_absolute_url()).content.decode().split())

    assert "Met Bob at the fair" in html
    engagement = html[html.index('id="engagement-heading"') :]
    assert "Email opened" in engagement
    assert "Subject: Spring offer" in engagement


def test_a_contact_without_engagement_says_so(as_user, rep, acme):
    contact = ContactFactory(account=acme, owner=rep)

    assert "No opened emails, clicks" in as_user(rep).get(contact.get_absolute_url()).content.decode()


# Query counts


def test_the_account_page_costs_the_same_queries_with_a_long_360_trail(
    as_user, assert_same_query_count, rep, acme
):
    def add_one_of_each(index: int) -> None:
        contact = ContactFactory(account=acme, owner=rep)
        deal = DealFactory(account=acme, owner=rep)
        lead = LeadFactory(
            owner=rep, company="Acme", email=f"p{index}@acme.example", status=LeadStatus.QUALIFIED
        )
        for target in [acme, contact, deal, lead]:
            _log(UserFactory(role=Role.MARKETER), target, f"Note {index}", timezone.now())
        lead_convert(actor=rep, lead_id=lead.pk, account=acme, create_deal=False)

    add_one_of_each(0)
    client = as_user(rep)

    def grow() -> None:
        for index in range(1, 30):
            add_one_of_each(index)

    assert_same_query_count(lambda: client.get(acme.get_absolute_url()), grow=grow)


def test_the_contact_page_costs_the_same_queries_with_much_engagement(
    as_user, assert_same_query_count, rep, acme
):
    contact = ContactFactory(account=acme, owner=rep)
    contact_type = ContentType.objects.get_for_model(Contact)

    def engage(count: int) -> None:
        EngagementEvent.objects.bulk_create(
            EngagementEvent(
                content_type=contact_type, object_id=contact.pk, type="page_visited", data={"n": n}
            )
            for n in range(count)
        )
        for _ in range(count):
            _log(UserFactory(role=Role.MARKETER), contact, "Note", timezone.now())

    engage(1)
    client = as_user(rep)

    assert_same_query_count(lambda: client.get(contact.get_absolute_url()), grow=lambda: engage(30))
