"""Lead imports end to end through the services and the job: what a user finds in the CRM afterwards."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.errors import Forbidden, Invalid
from crm.imports import running
from crm.imports.reports import import_report_lines
from crm.jobs.running import job_run
from crm.models import BackgroundJob, JobStatus, LifecycleEvent, Notification
from leads import events
from leads.assignment.services import assignment_rule_create
from leads.importing import chunks, importer
from leads.importing.services import import_confirm, import_preview, import_upload
from leads.models import DuplicatePolicy, ImportStatus, Lead, LeadImport, LeadSettings, LeadSource
from tests.factories import ContactFactory, LeadFactory

pytestmark = pytest.mark.django_db

HEADER = "First Name,Last Name,Email Address,Company Name,Lead Source\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Uploads `data` as `actor`, confirms it with the guessed mapping, and runs the job."""

    def run_import(actor, data, name="leads.csv", **options):
        lead_import = import_upload(actor=actor, file=SimpleUploadedFile(name, data))
        with django_capture_on_commit_callbacks(execute=True):
            import_confirm(
                actor=actor,
                import_id=lead_import.pk,
                mapping=options.pop("mapping", lead_import.mapping),
                duplicate_policy=options.pop("duplicate_policy", DuplicatePolicy.SKIP),
                all_or_nothing=options.pop("all_or_nothing", False),
                owner=options.pop("owner", None),
                **options,
            )
        lead_import.refresh_from_db()
        return lead_import

    return run_import


def _job_id(lead_import: LeadImport) -> int:
    assert lead_import.job_id is not None
    return lead_import.job_id


def _csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def _problems(lead_import: LeadImport) -> list[tuple[int, str, str]]:
    return list(lead_import.errors.order_by("line", "id").values_list("line", "field", "message"))


GOOD_AND_BAD = _csv(
    "Ann,Lee,ann@example.com,Acme,Web",
    "Bob,Ray,bob@,Initech,",
    "Cleo,Fox,cleo@example.com,Globex,Partner Referral",
)


def test_a_file_with_one_bad_row_imports_the_others_and_reports_that_rows_line_and_reason(run, rep):
    lead_import = run(rep, GOOD_AND_BAD)

    assert sorted(Lead.objects.values_list("email", "source", "owner")) == [
        ("ann@example.com", LeadSource.WEB_FORM, rep.pk),
        ("cleo@example.com", LeadSource.REFERRAL, rep.pk),
    ]
    assert _problems(lead_import) == [(3, "Email Address", '"bob@" is not a valid email address.')]
    assert (lead_import.created_count, lead_import.error_count) == (2, 1)


def test_all_or_nothing_with_one_bad_row_imports_nothing_and_still_reports_the_row(run, rep):
    lead_import = run(rep, GOOD_AND_BAD, all_or_nothing=True)

    assert not Lead.objects.exists()
    assert _problems(lead_import) == [(3, "Email Address", '"bob@" is not a valid email address.')]
    assert lead_import.status == ImportStatus.DONE
    assert "nothing was imported, because 1 row has errors" in BackgroundJob.objects.get().message


def test_all_or_nothing_with_only_good_rows_imports_them_all(run, rep):
    lead_import = run(
        rep, _csv("Ann,Lee,ann@example.com,Acme,", "Cleo,Fox,cleo@example.com,Globex,"), all_or_nothing=True
    )

    assert Lead.objects.count() == 2
    assert lead_import.created_count == 2


def test_the_same_file_twice_with_skip_creates_no_duplicates_and_says_why(run, rep):
    data = _csv("Ann,Lee,ann@example.com,Acme,", "Bob,Ray,,Initech,")
    run(rep, data)
    ann, bob = Lead.objects.get(first_name="Ann"), Lead.objects.get(first_name="Bob")

    second = run(rep, data)

    assert Lead.objects.count() == 2
    assert (second.created_count, second.skipped_count) == (0, 2)
    assert _problems(second) == [
        (2, "", f"Skipped: same email address as lead #{ann.pk} (Ann Lee)."),
        (3, "", f"Skipped: same name and company as lead #{bob.pk} (Bob Ray)."),  # no email, no phone
    ]


def test_the_same_rows_again_with_update_change_the_existing_leads(run, rep):
    run(rep, _csv("Ann,Lee,ann@example.com,Acme,"))
    lead = Lead.objects.get()

    second = run(
        rep, _csv("Ann,Lee-Smith,ANN@example.com,,Referral"), duplicate_policy=DuplicatePolicy.UPDATE
    )

    lead.refresh_from_db()
    assert (lead.last_name, lead.company, lead.source) == ("Lee-Smith", "Acme", LeadSource.REFERRAL)
    assert (second.created_count, second.updated_count) == (0, 1)
    assert Lead.objects.count() == 1
    assert lead.history.filter(history_type="~", last_name="Lee-Smith").exists()


@pytest.mark.parametrize(
    ("policy", "leads", "counts"),
    [
        (DuplicatePolicy.SKIP, [("Ann", "Lee")], (1, 0, 1)),
        (DuplicatePolicy.UPDATE, [("Ann", "Lee-Smith")], (1, 1, 0)),
        (DuplicatePolicy.CREATE, [("Ann", "Lee"), ("Ann", "Lee-Smith")], (2, 0, 0)),
    ],
)
def test_duplicates_inside_the_file_follow_the_users_choice(run, rep, policy, leads, counts):
    data = _csv("Ann,Lee,ann@example.com,Acme,", "Ann,Lee-Smith,Ann@Example.com,,")

    lead_import = run(rep, data, duplicate_policy=policy)

    assert sorted(Lead.objects.values_list("first_name", "last_name")) == leads
    assert (lead_import.created_count, lead_import.updated_count, lead_import.skipped_count) == counts
    if policy == DuplicatePolicy.SKIP:
        assert _problems(lead_import) == [(3, "", "Skipped: same email address as line 2.")]


def test_a_contacts_email_counts_as_a_duplicate(run, rep):
    contact = ContactFactory(email="Ann@Example.COM", owner=rep)

    lead_import = run(rep, _csv("Ann,Lee,ann@example.com,Acme,"))

    assert not Lead.objects.exists()
    assert _problems(lead_import) == [(2, "", f"Skipped: same email address as contact #{contact.pk}.")]


def test_a_lead_with_the_same_phone_digits_is_a_duplicate(run, rep):
    LeadFactory(
        owner=rep, email="", email_normalized="", phone="+1 555 010 2030", phone_normalized="15550102030"
    )

    lead_import = run(rep, b"Company,Phone\nAcme,1-555-010-2030\n")

    assert lead_import.skipped_count == 1
    assert Lead.objects.count() == 1


def test_update_never_changes_a_lead_the_importer_may_not_change(run, rep, outsider):
    lead = LeadFactory(owner=outsider, email="ann@example.com", email_normalized="ann@example.com")

    lead_import = run(rep, _csv("Ann,Hacked,ann@example.com,,"), duplicate_policy=DuplicatePolicy.UPDATE)

    lead.refresh_from_db()
    assert lead.last_name != "Hacked"
    assert lead_import.skipped_count == 1
    assert "which you may not change" in _problems(lead_import)[0][2]


def test_formula_looking_text_is_stored_as_typed_and_neutralised_in_the_error_file(run, rep):
    lead_import = run(rep, _csv("=cmd(),Lee,ann@example.com,@SUM(1),", "Bob,-2+3,bob@, =HYPERLINK(1),"))

    lead = Lead.objects.get()
    assert (lead.first_name, lead.company) == ("=cmd()", "@SUM(1)")  # as the lead form would store them
    report = list(csv.reader(io.StringIO("".join(import_report_lines(lead_import)).lstrip("\ufeff"))))
    assert report[0] == [
        "Line",
        "Problems",
        "First Name",
        "Last Name",
        "Email Address",
        "Company Name",
        "Lead Source",
    ]
    assert report[1] == [
        "3",
        'Email Address: "bob@" is not a valid email address.',
        "Bob",
        "'-2+3",
        "bob@",
        "' =HYPERLINK(1)",
        "",
    ]


def test_the_error_file_has_one_line_per_rejected_row_with_all_its_problems_in_one_cell(run, rep):
    lead_import = run(
        rep,
        _csv(
            "Ann,Lee,ann@example.com,Acme,",
            "Bob,Ray,bob@,Initech,Carrier pigeon",
            ",,,,",
            "Cleo,Fox,cleo@,Globex,",
        ),
    )

    report = list(csv.reader(io.StringIO("".join(import_report_lines(lead_import)).lstrip("\ufeff"))))

    assert [row[:2] for row in report[1:]] == [
        [
            "3",
            'Email Address: "bob@" is not a valid email address.\n'
            'Lead Source: "Carrier pigeon" is not a lead source we know; use one of: '
            "Manual entry, Import, Web form, API, Campaign, Referral.",
        ],
        ["5", 'Email Address: "cleo@" is not a valid email address.'],
    ]
    assert report[1][2:] == ["Bob", "Ray", "bob@", "Initech", "Carrier pigeon"]
    assert lead_import.error_count == 2


def test_a_windows_1252_file_with_accents_imports_correctly(run, rep):
    data = "Vorname;Nachname;E-Mail;Firma\nFrançoise;Müller;francoise@example.com;Café Ñandú\n".encode(
        "cp1252"
    )

    run(
        rep,
        data,
        mapping={"Vorname": "first_name", "Nachname": "last_name", "E-Mail": "email", "Firma": "company"},
    )

    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.company) == ("Françoise", "Müller", "Café Ñandú")


def test_an_xlsx_workbook_imports(run, rep):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["First Name", "Email Address", "No. of Employees", "Phone"])
    sheet.append(["Ann", "ann@example.com", 250, 4930123456])
    buffer = io.BytesIO()
    workbook.save(buffer)

    lead_import = run(rep, buffer.getvalue(), name="export.xlsx")

    lead = Lead.objects.get()
    assert (lead.first_name, lead.employee_count, lead.phone_normalized) == ("Ann", 250, "4930123456")
    assert lead_import.file.name.endswith(".xlsx")


def test_a_file_over_the_row_limit_is_refused_up_front_with_the_limit(rep):
    LeadSettings.objects.update_or_create(id=1, defaults={"import_max_rows": 2})

    with pytest.raises(Invalid, match="more than 2 rows; the largest import is 2 rows") as refused:
        import_upload(actor=rep, file=SimpleUploadedFile("big.csv", _csv("A,,,,", "B,,,,", "C,,,,")))
    assert (refused.value.code, refused.value.field) == ("too_many_rows", "file")
    assert not LeadImport.objects.exists()


def test_a_file_over_the_size_limit_is_refused_up_front_with_the_limit(rep):
    LeadSettings.objects.update_or_create(id=1, defaults={"import_max_megabytes": 1})
    data = _csv(*[f"Name{n},,,," for n in range(120_000)])

    with pytest.raises(Invalid, match=r"The file is 1\.\d MB; the largest import is 1 MB") as refused:
        import_upload(actor=rep, file=SimpleUploadedFile("big.csv", data))
    assert (refused.value.code, refused.value.field) == ("file_too_large", "file")
    assert not LeadImport.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (HEADER.encode(), "Line 1 names the columns, but no rows of data follow it."),
        (b"Ann,Lee,ann@example.com\n", "Line 1 looks like data, not column names"),
        (b'Name,Company\nAnn,"Acme\n', "Line 2 cannot be read as CSV"),
    ],
)
def test_a_malformed_file_is_refused_with_a_clear_message_and_nothing_is_kept(rep, data, message):
    with pytest.raises(Invalid, match=message.replace("(", r"\(").replace(".", r"\.")) as refused:
        import_upload(actor=rep, file=SimpleUploadedFile("bad.csv", data))
    assert refused.value.field == "file"
    assert not LeadImport.objects.exists()


def test_the_job_ends_done_with_the_counts_and_tells_the_importer(run, rep):
    lead_import = run(rep, GOOD_AND_BAD)

    job = BackgroundJob.objects.get(pk=lead_import.job_id)
    assert job.status == JobStatus.DONE
    assert (job.done, job.total) == (3, 3)
    assert job.result == {"created": 2, "updated": 0, "skipped": 0, "errors": 1}
    assert job.message == "leads.csv: 2 created, 0 updated, 0 skipped as duplicates, 1 with errors."
    assert Notification.objects.filter(recipient=rep, message=job.message).exists()


def test_each_imported_lead_gets_its_created_event_and_history(run, rep):
    lead_import = run(rep, GOOD_AND_BAD)

    lead_type = ContentType.objects.get_for_model(Lead)
    created = LifecycleEvent.objects.filter(type=events.LEAD_CREATED, content_type=lead_type)
    assert sorted(created.values_list("object_id", flat=True)) == sorted(
        Lead.objects.values_list("pk", flat=True)
    )
    assert {(event.actor_id, event.data["source"], event.data["import_id"]) for event in created} == {
        (rep.pk, "import", lead_import.pk)
    }
    assert Lead.history.filter(history_type="+", history_user=rep).count() == 2


def test_without_a_source_column_leads_come_from_import(run, rep):
    run(rep, b"Name,Email\nAnn Lee,ann@example.com\n")

    assert Lead.objects.get().source == LeadSource.IMPORT


def test_a_manager_leaves_imported_leads_in_the_queue_or_gives_them_to_a_team_member(run, manager, rep):
    run(manager, _csv("Ann,Lee,ann@example.com,,"))
    run(manager, _csv("Cleo,Fox,cleo@example.com,,"), owner=rep)

    assert dict(Lead.objects.values_list("first_name", "owner")) == {"Ann": None, "Cleo": rep.pk}
    assert Notification.objects.filter(recipient=rep, message__contains="imported 1 lead for you").exists()


def test_a_rep_cannot_give_imported_leads_to_someone_else(rep, teammate):
    lead_import = import_upload(actor=rep, file=SimpleUploadedFile("a.csv", _csv("Ann,,,,")))

    with pytest.raises(Invalid) as refused:
        import_confirm(
            actor=rep,
            import_id=lead_import.pk,
            mapping=lead_import.mapping,
            duplicate_policy=DuplicatePolicy.SKIP,
            all_or_nothing=False,
            owner=teammate,
        )

    assert (refused.value.code, refused.value.field) == ("owner_not_assignable", "owner")


def test_a_marketer_cannot_import(marketer):
    with pytest.raises(Forbidden) as refused:
        import_upload(actor=marketer, file=SimpleUploadedFile("a.csv", _csv("Ann,,,,")))

    assert refused.value.code == "create_not_allowed"


def test_confirming_twice_queues_one_job(run, rep, django_capture_on_commit_callbacks):
    lead_import = run(rep, _csv("Ann,Lee,ann@example.com,,"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = import_confirm(
            actor=rep,
            import_id=lead_import.pk,
            mapping=lead_import.mapping,
            duplicate_policy=DuplicatePolicy.CREATE,
            all_or_nothing=False,
            owner=None,
        )

    assert callbacks == []
    assert again.job_id == lead_import.job_id
    assert Lead.objects.count() == 1


def test_running_a_finished_import_again_changes_nothing(run, rep):
    lead_import = run(rep, _csv("Ann,Lee,ann@example.com,,"), duplicate_policy=DuplicatePolicy.CREATE)

    job_run(job_id=_job_id(lead_import), worker="celery@other")

    assert Lead.objects.count() == 1


class WorkerLost(BaseException):
    """What a killed worker looks like from inside: the run stops between two chunks."""


def test_a_crashed_run_resumes_after_its_last_committed_chunk_without_duplicates(
    run, rep, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(running, "CHUNK_ROWS", 2)
    real_plan = chunks.plan_chunk
    calls = []

    def crash_on_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise WorkerLost
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(importer, "plan_chunk", crash_on_second_chunk)
    data = _csv(*[f"P{n},L{n},p{n}@example.com,," for n in range(5)])
    with pytest.raises(WorkerLost):
        run(rep, data, duplicate_policy=DuplicatePolicy.CREATE)
    lead_import = LeadImport.objects.get()
    assert Lead.objects.count() == 2
    assert BackgroundJob.objects.get().status == JobStatus.RUNNING

    job_run(job_id=_job_id(lead_import), worker="celery@other")  # the lease is live: nothing happens
    assert Lead.objects.count() == 2
    BackgroundJob.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    job_run(job_id=_job_id(lead_import), worker="celery@other")  # the lease expired: resumed

    lead_import.refresh_from_db()
    assert sorted(Lead.objects.values_list("first_name", flat=True)) == ["P0", "P1", "P2", "P3", "P4"]
    assert lead_import.created_count == 5
    assert BackgroundJob.objects.get().status == JobStatus.DONE


def test_the_preview_shows_each_rows_errors_and_duplicates(rep):
    LeadFactory(owner=rep, email="cleo@example.com", email_normalized="cleo@example.com")
    lead_import = import_upload(actor=rep, file=SimpleUploadedFile("a.csv", GOOD_AND_BAD))

    preview = import_preview(lead_import=lead_import)

    assert [row.line for row in preview.rows] == [2, 3, 4]
    assert [str(problem) for problem in preview.rows[1].problems] == [
        'Email Address: "bob@" is not a valid email address.'
    ]
    assert preview.rows[2].duplicate.startswith("same email address as lead #")
    assert preview.rows[0].problems == ()
    assert preview.rows[0].duplicate == ""


def test_the_preview_follows_a_corrected_mapping(rep):
    lead_import = import_upload(actor=rep, file=SimpleUploadedFile("a.csv", GOOD_AND_BAD))

    preview = import_preview(lead_import=lead_import, mapping={**lead_import.mapping, "Email Address": ""})

    assert all(row.problems == () for row in preview.rows)
    assert [column.field_label for column in preview.columns][2] == ""


def test_imported_leads_without_an_owner_go_through_the_assignment_rules(run, manager, rep, admin_user):
    assignment_rule_create(
        actor=admin_user,
        name="Ann's region",
        criteria=[{"field": "email", "operator": "contains", "value": "ann@"}],
        assign_to_user=rep,
    )

    run(manager, _csv("Ann,Lee,ann@example.com,,", "Cleo,Fox,cleo@example.com,,"))

    assert dict(Lead.objects.values_list("first_name", "owner")) == {"Ann": rep.pk, "Cleo": None}


def test_imported_leads_left_in_the_queue_stay_there_whatever_the_assignment_rules(
    run, manager, rep, admin_user
):
    assignment_rule_create(
        actor=admin_user,
        name="Everyone to the rep",
        criteria=[{"field": "email", "operator": "contains", "value": "@"}],
        assign_to_user=rep,
    )

    lead_import = run(
        manager, _csv("Ann,Lee,ann@example.com,,", "Cleo,Fox,cleo@example.com,,"), run_assignment_rules=False
    )

    assert dict(Lead.objects.values_list("first_name", "owner")) == {"Ann": None, "Cleo": None}
    assert (lead_import.owner, lead_import.run_assignment_rules) == (None, False)


# External ids: the same export imported again -----------------------------------------------------


def test_a_salesforce_export_imported_again_updates_its_leads_even_after_their_emails_changed(run, rep):
    first = run(
        rep,
        b"Lead ID,First Name,Last Name,Email,Company\n"
        b"00Q1,Ann,Lee,ann@example.com,Acme\n00Q2,Bob,Ray,bob@example.com,Initech\n",
    )
    again = run(
        rep,
        b"Lead ID,First Name,Last Name,Email,Company\n"
        b"00Q1,Ann,Lee,ann.lee@acme.example,Acme\n00Q2,Bob,Ray,bob@example.com,Initech Ltd\n",
        duplicate_policy=DuplicatePolicy.UPDATE,
    )

    assert (first.created_count, again.created_count, again.updated_count) == (2, 0, 2)
    assert sorted(Lead.objects.values_list("external_source", "external_id", "email", "company")) == [
        ("salesforce", "00Q1", "ann.lee@acme.example", "Acme"),
        ("salesforce", "00Q2", "bob@example.com", "Initech Ltd"),
    ]


def test_create_never_doubles_a_lead_its_external_id_names_and_skip_leaves_it(run, rep):
    data = b"External ID,External Source,Last Name,Company\n7,HubSpot,Lee,Acme\n"
    run(rep, data)
    lead = Lead.objects.get()

    created = run(rep, data.replace(b"Acme", b"Acme Inc"), duplicate_policy=DuplicatePolicy.CREATE)
    skipped = run(rep, data.replace(b"Acme", b"Acme Corp"), duplicate_policy=DuplicatePolicy.SKIP)

    lead.refresh_from_db()
    assert Lead.objects.count() == 1
    assert (lead.external_source, lead.company) == ("hubspot", "Acme Inc")
    assert (created.created_count, created.updated_count, skipped.skipped_count) == (0, 1, 1)
    assert _problems(skipped) == [(2, "", f"Skipped: same external id as lead #{lead.pk} (Lee).")]


def test_an_external_id_twice_in_one_file_imports_the_first_row_and_names_it_on_the_second(run, rep):
    lead_import = run(
        rep,
        b"Salesforce ID,Last Name,Company\n00Q1,Lee,Acme\n00Q1,Ray,Initech\n",
        duplicate_policy=DuplicatePolicy.UPDATE,
    )

    assert list(Lead.objects.values_list("last_name", flat=True)) == ["Lee"]
    assert (lead_import.created_count, lead_import.error_count) == (1, 1)
    assert _problems(lead_import) == [
        (
            3,
            "",
            "Not imported: same external id as line 2; an external id names one lead, so give it one row.",
        )
    ]


def test_an_external_id_without_its_system_is_a_row_error_naming_the_column(run, rep):
    lead_import = run(rep, b"External ID,Last Name,Company\n7,Lee,Acme\n")

    assert not Lead.objects.exists()
    assert _problems(lead_import) == [
        (
            2,
            "External ID",
            "An external id needs the system it comes from: map a column to External source, or name the "
            "system in this column's header (e.g. Salesforce ID).",
        )
    ]


def test_the_export_of_leads_from_another_system_imports_back_as_updates_of_them(run, rep, client):
    run(rep, b"Salesforce ID,First Name,Last Name,Email,Company\n00Q1,Ann,Lee,ann@example.com,Acme\n")
    client.force_login(rep)
    exported = b"".join(client.get(reverse("leads:export")).streaming_content)

    again = run(rep, exported.replace(b"Acme", b"Acme Inc"), duplicate_policy=DuplicatePolicy.UPDATE)

    (lead,) = Lead.objects.all()
    assert (lead.company, lead.external_source, lead.external_id) == ("Acme Inc", "salesforce", "00Q1")
    assert (again.created_count, again.updated_count, again.error_count) == (0, 1, 0)


def test_a_keyed_row_updates_its_lead_even_when_an_earlier_row_of_the_file_shares_its_email(run, rep):
    run(rep, b"Salesforce ID,Last Name,Email\n00Q1,Lee,ann@example.com\n")
    keyed = Lead.objects.get()

    lead_import = run(
        rep,
        b"Salesforce ID,Last Name,Email\n,Newcomer,new@example.com\n00Q1,Lee-Smith,new@example.com\n",
        duplicate_policy=DuplicatePolicy.UPDATE,
    )

    keyed.refresh_from_db()
    assert (keyed.last_name, keyed.email) == ("Lee-Smith", "new@example.com")
    assert (lead_import.created_count, lead_import.updated_count) == (1, 1)
    assert Lead.objects.filter(external_id="00Q1").count() == 1
