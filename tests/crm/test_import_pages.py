"""The record import pages as a person uses them: choose the record type and upload, correct the columns,
start, watch, download the rows not imported."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from crm.imports.services import record_import_upload
from crm.models import Account, BackgroundJob, ImportStatus, RecordImport, RecordImportProblem, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CSV = b"Account Name,Website,Industry\nAcme,acme.example,Software\nInitech,nowhere,Banking\n"
CONTROL = re.compile(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*>')
CONTROL_ID = re.compile(r'\bid="([^"]+)"')


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _upload(client: Client, data: bytes = CSV, name: str = "accounts.csv", kind: str = "accounts"):
    return client.post(reverse("imports:upload"), {"kind": kind, "file": SimpleUploadedFile(name, data)})


def _uploaded(user, name: str = "accounts.csv") -> RecordImport:
    return record_import_upload(actor=user, kind="accounts", file=SimpleUploadedFile(name, CSV))


def _start(client: Client, record_import: RecordImport, **changes: str):
    form = {
        "column_0": "name",
        "column_1": "domain",
        "column_2": "industry",
        "duplicate_policy": "skip",
        **changes,
    }
    return client.post(reverse("imports:confirm", args=[record_import.pk]), form)


def test_uploading_a_file_leads_to_its_columns_guessed_and_the_preview_with_each_rows_errors(
    as_user, admin_user
):
    client = as_user(admin_user)

    response = _upload(client)

    record_import = RecordImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("imports:mapping", args=[record_import.pk])
    assert record_import.kind == "accounts"
    assert record_import.mapping == {"Account Name": "name", "Website": "domain", "Industry": "industry"}
    html = client.get(response.url).content.decode()
    assert re.search(r'<label class="form-label" for="id_column_1">Website</label>', html)
    assert '<option value="name" selected>Account name</option>' in html
    assert "→ Website or domain" in html
    assert "Website: &quot;nowhere&quot; is not a web address or domain" in html
    assert "Rows that match an existing record or an earlier row of the file" in html
    assert '<option value="" selected>Me</option>' in html


def test_every_control_on_the_mapping_page_has_a_label(as_user, admin_user):
    client = as_user(admin_user)
    _upload(client)

    html = client.get(reverse("imports:mapping", args=[RecordImport.objects.get().pk])).content.decode()

    controls = CONTROL.findall(html)
    assert len(controls) > 5
    unlabelled = [
        control
        for control in controls
        if not ((found := CONTROL_ID.search(control)) and f'for="{found.group(1)}"' in html)
    ]
    assert unlabelled == []


def test_changing_a_column_refreshes_the_preview_without_saving_the_mapping(as_user, admin_user):
    client = as_user(admin_user)
    _upload(client)
    record_import = RecordImport.objects.get()

    response = client.post(
        reverse("imports:mapping", args=[record_import.pk]),
        {"column_0": "name", "column_1": "", "column_2": "industry", "duplicate_policy": "skip"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="import-preview"')
    assert "nowhere" in html
    assert "not a web address" not in html
    assert "→ Website or domain" not in html
    record_import.refresh_from_db()
    assert record_import.mapping["Website"] == "domain"


def test_the_preview_says_what_the_mapping_lacks(as_user, admin_user):
    client = as_user(admin_user)
    _upload(client)
    record_import = RecordImport.objects.get()

    response = client.post(
        reverse("imports:mapping", args=[record_import.pk]),
        {"column_0": "", "column_1": "domain", "column_2": "industry", "duplicate_policy": "skip"},
        headers={"HX-Request": "true"},
    )

    assert "Map a column to the account name: every account needs one." in response.content.decode()


def test_two_columns_for_one_field_are_refused_on_the_page(as_user, admin_user):
    client = as_user(admin_user)
    _upload(client)
    record_import = RecordImport.objects.get()

    response = _start(client, record_import, column_2="name")

    assert response.status_code == 200
    assert "both fill Account name" in response.content.decode()
    record_import.refresh_from_db()
    assert record_import.status == ImportStatus.MAPPING


def test_starting_the_import_shows_the_progress_and_the_result_with_the_error_download(
    as_user, admin_user, django_capture_on_commit_callbacks
):
    client = as_user(admin_user)
    _upload(client)
    record_import = RecordImport.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = _start(client, record_import)

    assert response.url == reverse("imports:detail", args=[record_import.pk])
    record_import.refresh_from_db()
    assert record_import.status == ImportStatus.DONE
    html = client.get(response.url).content.decode()
    assert 'role="progressbar"' in html
    assert 'aria-valuenow="100"' in html
    assert "1 created, 0 updated, 0 skipped as duplicates, 1 with errors" in html
    assert re.search(r"<dt[^>]*>Created</dt>\s*<dd[^>]*>1</dd>", html)
    assert re.search(r"<dt[^>]*>Rows with errors</dt>\s*<dd[^>]*>1</dd>", html)
    assert f'href="{reverse("account-list")}">Go to the accounts</a>' in html
    assert reverse("imports:errors", args=[record_import.pk]) in html
    assert Account.objects.get().name == "Acme"


def test_a_started_import_shows_its_job_queued_until_a_worker_takes_it(as_user, admin_user):
    client = as_user(admin_user)
    _upload(client)
    record_import = RecordImport.objects.get()

    response = _start(client, record_import)  # no commit in the test's transaction: no worker is woken

    html = client.get(response.url).content.decode()
    record_import.refresh_from_db()
    assert record_import.status == ImportStatus.QUEUED
    assert re.search(rf'<span id="job-{record_import.job_id}-status"[^>]*>Queued</span>', html)
    assert 'aria-valuenow="0"' in html
    assert 'hx-trigger="every 2s"' in html
    assert "Go to the accounts" not in html
    assert not Account.objects.exists()


def test_the_error_file_downloads_with_the_bad_rows_line_and_values(
    as_user, admin_user, django_capture_on_commit_callbacks
):
    client = as_user(admin_user)
    _upload(client)
    record_import = RecordImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        _start(client, record_import)

    response = client.get(reverse("imports:errors", args=[record_import.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="accounts-not-imported.csv"'
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Line,Problems,Account Name,Website,Industry"
    assert lines[1].startswith('3,"Website: ""nowhere"" is not a web address or domain')
    assert lines[1].endswith(",Initech,nowhere,Banking")


def test_a_manager_may_make_a_teammate_the_owner_of_the_new_records(
    as_user, manager, rep, django_capture_on_commit_callbacks
):
    client = as_user(manager)
    _upload(client)
    record_import = RecordImport.objects.get()
    mapping = client.get(reverse("imports:mapping", args=[record_import.pk])).content.decode()
    assert f'<option value="{rep.pk}">{rep}</option>' in mapping

    with django_capture_on_commit_callbacks(execute=True):
        _start(client, record_import, owner=str(rep.pk))

    assert Account.objects.get().owner == rep
    detail = client.get(reverse("imports:detail", args=[record_import.pk])).content.decode()
    assert f"owner of the new records: {rep}" in detail


def test_a_rep_owns_the_accounts_they_import(as_user, rep, outsider, django_capture_on_commit_callbacks):
    client = as_user(rep)
    _upload(client)
    record_import = RecordImport.objects.get()
    mapping = client.get(reverse("imports:mapping", args=[record_import.pk])).content.decode()
    assert f'value="{outsider.pk}"' not in mapping

    with django_capture_on_commit_callbacks(execute=True):
        _start(client, record_import, owner="")

    assert Account.objects.get().owner == rep


def test_the_result_section_polls_until_the_import_ends(as_user, rep):
    record_import = _uploaded(rep)
    RecordImport.objects.filter(pk=record_import.pk).update(status=ImportStatus.RUNNING)
    client = as_user(rep)
    url = reverse("imports:detail", args=[record_import.pk])

    running = client.get(url, headers={"HX-Request": "true"})
    RecordImport.objects.filter(pk=record_import.pk).update(status=ImportStatus.DONE)
    finished = client.get(url, headers={"HX-Request": "true"})

    assert running.status_code == 200
    assert 'hx-trigger="every 2s"' in running.content.decode()
    assert finished.status_code == 286
    assert "hx-trigger" not in finished.content.decode()


def test_a_started_import_opens_on_its_detail_page_not_its_mapping(as_user, rep):
    record_import = _uploaded(rep)
    RecordImport.objects.filter(pk=record_import.pk).update(status=ImportStatus.QUEUED)
    client = as_user(rep)

    mapping = client.get(reverse("imports:mapping", args=[record_import.pk]))
    confirm = _start(client, record_import)

    assert mapping.url == confirm.url == reverse("imports:detail", args=[record_import.pk])


def test_an_admin_sees_another_users_import_but_only_its_uploader_maps_it(as_user, rep, admin_user):
    record_import = _uploaded(rep)
    client = as_user(admin_user)

    detail = client.get(reverse("imports:detail", args=[record_import.pk]))
    mapping = client.get(reverse("imports:mapping", args=[record_import.pk]))

    assert detail.status_code == 200
    assert "Check the columns and start it" not in detail.content.decode()
    assert mapping.url == reverse("imports:detail", args=[record_import.pk])


def test_the_upload_page_preselects_the_record_type_asked_for(as_user, rep):
    html = as_user(rep).get(reverse("imports:upload"), {"kind": "accounts"}).content.decode()

    assert '<option value="accounts" selected>Accounts</option>' in html


def test_a_file_without_a_header_is_refused_on_the_upload_page_naming_the_line(as_user, rep):
    response = _upload(as_user(rep), data=b"Acme,info@acme.example,Software\n")

    assert response.status_code == 200
    assert "Line 1 looks like data, not column names" in response.content.decode()
    assert not RecordImport.objects.exists()


def test_a_record_type_that_is_not_offered_is_refused_on_the_form(as_user, rep):
    response = _upload(as_user(rep), kind="spaceships")

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not RecordImport.objects.exists()


@pytest.mark.parametrize("role", [Role.MARKETER, Role.SUPPORT_AGENT])
def test_people_whose_role_may_not_import_are_refused(as_user, role):
    client = as_user(UserFactory(role=role))

    assert client.get(reverse("imports:upload")).status_code == 403
    assert _upload(client).status_code == 403
    assert not RecordImport.objects.exists()
    listed = client.get(reverse("imports:list")).content.decode()
    assert "New import" not in listed
    assert "Your role does not import records; an admin can import them for you." in listed
    assert reverse("imports:upload") not in client.get(reverse("account-list")).content.decode()


def test_the_account_list_offers_the_import_of_accounts(as_user, rep):
    html = as_user(rep).get(reverse("account-list")).content.decode()

    assert f'href="{reverse("imports:upload")}?kind=accounts"' in html


@pytest.mark.parametrize("name", ["imports:detail", "imports:mapping", "imports:errors"])
def test_another_users_import_is_not_found(as_user, rep, outsider, name):
    record_import = _uploaded(outsider, "theirs.csv")

    assert as_user(rep).get(reverse(name, args=[record_import.pk])).status_code == 404


def test_another_users_import_cannot_be_started(as_user, rep, outsider):
    record_import = _uploaded(outsider, "theirs.csv")

    assert _start(as_user(rep), record_import).status_code == 404
    record_import.refresh_from_db()
    assert record_import.status == ImportStatus.MAPPING


def test_the_list_shows_a_user_their_own_imports_and_an_admin_everyones(as_user, rep, outsider, admin_user):
    _uploaded(rep, "mine.csv")
    _uploaded(outsider, "theirs.csv")

    mine = as_user(rep).get(reverse("imports:list")).content.decode()
    everyone = as_user(admin_user).get(reverse("imports:list")).content.decode()

    assert "mine.csv" in mine
    assert "theirs.csv" not in mine
    assert "<td>Accounts</td>" in mine
    assert "Waiting for the column mapping" in mine
    assert "New import" in mine
    assert "mine.csv" in everyone
    assert "theirs.csv" in everyone


def test_the_import_list_costs_the_same_queries_with_many_imports(as_user, assert_same_query_count, rep):
    _uploaded(rep, "first.csv")
    client = as_user(rep)

    def grow():
        for number in range(20):
            record_import = _uploaded(rep, f"f{number}.csv")
            record_import.job = BackgroundJob.objects.create(kind="Import", created_by=rep)
            record_import.owner = rep
            record_import.save()

    assert_same_query_count(lambda: client.get(reverse("imports:list")), grow=grow)


def test_the_import_page_costs_the_same_queries_with_many_errors(as_user, assert_same_query_count, rep):
    record_import = _uploaded(rep, "first.csv")
    record_import.job = BackgroundJob.objects.create(kind="Import", created_by=rep)
    record_import.status = ImportStatus.DONE
    record_import.save()
    client = as_user(rep)
    url = reverse("imports:detail", args=[record_import.pk])

    def grow():
        RecordImportProblem.objects.bulk_create(
            RecordImportProblem(record_import=record_import, line=line, field="Website", message="bad")
            for line in range(50)
        )

    assert_same_query_count(lambda: client.get(url), grow=grow)
