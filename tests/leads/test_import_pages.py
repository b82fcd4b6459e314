"""The import pages as a person uses them: upload, correct the columns, start, watch, download."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from crm.models import BackgroundJob, JobStatus, Role
from leads.assignment.services import assignment_rule_create
from leads.importing.services import import_upload
from leads.models import ImportStatus, Lead, LeadImport, LeadImportError, LeadSettings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CSV = (
    b"First Name,Last Name,Email Address,Company Name,Lead Source\n"
    b"Ann,Lee,ann@example.com,Acme,Web\n"
    b"Bob,Ray,bob@,Initech,\n"
)
CONTROL = re.compile(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*>')
CONTROL_ID = re.compile(r'\bid="([^"]+)"')


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def as_user(client: Client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


def _upload(client, data=CSV, name="leads.csv"):
    return client.post(reverse("leads:import-upload"), {"file": SimpleUploadedFile(name, data)})


def _start(client, lead_import, **changes):
    form = {
        "column_0": "first_name",
        "column_1": "last_name",
        "column_2": "email",
        "column_3": "company",
        "column_4": "source",
        "duplicate_policy": "skip",
        **changes,
    }
    return client.post(reverse("leads:import-confirm", args=[lead_import.pk]), form)


def test_uploading_a_file_leads_to_its_columns_guessed_and_the_preview_with_each_rows_errors(as_user, rep):
    client = as_user(rep)

    response = _upload(client)

    lead_import = LeadImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("leads:import-mapping", args=[lead_import.pk])
    html = client.get(response.url).content.decode()
    assert re.search(r'<label class="form-label" for="id_column_2">Email Address</label>', html)
    assert re.search(r'<option value="email" selected>Email</option>', html)
    assert "Email Address: &quot;bob@&quot; is not a valid email address." in html
    assert "→ Source" in html


def test_every_control_on_the_mapping_page_has_a_label(as_user, rep):
    client = as_user(rep)
    _upload(client)

    html = client.get(reverse("leads:import-mapping", args=[LeadImport.objects.get().pk])).content.decode()

    controls = CONTROL.findall(html)
    assert len(controls) > 5
    unlabelled = [
        control
        for control in controls
        if not ((found := CONTROL_ID.search(control)) and f'for="{found.group(1)}"' in html)
    ]
    assert unlabelled == []


def test_changing_a_column_refreshes_the_preview_without_saving_the_mapping(as_user, rep):
    client = as_user(rep)
    _upload(client)
    lead_import = LeadImport.objects.get()

    response = client.post(
        reverse("leads:import-mapping", args=[lead_import.pk]),
        {"column_0": "first_name", "column_2": "", "duplicate_policy": "skip"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="import-preview"')
    assert "bob@" in html
    assert "not a valid email address" not in html
    lead_import.refresh_from_db()
    assert lead_import.mapping["Email Address"] == "email"


def test_two_columns_for_one_field_are_refused_on_the_page(as_user, rep):
    client = as_user(rep)
    _upload(client)
    lead_import = LeadImport.objects.get()

    response = _start(client, lead_import, column_3="email")

    assert response.status_code == 200
    assert "both fill Email" in response.content.decode()
    lead_import.refresh_from_db()
    assert lead_import.status == ImportStatus.MAPPING


def test_starting_the_import_shows_the_progress_and_the_result_with_the_error_download(
    as_user, rep, django_capture_on_commit_callbacks
):
    client = as_user(rep)
    _upload(client)
    lead_import = LeadImport.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = _start(client, lead_import)

    assert response.url == reverse("leads:import-detail", args=[lead_import.pk])
    html = client.get(response.url).content.decode()
    assert 'role="progressbar"' in html
    assert 'aria-valuenow="100"' in html
    assert "1 created, 0 updated, 0 skipped as duplicates, 1 with errors" in html
    assert re.search(r"<dt[^>]*>Rows with errors</dt>\s*<dd[^>]*>1</dd>", html)
    assert reverse("leads:import-errors", args=[lead_import.pk]) in html
    report = b"".join(client.get(reverse("leads:import-errors", args=[lead_import.pk])).streaming_content)
    assert report.decode("utf-8-sig").splitlines()[1] == (
        '3,"Email Address: ""bob@"" is not a valid email address.",Bob,Ray,bob@,Initech,'
    )
    assert Lead.objects.get().email == "ann@example.com"


def test_the_result_section_polls_until_the_import_ends(as_user, rep):
    client = as_user(rep)
    _upload(client)
    lead_import = LeadImport.objects.get()
    LeadImport.objects.filter(pk=lead_import.pk).update(status=ImportStatus.RUNNING)
    url = reverse("leads:import-detail", args=[lead_import.pk])

    running = client.get(url, headers={"HX-Request": "true"})
    LeadImport.objects.filter(pk=lead_import.pk).update(status=ImportStatus.DONE)
    finished = client.get(url, headers={"HX-Request": "true"})

    assert running.status_code == 200
    assert 'hx-trigger="every 2s"' in running.content.decode()
    assert finished.status_code == 286
    assert "hx-trigger" not in finished.content.decode()


def test_a_file_over_the_size_limit_is_refused_on_the_upload_page_with_the_limit(as_user, rep):
    LeadSettings.objects.update_or_create(id=1, defaults={"import_max_megabytes": 1})

    response = _upload(as_user(rep), data=CSV + b"Carl,Fox,carl@example.com,Globex,\n" * 40_000)

    assert response.status_code == 200
    assert "the largest import is 1 MB" in response.content.decode()
    assert not LeadImport.objects.exists()


def test_a_file_without_a_header_is_refused_on_the_upload_page_naming_the_line(as_user, rep):
    response = _upload(as_user(rep), data=b"Ann,Lee,ann@example.com\n")

    assert "Line 1 looks like data, not column names" in response.content.decode()


@pytest.mark.parametrize("role", [Role.MARKETER, Role.SUPPORT_AGENT])
def test_people_who_cannot_create_leads_cannot_import(as_user, role):
    client = as_user(UserFactory(role=role))

    assert client.get(reverse("leads:import-upload")).status_code == 403
    assert _upload(client).status_code == 403


@pytest.mark.parametrize("name", ["import-detail", "import-mapping", "import-errors"])
def test_another_users_import_is_not_found(as_user, rep, outsider, name):
    lead_import = import_upload(actor=outsider, file=SimpleUploadedFile("theirs.csv", CSV))

    assert as_user(rep).get(reverse(f"leads:{name}", args=[lead_import.pk])).status_code == 404


def test_the_list_shows_a_user_their_own_imports_and_an_admin_everyones(as_user, rep, outsider, admin_user):
    import_upload(actor=rep, file=SimpleUploadedFile("mine.csv", CSV))
    import_upload(actor=outsider, file=SimpleUploadedFile("theirs.csv", CSV))

    mine = as_user(rep).get(reverse("leads:import-list")).content.decode()
    everyone = as_user(admin_user).get(reverse("leads:import-list")).content.decode()

    assert "mine.csv" in mine
    assert "theirs.csv" not in mine
    assert "mine.csv" in everyone
    assert "theirs.csv" in everyone


def test_the_import_list_costs_the_same_queries_with_many_imports(as_user, assert_same_query_count, rep):
    import_upload(actor=rep, file=SimpleUploadedFile("first.csv", CSV))
    client = as_user(rep)

    def grow():
        for number in range(20):
            lead_import = import_upload(actor=rep, file=SimpleUploadedFile(f"f{number}.csv", CSV))
            lead_import.job = BackgroundJob.objects.create(kind="lead_import", created_by=rep)
            lead_import.owner = rep
            lead_import.save()

    assert_same_query_count(lambda: client.get(reverse("leads:import-list")), grow=grow)


def test_the_import_page_costs_the_same_queries_with_many_errors(as_user, assert_same_query_count, rep):
    lead_import = import_upload(actor=rep, file=SimpleUploadedFile("first.csv", CSV))
    lead_import.job = BackgroundJob.objects.create(kind="lead_import", created_by=rep)
    lead_import.status = ImportStatus.DONE
    lead_import.save()
    client = as_user(rep)
    url = reverse("leads:import-detail", args=[lead_import.pk])

    def grow():
        LeadImportError.objects.bulk_create(
            LeadImportError(lead_import=lead_import, line=line, field="Email", message="bad")
            for line in range(50)
        )

    assert_same_query_count(lambda: client.get(url), grow=grow)


def test_a_manager_who_chooses_the_queue_finds_the_imported_leads_unassigned(
    as_user, manager, rep, admin_user, django_capture_on_commit_callbacks
):
    assignment_rule_create(
        actor=admin_user,
        name="Everyone to the rep",
        criteria=[{"field": "email", "operator": "contains", "value": "@"}],
        assign_to_user=rep,
    )
    client = as_user(manager)
    _upload(client)
    lead_import = LeadImport.objects.get()
    mapping = client.get(reverse("leads:import-mapping", args=[lead_import.pk])).content.decode()
    assert '<option value="queue">Nobody: leave them in the queue</option>' in mapping

    with django_capture_on_commit_callbacks(execute=True):
        _start(client, lead_import, owner="queue")

    assert Lead.objects.get().owner is None
    detail = client.get(reverse("leads:import-detail", args=[lead_import.pk])).content.decode()
    assert "owner: nobody (the queue)" in detail


def test_a_manager_who_leaves_the_owner_to_the_rules_gets_the_leads_assigned_by_them(
    as_user, manager, rep, admin_user, django_capture_on_commit_callbacks
):
    assignment_rule_create(
        actor=admin_user,
        name="Everyone to the rep",
        criteria=[{"field": "email", "operator": "contains", "value": "@"}],
        assign_to_user=rep,
    )
    client = as_user(manager)
    _upload(client)
    lead_import = LeadImport.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        _start(client, lead_import, owner="")

    assert Lead.objects.get().owner == rep


def test_the_import_page_badge_follows_the_job_in_the_progress_poll(as_user, rep):
    client = as_user(rep)
    _upload(client)
    lead_import = LeadImport.objects.get()
    job = BackgroundJob.objects.create(kind="Lead import", created_by=rep, total=2)
    LeadImport.objects.filter(pk=lead_import.pk).update(job=job, status=ImportStatus.QUEUED)

    page = client.get(reverse("leads:import-detail", args=[lead_import.pk])).content.decode()
    badge = re.search(rf'<span id="job-{job.pk}-status"[^>]*>(\w+)</span>', page)
    assert badge is not None
    assert badge.group(1) == "Queued"
    poll = re.search(r'hx-get="([^"]+)"', page[page.index(f'id="job-{job.pk}"') :])
    assert poll is not None

    states = []
    for status in (JobStatus.RUNNING, JobStatus.DONE):
        BackgroundJob.objects.filter(pk=job.pk).update(status=status)
        polled = client.get(poll.group(1), headers={"HX-Request": "true"}).content.decode()
        swapped = re.search(
            rf'<span id="job-{job.pk}-status"[^>]*hx-swap-oob="true"[^>]*>(\w+)</span>', polled
        )
        assert swapped is not None
        states.append(swapped.group(1))

    assert states == ["Running", "Done"]


def test_the_progress_bar_of_other_pages_sends_no_badge(as_user, rep):
    job = BackgroundJob.objects.create(kind="Rescoring", created_by=rep)

    polled = as_user(rep).get(reverse("job-progress", args=[job.pk]), headers={"HX-Request": "true"})

    assert "hx-swap-oob" not in polled.content.decode()
