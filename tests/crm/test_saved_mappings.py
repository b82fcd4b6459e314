"""Saved mappings on the import pages, as people use them: an admin names the columns of another CRM's
export once, and the next file from it comes mapped, values included; a saved mapping applied to a file
with other columns maps what matches; everyone who may import the records uses them, only their author
or an admin deletes them, and nobody else sees them."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from crm.imports.services import record_import_upload, saved_mapping_save
from crm.models import Account, RecordImport, SavedMapping, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# An export of "Acme CRM", whose headers no synonym knows, and whose owner column holds initials.
ACME_HEADERS = "Org Label,Homepage URL,Sales Owner Alias"
ACME_CSV = f"{ACME_HEADERS}\nGlobex,globex.example,JD\nInitech,initech.example,JD\n".encode()
ACME_CSV_NEXT = f"{ACME_HEADERS}\nHooli,hooli.example,JD\n".encode()
ACME_MAPPING = {"Org Label": "name", "Homepage URL": "domain", "Sales Owner Alias": "owner"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _upload(client: Client, data: bytes, name: str = "acme.csv", kind: str = "accounts") -> RecordImport:
    response = client.post(reverse("imports:upload"), {"kind": kind, "file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content.decode()
    return RecordImport.objects.latest("id")


def _save_acme(actor: User, *, name: str = "Acme CRM accounts", owner: User | None = None) -> SavedMapping:
    values = {"owner": {"JD": str(owner.pk)}} if owner else {}
    headers = [*ACME_HEADERS.split(","), "Legacy Id"]
    mapping = {**ACME_MAPPING, "Legacy Id": ""}
    return saved_mapping_save(
        actor=actor, kind="accounts", name=name, mapping=mapping, values=values, headers=headers
    ).saved


def _selected(html: str, control: str) -> str:
    """The value of the option selected in the select with id `control`."""
    select = re.search(rf'<select[^>]*id="{control}".*?</select>', html, re.S)
    assert select, f"no select {control}"
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(0))
    return chosen.group(1) if chosen else ""


def _mapping_form(**changes: str) -> dict[str, str]:
    return {
        "column_0": "name",
        "column_1": "domain",
        "column_2": "owner",
        "duplicate_policy": "skip",
        **changes,
    }


def test_an_admin_saves_a_mapping_and_the_next_file_from_that_crm_comes_mapped_with_it_values_included(
    as_user, admin_user, rep, django_capture_on_commit_callbacks
):
    client = as_user(admin_user)
    first = _upload(client, ACME_CSV)
    assert set(first.mapping.values()) == {""}  # no synonym knows these headers

    response = client.post(
        reverse("imports:save-mapping", args=[first.pk]),
        _mapping_form(
            save_as="Acme CRM accounts", **{"value-owner-0": str(rep.pk), "value-owner-0-cell": "JD"}
        ),
    )

    assert response.status_code == 200
    assert "Saved the mapping “Acme CRM accounts”." in response.content.decode()
    saved = SavedMapping.objects.get()
    assert (saved.kind, saved.name, saved.created_by) == ("accounts", "Acme CRM accounts", admin_user)
    assert saved.mapping == ACME_MAPPING
    assert saved.values == {"owner": {"JD": str(rep.pk)}}

    second = _upload(client, ACME_CSV_NEXT, name="acme-december.csv")

    assert second.saved_mapping == saved
    assert second.mapping == ACME_MAPPING
    assert second.values == {"owner": {"JD": str(rep.pk)}}
    html = client.get(reverse("imports:mapping", args=[second.pk])).content.decode()
    assert "Mapped with your saved mapping “Acme CRM accounts”" in html
    assert "mapped as in your import" not in html
    assert _selected(html, "id_column_2") == "owner"
    assert _selected(html, "value-owner-0") == str(rep.pk)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("imports:confirm", args=[second.pk]),
            _mapping_form(**{"value-owner-0": str(rep.pk), "value-owner-0-cell": "JD"}),
        )

    hooli = Account.objects.get(name="Hooli")
    assert (hooli.domain, hooli.owner) == ("hooli.example", rep)


def test_a_saved_mapping_is_preferred_to_the_mapping_of_the_last_import_of_the_same_columns(
    as_user, admin_user, django_capture_on_commit_callbacks
):
    client = as_user(admin_user)
    earlier = _upload(client, ACME_CSV)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("imports:confirm", args=[earlier.pk]),
            _mapping_form(column_2="", save_as=""),
        )
    _save_acme(admin_user)

    later = _upload(client, ACME_CSV_NEXT)

    assert later.mapping["Sales Owner Alias"] == "owner"
    assert later.saved_mapping is not None


def test_starting_an_import_with_a_name_saves_its_mapping_too(
    as_user, admin_user, django_capture_on_commit_callbacks
):
    client = as_user(admin_user)
    record_import = _upload(client, ACME_CSV)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:confirm", args=[record_import.pk]),
            _mapping_form(column_2="", save_as="  Acme   CRM accounts "),
        )

    assert response.status_code == 302
    saved = SavedMapping.objects.get()
    assert saved.name == "Acme CRM accounts"
    assert saved.mapping == {**ACME_MAPPING, "Sales Owner Alias": ""}
    assert Account.objects.filter(name="Globex").exists()


def test_saving_under_an_existing_name_in_another_case_updates_that_mapping(as_user, admin_user):
    saved = _save_acme(admin_user)
    client = as_user(admin_user)
    record_import = _upload(client, ACME_CSV)

    response = client.post(
        reverse("imports:save-mapping", args=[record_import.pk]),
        _mapping_form(column_1="", save_as="acme crm ACCOUNTS"),
    )

    assert "Updated the mapping “acme crm ACCOUNTS”." in response.content.decode()
    saved.refresh_from_db()
    assert SavedMapping.objects.count() == 1
    assert saved.mapping["Homepage URL"] == ""
    assert "Legacy Id" not in saved.mapping  # the mapping is now this file's


def test_a_mapping_that_could_not_start_an_import_is_not_saved(as_user, admin_user):
    client = as_user(admin_user)
    record_import = _upload(client, ACME_CSV)

    response = client.post(
        reverse("imports:save-mapping", args=[record_import.pk]),
        _mapping_form(column_0="", save_as="Acme CRM accounts"),
    )

    assert "Map a column to the account name" in response.content.decode()
    assert not SavedMapping.objects.exists()


def test_applying_a_saved_mapping_maps_the_columns_it_knows_and_leaves_the_others_guessed(
    as_user, admin_user
):
    saved = _save_acme(admin_user)
    client = as_user(admin_user)
    # Another export: one column the saved mapping lacks (Industry), one it knows in another spelling
    # (ORG LABEL), and a Website column the guess gives the domain the saved mapping gives Homepage URL.
    record_import = _upload(
        client, b"ORG LABEL,Website,Industry,Homepage URL\nGlobex,g.example,Tech,globex.example\n"
    )
    assert record_import.saved_mapping is None  # it does not know every column: the guess stays
    assert record_import.mapping["Website"] == "domain"

    html = client.get(
        reverse("imports:mapping", args=[record_import.pk]), {"saved": saved.pk}
    ).content.decode()

    assert "Applied the saved mapping “Acme CRM accounts”: it knows 2 of this file’s 4 columns" in html
    assert _selected(html, "id_column_0") == "name"
    assert _selected(html, "id_column_1") == ""  # its field went to the saved mapping's column
    assert _selected(html, "id_column_2") == "industry"
    assert _selected(html, "id_column_3") == "domain"
    assert _selected(html, "id_saved") == str(saved.pk)
    record_import.refresh_from_db()
    assert record_import.mapping["Website"] == "domain"  # nothing is saved until the import starts


def test_the_saved_mappings_that_know_most_of_the_file_are_offered_first(as_user, admin_user):
    saved_mapping_save(
        actor=admin_user, kind="accounts", name="A website list", mapping={"Homepage URL": "name"}
    )
    _save_acme(admin_user, name="Zoho-like export")
    client = as_user(admin_user)
    record_import = _upload(client, ACME_CSV)

    html = client.get(reverse("imports:mapping", args=[record_import.pk])).content.decode()

    select = re.search(r'<select[^>]*id="id_saved".*?</select>', html, re.S)
    assert select
    options = re.findall(r"<option[^>]*>([^<]+)</option>", select.group(0))
    assert options == ["Zoho-like export (3 of 3 columns known)", "A website list (1 of 3 columns known)"]


def test_a_rep_applies_an_admins_account_mapping_but_cannot_change_or_delete_it(as_user, admin_user, rep):
    saved = _save_acme(admin_user, owner=admin_user)
    client = as_user(rep)
    record_import = record_import_upload(
        actor=rep, kind="accounts", file=SimpleUploadedFile("acme.csv", ACME_CSV)
    )

    assert record_import.saved_mapping == saved
    # The admin's reading of "JD" names someone a rep may not make an owner: it is left out for them.
    assert record_import.values == {}
    html = client.get(reverse("imports:mapping", args=[record_import.pk])).content.decode()
    assert "Mapped with the saved mapping “Acme CRM accounts” of" in html

    refused = client.post(
        reverse("imports:save-mapping", args=[record_import.pk]), _mapping_form(save_as="Acme CRM accounts")
    )
    assert "only they or an admin can change it" in refused.content.decode()

    listing = client.get(reverse("imports:list")).content.decode()
    assert "Acme CRM accounts" in listing
    assert "Delete the saved mapping Acme CRM accounts" not in listing
    assert client.post(reverse("imports:saved-mapping-delete", args=[saved.pk])).status_code == 403
    assert SavedMapping.objects.filter(pk=saved.pk).exists()


def test_a_rep_deletes_their_own_saved_mapping_and_an_admin_anyones(as_user, admin_user, rep, teammate):
    own = _save_acme(rep, name="Mine")
    theirs = _save_acme(teammate, name="Theirs")

    client = as_user(rep)
    assert "Delete the saved mapping Mine" in client.get(reverse("imports:list")).content.decode()
    response = client.post(reverse("imports:saved-mapping-delete", args=[own.pk]), follow=True)
    assert "Deleted the saved mapping “Mine”." in response.content.decode()

    client = as_user(admin_user)
    client.post(reverse("imports:saved-mapping-delete", args=[theirs.pk]))
    assert not SavedMapping.objects.exists()


def test_deleting_a_saved_mapping_leaves_the_imports_mapped_with_it_as_they_are(as_user, admin_user):
    saved = _save_acme(admin_user)
    client = as_user(admin_user)
    record_import = _upload(client, ACME_CSV)

    client.post(reverse("imports:saved-mapping-delete", args=[saved.pk]))

    record_import.refresh_from_db()
    assert (record_import.saved_mapping, record_import.mapping) == (None, ACME_MAPPING)
    assert client.get(reverse("imports:mapping", args=[record_import.pk])).status_code == 200


def test_nobody_sees_the_saved_mappings_of_records_they_may_not_import(as_user, admin_user, rep):
    teams = saved_mapping_save(
        actor=admin_user, kind="teams", name="Org chart", mapping={"Squad": "name", "Lead": "manager"}
    ).saved
    client = as_user(rep)
    record_import = _upload(client, ACME_CSV)

    assert "Org chart" not in client.get(reverse("imports:list")).content.decode()
    page = client.get(reverse("imports:mapping", args=[record_import.pk]))
    assert "Org chart" not in page.content.decode()
    applied = client.get(reverse("imports:mapping", args=[record_import.pk]), {"saved": teams.pk})
    assert applied.status_code == 404
    assert client.post(reverse("imports:saved-mapping-delete", args=[teams.pk])).status_code == 404
    assert SavedMapping.objects.filter(pk=teams.pk).exists()


def test_a_saved_mapping_of_another_record_type_is_not_applied(as_user, admin_user):
    contacts = saved_mapping_save(
        actor=admin_user, kind="contacts", name="Contacts", mapping={"Org Label": "full_name"}
    ).saved
    client = as_user(admin_user)
    record_import = _upload(client, ACME_CSV)

    response = client.get(reverse("imports:mapping", args=[record_import.pk]), {"saved": contacts.pk})

    html = response.content.decode()
    assert "“Contacts” maps another record type’s files." in html
    assert _selected(html, "id_column_0") == ""


def test_the_mapping_page_costs_the_same_queries_with_one_or_twenty_saved_mappings(
    as_user, assert_same_query_count, admin_user
):
    _save_acme(admin_user)
    client = as_user(admin_user)
    record_import = _upload(client, ACME_CSV)
    url = reverse("imports:mapping", args=[record_import.pk])

    def grow() -> None:
        for number in range(19):
            _save_acme(UserFactory(), name=f"Export {number}")

    assert_same_query_count(lambda: client.get(url), grow=grow)


def test_the_import_list_costs_the_same_queries_with_one_or_twenty_saved_mappings(
    as_user, assert_same_query_count, admin_user
):
    _save_acme(admin_user)
    client = as_user(admin_user)

    def grow() -> None:
        for number in range(19):
            _save_acme(UserFactory(), name=f"Export {number}")

    assert_same_query_count(lambda: client.get(reverse("imports:list")), grow=grow)
