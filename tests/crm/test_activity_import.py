"""Importing activities (calls, notes, meetings, emails) with the dates they happened, on accounts, contacts,
deals and leads: the columns other CRMs export, kinds spelled their way, re-runs that update instead of
doubling, and row errors naming the column and the value."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.customers.account360 import account_timeline
from crm.errors import Forbidden
from crm.imports.services import record_import_confirm, record_import_preview, record_import_upload
from crm.models import (
    Activity,
    ActivityKind,
    DuplicatePolicy,
    ImportStatus,
    LifecycleEvent,
    Notification,
    RecordImport,
)
from crm.timeline.selectors import record_timeline
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db

HUBSPOT = (
    "Record ID,Activity type,Activity date,Subject,Body,Associated Company,Associated Contact,"
    "Associated Deal,Activity assigned to\n"
)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def acme(rep):
    return AccountFactory(owner=rep, name="Acme", domain="acme.example")


@pytest.fixture
def ann(rep, acme):
    return ContactFactory(
        owner=rep, account=acme, first_name="Ann", last_name="Lee", email="ann@acme.example"
    )


@pytest.fixture
def renewal(rep, acme):
    return DealFactory(owner=rep, account=acme, name="Acme renewal")


@pytest.fixture
def upload(admin_user):
    def upload_file(data: str, actor=None) -> RecordImport:
        return record_import_upload(
            actor=actor or admin_user,
            kind="activities",
            file=SimpleUploadedFile("activities.csv", data.encode()),
        )

    return upload_file


@pytest.fixture
def run(upload, admin_user, django_capture_on_commit_callbacks):
    """Uploads `data`, confirms it with the guessed mapping, and runs the job."""

    def run_import(data: str, *, policy=DuplicatePolicy.UPDATE, values=None) -> RecordImport:
        record_import: RecordImport = upload(data)
        with django_capture_on_commit_callbacks(execute=True):
            record_import_confirm(
                actor=admin_user,
                import_id=record_import.pk,
                mapping=record_import.mapping,
                duplicate_policy=policy,
                all_or_nothing=False,
                owner=None,
                values=values or {},
            )
        record_import.refresh_from_db()
        return record_import

    return run_import


def _problems(record_import: RecordImport) -> list[tuple[int, str, str]]:
    return list(record_import.errors.order_by("line", "id").values_list("line", "field", "message"))


def _at(text: str, zone=datetime.UTC) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=zone)


def test_a_hubspot_file_of_calls_and_notes_lands_on_each_record_and_the_account_360_with_its_dates(
    run, admin_user, rep, acme, ann, renewal
):
    data = HUBSPOT + (
        f"9001,Call,2023-03-14 09:30,Kick-off call,Agreed on the scope,Acme,,,{rep.email}\n"
        f"9002,Note,2023-04-02,Budget,Budget is approved,,ann@acme.example,,{rep.get_full_name()}\n"
        "9003,Log a Call,2023-05-20T15:45:00Z,Negotiation,Asked for 10% off,,,Acme renewal,\n"
        "9004,Meeting,2023-06-01 11:00,On-site demo,,acme.example,,,\n"
    )

    record_import = run(data)

    assert record_import.status == ImportStatus.DONE
    assert (record_import.created_count, record_import.updated_count, record_import.error_count) == (4, 0, 0)
    assert _problems(record_import) == []
    kickoff, budget, negotiation, demo = Activity.objects.order_by("occurred_at")
    # A date and time is kept to the minute (in the uploader's zone unless the cell names one); a date
    # alone is noon of that day.
    assert (kickoff.kind, kickoff.occurred_at, kickoff.target, kickoff.author) == (
        ActivityKind.CALL,
        _at("2023-03-14 09:30"),
        acme,
        rep,
    )
    assert (budget.kind, budget.occurred_at, budget.target, budget.body) == (
        ActivityKind.NOTE,
        _at("2023-04-02 12:00"),
        ann,
        "Budget is approved",
    )
    assert (negotiation.kind, negotiation.occurred_at, negotiation.target) == (
        ActivityKind.CALL,  # "Log a Call" is Salesforce's name for a call
        _at("2023-05-20 15:45"),
        renewal,
    )
    assert (demo.kind, demo.target, demo.author) == (ActivityKind.MEETING, acme, admin_user)
    # Each record's timeline shows its own; the account's 360 view shows all four, newest first.
    assert [entry.item for entry in record_timeline(record=ann) if entry.kind == "activity"] == [budget]
    assert [entry.item for entry in record_timeline(record=renewal) if entry.kind == "activity"] == [
        negotiation
    ]
    trail = account_timeline(account=acme)
    assert [entry.item for entry in trail.entries if entry.kind == "activity"] == [
        demo,
        negotiation,
        budget,
        kickoff,
    ]
    # History, not news: no notification to the authors, no lifecycle event per activity.
    assert not Notification.objects.filter(recipient=rep).exists()
    assert not LifecycleEvent.objects.filter(data__import_id=record_import.pk).exists()


def test_the_account_page_shows_imported_activities_at_their_dates(client, run, admin_user, acme):
    run(HUBSPOT + "9001,Call,2021-11-05 10:15,Very first call,Hello,Acme,,,\n")

    client.force_login(admin_user)
    html = client.get(reverse("account-detail", args=[acme.pk])).content.decode()

    assert "Very first call" in html
    assert '<time datetime="2021-11-05T10:15:00+00:00">5 Nov 2021, 10:15</time>' in html


def test_a_date_alone_is_noon_where_the_uploader_is_and_a_time_without_a_zone_is_theirs(
    run, admin_user, acme
):
    admin_user.time_zone = "Europe/Berlin"
    admin_user.save()

    run(HUBSPOT + "1,Note,2023-07-01,Day only,,Acme,,,\n2,Call,2023-07-01 08:00,Morning call,,Acme,,,\n")

    day_only, morning = Activity.objects.order_by("external_id")
    assert day_only.occurred_at == _at("2023-07-01 12:00", BERLIN)
    assert morning.occurred_at == _at("2023-07-01 08:00", BERLIN)


def test_running_the_same_file_again_updates_the_activities_instead_of_doubling_them(run, acme, ann):
    first = HUBSPOT + (
        "9001,Call,2023-03-14 09:30,Kick-off call,Agreed on the scope,Acme,,,\n"
        "9002,Note,2023-04-02,Budget,Budget is approved,,ann@acme.example,,\n"
    )
    run(first)
    again = first.replace("Agreed on the scope", "Agreed on the scope and the dates")

    record_import = run(again)

    assert (record_import.created_count, record_import.updated_count) == (0, 2)
    assert Activity.objects.count() == 2
    assert Activity.objects.get(external_id="9001").body == "Agreed on the scope and the dates"


def test_without_external_ids_the_same_record_kind_date_and_subject_is_the_same_activity(run, acme):
    data = "Activity Type,Date,Subject,Comments,Account\nCall,2023-03-14,Kick-off,First notes,Acme\n"
    run(data)

    record_import = run(data.replace("First notes", "Better notes"))
    skipped = run(data, policy=DuplicatePolicy.SKIP)

    assert (record_import.created_count, record_import.updated_count) == (0, 1)
    assert Activity.objects.get().body == "Better notes"
    assert skipped.skipped_count == 1
    activity = Activity.objects.get()
    assert _problems(skipped) == [
        (2, "", f"Skipped: same record, kind, date and subject as activity #{activity.pk} ({activity}).")
    ]


def test_a_row_on_no_record_on_two_or_on_one_that_does_not_exist_is_a_row_error(run, acme, ann):
    data = HUBSPOT + (
        "1,Call,2023-03-14,No record,,,,,\n"
        "2,Call,2023-03-14,Two records,,Acme,ann@acme.example,,\n"
        "3,Call,2023-03-14,Unknown account,,Initech,,,\n"
        "4,Call,2023-03-14,Unknown deal,,,,Initech pilot,\n"
        "5,Call,2023-03-14,Good,,Acme,,,\n"
    )

    record_import = run(data)

    assert _problems(record_import) == [
        (
            2,
            "",
            "No record to put the activity on: fill one of “Associated Company”, “Associated Contact” "
            "or “Associated Deal”.",
        ),
        (
            3,
            "",
            "An activity is on one record, and this row names 2: “Associated Company” (Acme) and "
            "“Associated Contact” (ann@acme.example); keep one of them.",
        ),
        (4, "Associated Company", 'No account is named "Initech" or has it as its external id.'),
        (5, "Associated Deal", 'No deal is named "Initech pilot" or has it as its external id.'),
    ]
    assert list(Activity.objects.values_list("subject", flat=True)) == ["Good"]
    assert record_import.error_count == 4


def test_a_future_date_and_an_unreadable_kind_are_row_errors_naming_the_value(run, acme):
    data = HUBSPOT + "1,Call,2999-01-01,Later,,Acme,,,\n2,Carrier pigeon,2023-01-01,Coo,,Acme,,,\n"

    record_import = run(data)

    assert _problems(record_import) == [
        (2, "Activity date", "2999-01-01 is still to come: log an activity once it took place."),
        (
            3,
            "Activity type",
            '"Carrier pigeon" matches no kind of activity; choose one for it under “Values” in the preview.',
        ),
    ]
    assert not Activity.objects.exists()


def test_the_preview_lists_the_kinds_it_cannot_read_and_reads_the_others(upload, acme):
    record_import = upload(
        HUBSPOT
        + "1,Log a Call,2023-01-01,A,,Acme,,,\n2,Lunch,2023-01-02,B,,Acme,,,\n3,Lunch,2023-01-03,C,,Acme,,,\n"
        + "4,E-mail,2023-01-04,D,,Acme,,,\n"
    )

    preview = record_import_preview(record_import=record_import)

    kinds = next(group for group in preview.values if group.field == "kind")
    assert kinds.column == "Activity type"
    assert [(item.cell, item.rows) for item in kinds.unmatched] == [("Lunch", 2)]
    assert {item.cell: item.exact for item in kinds.items} == {
        "Log a Call": ActivityKind.CALL,
        "Lunch": None,
        "E-mail": ActivityKind.EMAIL,
    }
    assert [str(problem) for problem in preview.rows[1].problems] == [
        'Activity type: "Lunch" matches no kind of activity; choose one for it under “Values” in the preview.'
    ]


def test_a_kind_chosen_in_the_preview_imports_as_that_kind(run, acme):
    record_import = run(
        HUBSPOT + "1,Lunch,2023-01-02,Lunch with the CFO,,Acme,,,\n",
        values={"kind": {"Lunch": ActivityKind.MEETING}},
    )

    assert record_import.created_count == 1
    assert Activity.objects.get().kind == ActivityKind.MEETING


def test_a_pipedrive_file_names_leads_and_keeps_the_time_of_its_own_column(run, rep):
    lead = LeadFactory(owner=rep, email="Bo@Prospect.example", email_normalized="bo@prospect.example")
    header = (
        "Activity - ID,External source,Activity - Type,Activity - Subject,Activity - Due date,"
        "Activity - Due time,Activity - Lead\n"
    )

    record_import = run(header + "77,pipedrive,call,Intro call,2023-02-03,16:20,bo@prospect.example\n")

    assert _problems(record_import) == []
    activity = Activity.objects.get()
    assert (activity.target, activity.occurred_at) == (lead, _at("2023-02-03 16:20"))
    assert (activity.external_source, activity.external_id) == ("pipedrive", "77")


def test_only_admins_import_activities(upload, rep):
    with pytest.raises(Forbidden):
        upload(HUBSPOT + "1,Call,2023-01-01,A,,Acme,,,\n", actor=rep)
