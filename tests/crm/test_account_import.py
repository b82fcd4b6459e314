"""Importing accounts through the kernel's import machinery: columns other CRMs export, owners and parent
accounts by name, re-runs that update instead of doubling, row errors naming line, column and value,
and one summary notification per owner."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.errors import Forbidden
from crm.imports import running
from crm.imports.services import record_import_confirm, record_import_preview, record_import_upload
from crm.models import (
    Account,
    DuplicatePolicy,
    ImportStatus,
    LifecycleEvent,
    Notification,
    RecordImport,
)
from crm.timeline import events
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

SALESFORCE = (
    "Account ID,Account Name,Website,Industry,Employees,Annual Revenue,Year Founded,Billing Country,"
    "Parent Account,Account Owner\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Uploads `data` as `actor`, confirms it with the guessed mapping, and runs the job."""

    def run_import(actor, data, **options):
        record_import = record_import_upload(
            actor=actor, kind="accounts", file=SimpleUploadedFile("accounts.csv", data)
        )
        with django_capture_on_commit_callbacks(execute=True):
            record_import_confirm(
                actor=actor,
                import_id=record_import.pk,
                mapping=options.pop("mapping", record_import.mapping),
                duplicate_policy=options.pop("duplicate_policy", DuplicatePolicy.UPDATE),
                all_or_nothing=options.pop("all_or_nothing", False),
                owner=options.pop("owner", None),
            )
        record_import.refresh_from_db()
        return record_import

    return run_import


def _csv(header: str, *lines: str) -> bytes:
    return (header + "\n".join(lines) + "\n").encode()


def _problems(record_import: RecordImport) -> list[tuple[int, str, str]]:
    return list(record_import.errors.order_by("line", "id").values_list("line", "field", "message"))


def test_a_salesforce_export_imports_with_its_columns_recognised_owners_and_parents(run, admin_user, rep):
    data = _csv(
        SALESFORCE,
        '001A,Globex Holding,https://www.globex.example/about,Manufacturing,"1,200","$4,500,000.00",1989,'
        f"Germany,,{rep.email}",
        '001B,Globex Services,globex-services.example,Services,250,"1.200.000,50 €",2004,Austria,'
        f"Globex Holding,{rep.get_full_name()}",
    )

    record_import = run(admin_user, data)

    assert record_import.status == ImportStatus.DONE
    assert (record_import.created_count, record_import.error_count) == (2, 0), _problems(record_import)
    holding = Account.objects.get(name="Globex Holding")
    services = Account.objects.get(name="Globex Services")
    assert (holding.external_source, holding.external_id) == ("salesforce", "001A")
    assert holding.domain == "globex.example"
    assert (holding.employee_count, holding.annual_revenue, holding.year_founded) == (
        1200,
        Decimal("4500000.00"),
        1989,
    )
    assert holding.billing_country == "Germany"
    assert services.parent == holding
    assert services.annual_revenue == Decimal("1200000.50")
    assert holding.owner == rep
    assert services.owner == rep


def test_running_the_same_file_again_updates_the_accounts_instead_of_doubling_them(run, admin_user):
    first = _csv(SALESFORCE, "001A,Initech,initech.example,Software,40,,,,,")
    again = _csv(SALESFORCE, "001A,Initech Corp,initech.example,Software,45,,,,,")

    run(admin_user, first)
    second = run(admin_user, again, duplicate_policy=DuplicatePolicy.CREATE)

    assert (second.created_count, second.updated_count) == (0, 1)
    account = Account.objects.get()
    assert (account.name, account.employee_count) == ("Initech Corp", 45)


def test_a_file_without_external_ids_updates_the_account_with_the_same_domain_or_name(run, admin_user):
    by_domain = AccountFactory(name="Umbrella", domain="umbrella.example", industry="")
    by_name = AccountFactory(name="Hooli", domain="")
    data = _csv(
        "Company name,Company Domain Name,Industry\n",
        "Umbrella Corporation,umbrella.example,Pharma",
        "HOOLI,,Software",
    )

    record_import = run(admin_user, data)

    assert (record_import.created_count, record_import.updated_count) == (0, 2)
    by_domain.refresh_from_db()
    by_name.refresh_from_db()
    assert (by_domain.name, by_domain.industry) == ("Umbrella Corporation", "Pharma")
    assert (by_name.name, by_name.industry) == ("HOOLI", "Software")


def test_skip_duplicates_leaves_the_existing_account_and_says_which_one_it_matched(run, admin_user):
    existing = AccountFactory(name="Vandelay", domain="vandelay.example", industry="Import")

    record_import = run(
        admin_user,
        _csv("Account Name,Website,Industry\n", "Vandelay,vandelay.example,Export"),
        duplicate_policy=DuplicatePolicy.SKIP,
    )

    assert record_import.skipped_count == 1
    assert _problems(record_import) == [
        (2, "", f"Skipped: same domain as account #{existing.pk} (Vandelay).")
    ]
    existing.refresh_from_db()
    assert existing.industry == "Import"


def test_bad_cells_are_reported_by_line_column_and_value_and_the_good_rows_still_import(run, admin_user):
    data = _csv(
        SALESFORCE,
        "001A,Good Co,good.example,,10,,,,,",
        "001B,Bad Co,not a site,,ten,12 apples,89,,Nowhere Inc,nobody@example.com",
        "001C,,nameless.example,,,,,,,",
        "001A,Good Again,,,,,,,,",
    )

    record_import = run(admin_user, data)

    assert (record_import.created_count, record_import.error_count) == (1, 3)
    assert _problems(record_import) == [
        (3, "Website", '"not a site" is not a web address or domain (e.g. example.com).'),
        (3, "Employees", '"ten" is not a whole number of employees.'),
        (3, "Annual Revenue", '"12 apples" is not an amount (e.g. 1200.50 or $1,200.50).'),
        (3, "Year Founded", '"89" is not a year (e.g. 1998).'),
        (
            3,
            "Account Owner",
            '"nobody@example.com" matches no person you may make an owner; '
            "choose one for it under “Values” in the preview.",
        ),
        (4, "", "No account name: every account needs one."),
        (
            5,
            "",
            "Not imported: same external id as line 2; it names one account, so give it one row.",
        ),
    ]
    assert list(Account.objects.values_list("name", flat=True)) == ["Good Co"]


def test_a_parent_that_matches_no_account_is_a_row_error_naming_the_column(run, admin_user):
    record_import = run(admin_user, _csv("Account Name,Parent Company\n", "Child,Missing Parent"))

    assert _problems(record_import) == [
        (2, "Parent Company", 'No account is named "Missing Parent" or has it as its external id.')
    ]
    assert not Account.objects.exists()


def test_all_or_nothing_imports_nothing_when_one_row_is_bad(run, admin_user):
    data = _csv("Account Name,Employees\n", "Fine Ltd,5", "Broken Ltd,many")

    record_import = run(admin_user, data, all_or_nothing=True)

    assert record_import.created_count == 0
    assert [line for line, *_ in _problems(record_import)] == [3]
    assert not Account.objects.exists()


def test_all_or_nothing_also_holds_for_a_problem_found_while_writing_a_reference(run, admin_user):
    """A parent that matches no account is found only when the rows are written, after every row
    passed its checks: the accounts written before it are rolled back, and the report stays."""
    data = _csv("Account Name,Parent Company\n", "Fine Ltd,", "Orphan Ltd,Missing Parent")

    record_import = run(admin_user, data, all_or_nothing=True)

    assert (record_import.created_count, record_import.error_count) == (0, 1)
    assert record_import.status == ImportStatus.DONE
    assert _problems(record_import) == [
        (3, "Parent Company", 'No account is named "Missing Parent" or has it as its external id.')
    ]
    assert not Account.objects.exists()
    assert not LifecycleEvent.objects.exists()


def test_an_import_records_who_imported_each_account_from_which_file_and_notifies_each_owner_once(
    run, admin_user, rep
):
    lines = [f"Firm {n},{rep.email}" for n in range(3)]

    run(admin_user, _csv("Account Name,Account Owner\n", *lines))

    created = LifecycleEvent.objects.filter(
        type=events.ACCOUNT_CREATED, content_type=ContentType.objects.get_for_model(Account)
    )
    assert created.count() == 3
    assert {(event.actor_id, event.data["file"]) for event in created} == {(admin_user.pk, "accounts.csv")}
    notes = Notification.objects.filter(recipient=rep)
    assert [note.message for note in notes] == [f"{admin_user} imported 3 accounts for you."]


def test_a_rep_imports_accounts_as_their_own_and_cannot_name_another_owner(run, rep, outsider):
    record_import = run(
        rep, _csv("Account Name,Account Owner\n", "Mine Inc,", f"Theirs Inc,{outsider.email}")
    )

    assert list(Account.objects.values_list("name", "owner")) == [("Mine Inc", rep.pk)]
    assert _problems(record_import)[0][1] == "Account Owner"


def test_a_role_that_cannot_create_accounts_cannot_upload_an_account_file(marketer):
    if marketer.is_admin:
        pytest.skip("the fixture is an admin_user")
    with pytest.raises(Forbidden):
        record_import_upload(
            actor=marketer, kind="accounts", file=SimpleUploadedFile("a.csv", b"Account Name\nAcme\n")
        )


def test_the_preview_shows_each_rows_problems_and_the_account_it_would_update(admin_user):
    existing = AccountFactory(name="Stark", domain="stark.example")
    record_import = record_import_upload(
        actor=admin_user,
        kind="accounts",
        file=SimpleUploadedFile("a.csv", _csv("Account Name,Website\n", "Stark,stark.example", "Wayne,x")),
    )

    preview = record_import_preview(record_import=record_import)

    assert [row.duplicate for row in preview.rows] == [f"same domain as account #{existing.pk} (Stark)", ""]
    assert [str(problem) for problem in preview.rows[1].problems] == [
        'Website: "x" is not a web address or domain (e.g. example.com).'
    ]


def test_a_resumed_run_continues_after_its_last_committed_chunk(run, admin_user, monkeypatch):
    monkeypatch.setattr(running, "CHUNK_ROWS", 2)

    record_import = run(admin_user, _csv("Account Name\n", *(f"Firm {n}" for n in range(5))))

    assert record_import.created_count == 5
    assert Account.objects.count() == 5


def test_a_crm_record_id_column_updates_that_very_account_even_renamed(run, admin_user):
    account = AccountFactory(name="Old Name", domain="")

    record_import = run(admin_user, _csv("CRM record ID,Account Name\n", f"{account.pk},New Name"))

    assert (record_import.created_count, record_import.updated_count) == (0, 1)
    account.refresh_from_db()
    assert account.name == "New Name"
