"""Record imports through the API: upload, preview, start, follow the job and download the rows not
imported, with the pages' permissions; value mapping of a choice column; a constant number of queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import Account, BackgroundJob, ImportStatus, RecordImport
from crm.models.jobs import JobStatus
from sales.models import Deal, Pipeline
from tests.factories import AccountFactory, UserFactory
from tests.factories.sales import create_sales_defaults

pytestmark = pytest.mark.django_db

LIST = "/api/v1/imports/"
KINDS = "/api/v1/imports/kinds/"
CSV = b"Account Name,Website,Industry\nAcme,acme.example,Software\nInitech,nowhere,Banking\n"
BAD_WEBSITE = 'Website: "nowhere" is not a web address or domain'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def detail(pk: int) -> str:
    return f"/api/v1/imports/{pk}/"


def _upload(client, data: bytes = CSV, *, kind: str = "accounts", name: str = "accounts.csv"):
    return client.post(LIST, {"kind": kind, "file": SimpleUploadedFile(name, data)}, format="multipart")


def _start(client, pk: int, **body):
    return client.post(
        f"{detail(pk)}start/", {"duplicate_policy": "skip", "all_or_nothing": False, **body}, format="json"
    )


def test_an_accounts_file_goes_from_upload_through_preview_and_start_to_the_result_and_its_error_file(
    api_as, rep, django_capture_on_commit_callbacks
):
    client = api_as(rep)

    uploaded = _upload(client)

    assert uploaded.status_code == 201, uploaded.content
    body = uploaded.json()
    pk = body["id"]
    assert (body["kind"], body["kind_label"], body["file_name"]) == ("accounts", "Accounts", "accounts.csv")
    assert (body["status"], body["status_label"]) == ("mapping", "Waiting for the column mapping")
    assert body["mapping"] == {"Account Name": "name", "Website": "domain", "Industry": "industry"}
    assert (body["total_rows"], body["progress"], body["created_by"]) == (2, None, rep.pk)
    assert body["links"]["self"] == f"http://testserver{detail(pk)}"

    preview = client.post(f"{detail(pk)}preview/", {}, format="json")

    assert preview.status_code == 200, preview.content
    shown = preview.json()
    assert shown["columns"][1] == {"header": "Website", "field": "domain", "field_label": "Website or domain"}
    assert shown["mapping_problem"] is None
    good, bad = shown["rows"]
    assert (good["line"], good["values"], good["problems"]) == (2, ["Acme", "acme.example", "Software"], [])
    assert bad["line"] == 3
    assert [problem["column"] for problem in bad["problems"]] == ["Website"]
    assert bad["problems"][0]["message"].startswith('"nowhere" is not a web address or domain')

    with django_capture_on_commit_callbacks(execute=True):
        started = _start(client, pk)

    assert started.status_code == 202, started.content
    assert started.json()["duplicate_policy"] == "skip"
    result = client.get(detail(pk)).json()
    assert (result["status"], result["finished_at"] is not None) == ("done", True)
    counts = [result[name] for name in ("created_count", "updated_count", "skipped_count", "error_count")]
    assert counts == [1, 0, 0, 1]
    progress = result["progress"]
    assert (progress["done"], progress["total"], progress["percent"]) == (2, 2, 100)
    assert "1 created" in progress["message"]
    assert list(Account.objects.values_list("name", flat=True)) == ["Acme"]

    errors = client.get(f"{detail(pk)}errors/")

    assert errors.status_code == 200
    assert errors["Content-Type"] == "text/csv; charset=utf-8"
    assert errors["Content-Disposition"] == 'attachment; filename="accounts-not-imported.csv"'
    lines = b"".join(errors.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Line,Problems,Account Name,Website,Industry"
    assert lines[1].startswith(f'3,"{BAD_WEBSITE.replace(chr(34), chr(34) * 2)}')
    assert lines[1].endswith(",Initech,nowhere,Banking")


def test_a_second_start_changes_nothing(api_as, rep, django_capture_on_commit_callbacks):
    client = api_as(rep)
    pk = _upload(client).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        _start(client, pk)
    job = RecordImport.objects.get().job_id

    again = _start(client, pk, duplicate_policy="create", all_or_nothing=True)

    assert again.status_code == 202
    assert (again.json()["duplicate_policy"], again.json()["all_or_nothing"]) == ("skip", False)
    assert RecordImport.objects.get().job_id == job
    assert BackgroundJob.objects.count() == 1
    assert Account.objects.count() == 1


def test_a_started_import_shows_its_job_queued_until_a_worker_takes_it(api_as, rep):
    client = api_as(rep)
    pk = _upload(client).json()["id"]

    started = _start(client, pk)  # no commit in the test's transaction: no worker is woken

    body = started.json()
    assert (body["status"], body["progress"]["percent"], body["progress"]["done"]) == ("queued", 0, 0)
    assert body["progress"]["total"] == 2
    assert not Account.objects.exists()


def test_the_preview_follows_the_mapping_sent_without_saving_it_and_says_what_it_lacks(api_as, rep):
    client = api_as(rep)
    pk = _upload(client).json()["id"]

    preview = client.post(
        f"{detail(pk)}preview/",
        {"mapping": {"Account Name": "", "Website": "domain"}, "rows": 1},
        format="json",
    ).json()

    assert preview["mapping_problem"] == {
        "message": "Map a column to the account name: every account needs one.",
        "code": "identity_unmapped",
    }
    assert [column["field"] for column in preview["columns"]] == ["", "domain", ""]
    assert len(preview["rows"]) == 1
    assert RecordImport.objects.get().mapping["Account Name"] == "name"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mapping": {"Website": "no_such_field"}}, "mapping"),
        ({"rows": 51}, "rows"),
        ({"date_order": "ymd"}, "date_order"),
        ({"values": {"stage": "Won"}}, "values"),
    ],
)
def test_a_preview_refuses_what_the_page_could_not_send_naming_the_field(api_as, rep, body, field):
    client = api_as(rep)
    pk = _upload(client).json()["id"]

    response = client.post(f"{detail(pk)}preview/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_starting_with_two_columns_for_one_field_is_refused_naming_the_mapping(api_as, rep):
    client = api_as(rep)
    pk = _upload(client).json()["id"]

    response = _start(client, pk, mapping={"Account Name": "name", "Industry": "name"})

    assert response.status_code == 400
    assert "both fill Account name" in response.json()["mapping"][0]
    assert RecordImport.objects.get().status == ImportStatus.MAPPING


def test_starting_needs_the_duplicate_policy_and_all_or_nothing(api_as, rep):
    client = api_as(rep)
    pk = _upload(client).json()["id"]

    response = client.post(f"{detail(pk)}start/", {}, format="json")

    assert response.status_code == 400
    assert {"duplicate_policy", "all_or_nothing"} <= set(response.json())


def test_a_refused_upload_names_the_field(api_as, rep):
    client = api_as(rep)

    unknown = _upload(client, kind="spaceships")
    empty = _upload(client, b"Account Name,Website\n")
    missing = client.post(LIST, {"kind": "accounts"}, format="multipart")
    as_json = client.post(LIST, {"kind": "accounts", "file": "Acme"}, format="json")

    assert (unknown.status_code, list(unknown.json())) == (400, ["kind"])
    assert (empty.status_code, list(empty.json())) == (400, ["file"])
    assert "no rows of data" in empty.json()["file"][0]
    assert (missing.status_code, list(missing.json())) == (400, ["file"])
    assert as_json.status_code == 415
    assert not RecordImport.objects.exists()


def test_a_marketer_who_cannot_create_accounts_may_not_upload_them(api_as, marketer):
    client = api_as(marketer)

    response = _upload(client)

    assert response.status_code == 403
    assert response.json()["code"] == "import_not_allowed"
    assert "accounts" not in [kind["kind"] for kind in client.get(KINDS).json()]
    assert not RecordImport.objects.exists()


def test_the_kinds_are_the_record_types_the_caller_may_import_with_their_fields(api_as, rep):
    kinds = {kind["kind"]: kind for kind in api_as(rep).get(KINDS).json()}

    assert {"accounts", "contacts", "deals"} <= set(kinds)
    accounts = kinds["accounts"]
    assert accounts["label"] == "Accounts"
    assert {"name": "domain", "label": "Website or domain"} in accounts["fields"]
    assert accounts["identity"] == ["name"]


def test_another_users_import_is_404_on_every_endpoint(api_as, rep, teammate):
    pk = _upload(api_as(rep)).json()["id"]
    client = api_as(teammate)

    assert client.get(detail(pk)).status_code == 404
    assert client.post(f"{detail(pk)}preview/", {}, format="json").status_code == 404
    assert _start(client, pk).status_code == 404
    assert client.get(f"{detail(pk)}errors/").status_code == 404
    assert client.get(LIST).json()["results"] == []
    assert RecordImport.objects.get().status == ImportStatus.MAPPING


def test_an_admin_sees_every_import_but_only_the_uploader_may_start_it(api_as, rep, admin_user):
    pk = _upload(api_as(rep)).json()["id"]
    client = api_as(admin_user)

    assert [row["id"] for row in client.get(LIST).json()["results"]] == [pk]
    assert client.get(detail(pk)).json()["created_by_name"] == str(rep)
    response = _start(client, pk)
    assert (response.status_code, response.json()["code"]) == (403, "not_uploader")


def test_a_stage_that_matches_no_stage_is_listed_in_the_preview_and_imported_as_the_stage_chosen(
    api_as, rep, django_capture_on_commit_callbacks
):
    create_sales_defaults()
    AccountFactory(name="Acme", owner=rep)
    negotiation = Pipeline.objects.get(name="Sales").stages.get(name="Negotiation")
    data = (
        b"Deal Name,Account,Stage,Amount\n"
        b"Acme widgets,Acme,Contract sent,180\n"
        b"Acme more,Acme,Negotiation,90\n"
    )
    client = api_as(rep)
    pk = _upload(client, data, kind="deals", name="deals.csv").json()["id"]

    preview = client.post(f"{detail(pk)}preview/", {}, format="json").json()

    groups = {group["field"]: group for group in preview["values"]}
    (unmatched,) = [item for item in groups["stage"]["items"] if item["exact"] is None]
    assert (unmatched["cell"], unmatched["rows"], unmatched["chosen"]) == ("Contract sent", 1, None)
    assert {"key": str(negotiation.pk), "label": "Negotiation"} in groups["stage"]["options"]
    assert groups["stage"]["what"] == "stage"
    assert preview["rows"][0]["problems"][0]["column"] == "Stage"
    chosen = {"stage": {"Contract sent": str(negotiation.pk)}}
    mapped = client.post(f"{detail(pk)}preview/", {"values": chosen}, format="json").json()
    assert mapped["rows"][0]["problems"] == []

    with django_capture_on_commit_callbacks(execute=True):
        started = _start(client, pk, values=chosen)

    assert started.status_code == 202, started.content
    result = client.get(detail(pk)).json()
    assert (result["status"], result["created_count"], result["error_count"]) == ("done", 2, 0)
    assert result["values"] == chosen
    assert Deal.objects.get(name="Acme widgets").stage == negotiation


def test_starting_with_a_value_mapped_to_an_unknown_option_is_refused_naming_values(api_as, rep):
    create_sales_defaults()
    client = api_as(rep)
    data = b"Deal Name,Stage\nAcme widgets,Contract sent\n"
    pk = _upload(client, data, kind="deals", name="deals.csv").json()["id"]

    response = _start(client, pk, values={"stage": {"Contract sent": "999999"}})

    assert response.status_code == 400
    assert "values" in response.json()


def test_the_list_costs_the_same_queries_with_1_and_with_50_imports(
    api_as, assert_same_query_count, rep, admin_user
):
    owner = UserFactory(username="owner")

    def add(count: int) -> None:
        for index in range(count):
            job = BackgroundJob.objects.create(
                kind="Import", status=JobStatus.RUNNING, total=10, done=index % 10
            )
            RecordImport.objects.create(
                kind="accounts",
                created_by=rep,
                owner=owner,
                job=job,
                file="imports/accounts.csv",
                original_name=f"accounts-{index}.csv",
                file_sha256="0" * 64,
                status=ImportStatus.RUNNING,
                total_rows=10,
            )

    add(1)
    for user in (rep, admin_user):
        client = api_as(user)
        assert_same_query_count(lambda client=client: client.get(LIST), grow=lambda: add(24))
    assert len(api_as(rep).get(LIST).json()["results"]) == 49
