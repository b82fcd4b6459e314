"""Saved mappings through the API (/api/v1/imports/saved-mappings/), with the pages' permissions: list
them per record type, save and update one by name, delete one (its author or an admin), and apply one in
the preview and the start; an upload whose every column one knows comes mapped with it."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.imports.services import saved_mapping_save
from crm.models import RecordImport, SavedMapping, User

pytestmark = pytest.mark.django_db

SAVED = "/api/v1/imports/saved-mappings/"
ACME_CSV = b"Org Label,Homepage URL,Sales Owner Alias\nGlobex,globex.example,JD\n"
ACME_MAPPING = {"Org Label": "name", "Homepage URL": "domain", "Sales Owner Alias": "owner"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def saved_url(pk: int) -> str:
    return f"{SAVED}{pk}/"


def _upload(client, data: bytes = ACME_CSV, *, kind: str = "accounts") -> dict[str, Any]:
    response = client.post(
        "/api/v1/imports/", {"kind": kind, "file": SimpleUploadedFile("acme.csv", data)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def _save(actor: User, *, kind: str = "accounts", name: str = "Acme CRM", mapping=None, values=None):
    return saved_mapping_save(
        actor=actor, kind=kind, name=name, mapping=mapping or ACME_MAPPING, values=values or {}
    ).saved


def test_a_rep_saves_a_mapping_updates_it_by_name_and_lists_it_per_record_type(api_as, rep):
    client = api_as(rep)

    created = client.post(
        SAVED,
        {
            "kind": "accounts",
            "name": "Acme CRM",
            "mapping": {**ACME_MAPPING, "Legacy Id": ""},
            "values": {"owner": {"JD": str(rep.pk)}},
            "date_order": "dmy",
        },
        format="json",
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["kind_label"], body["name"]) == ("accounts", "Accounts", "Acme CRM")
    assert body["mapping"] == {**ACME_MAPPING, "Legacy Id": ""}
    assert body["values"] == {"owner": {"JD": str(rep.pk)}}
    assert (body["date_order"], body["created_by"], body["changeable"]) == ("dmy", rep.pk, True)

    updated = client.post(
        SAVED, {"kind": "accounts", "name": "ACME crm", "mapping": ACME_MAPPING}, format="json"
    )

    assert updated.status_code == 200, updated.content
    assert updated.json()["id"] == body["id"]
    assert SavedMapping.objects.get().mapping == ACME_MAPPING
    listed = client.get(SAVED, {"kind": "accounts"}).json()
    assert [saved["name"] for saved in listed] == ["ACME crm"]
    assert client.get(SAVED, {"kind": "contacts"}).json() == []
    assert client.get(saved_url(body["id"])).json()["name"] == "ACME crm"


def test_a_mapping_no_import_could_start_with_is_refused_naming_why(api_as, rep):
    response = api_as(rep).post(
        SAVED,
        {"kind": "accounts", "name": "Acme CRM", "mapping": {"Homepage URL": "domain"}},
        format="json",
    )

    assert response.status_code == 400
    assert "account name" in response.content.decode()
    assert not SavedMapping.objects.exists()


def test_a_rep_uses_an_admins_mapping_but_neither_updates_nor_deletes_it(api_as, admin_user, rep):
    saved = _save(admin_user)
    client = api_as(rep)

    listed = client.get(SAVED).json()
    assert [(item["name"], item["changeable"]) for item in listed] == [("Acme CRM", False)]
    overwrite = client.post(SAVED, {"kind": "accounts", "name": "Acme CRM", "mapping": {}}, format="json")
    assert overwrite.status_code == 403
    assert client.delete(saved_url(saved.pk)).status_code == 403
    saved.refresh_from_db()
    assert saved.mapping == ACME_MAPPING

    assert api_as(admin_user).delete(saved_url(saved.pk)).status_code == 204
    assert not SavedMapping.objects.exists()


def test_the_author_deletes_their_saved_mapping(api_as, rep):
    saved = _save(rep)

    assert api_as(rep).delete(saved_url(saved.pk)).status_code == 204
    assert api_as(rep).delete(saved_url(saved.pk)).status_code == 404


def test_nobody_sees_the_saved_mappings_of_records_they_may_not_import(api_as, admin_user, rep):
    teams = _save(admin_user, kind="teams", name="Org chart", mapping={"Squad": "name"})
    client = api_as(rep)

    assert client.get(SAVED, {"kind": "teams"}).status_code == 403
    assert client.get(SAVED).json() == []
    assert client.get(saved_url(teams.pk)).status_code == 404
    assert client.delete(saved_url(teams.pk)).status_code == 404
    assert (
        client.post(
            SAVED, {"kind": "teams", "name": "Mine", "mapping": {"Squad": "name"}}, format="json"
        ).status_code
        == 403
    )
    assert client.get(SAVED, {"kind": "spaceships"}).status_code == 400
    assert client.get(saved_url(0)).status_code == 404


def test_an_upload_whose_every_column_a_saved_mapping_knows_comes_mapped_with_it(api_as, rep):
    saved = _save(rep, values={"owner": {"JD": str(rep.pk)}})

    body = _upload(api_as(rep))

    assert body["saved_mapping"] == saved.pk
    assert body["mapping"] == ACME_MAPPING
    assert body["values"] == {"owner": {"JD": str(rep.pk)}}


def test_the_preview_and_the_start_apply_a_saved_mapping_to_a_file_with_other_columns(
    api_as, rep, django_capture_on_commit_callbacks
):
    saved = _save(rep, values={"owner": {"JD": str(rep.pk)}})
    client = api_as(rep)
    body = _upload(client, b"Org Label,Industry,Sales Owner Alias\nGlobex,Tech,JD\n")
    assert body["saved_mapping"] is None
    pk = body["id"]

    preview = client.post(f"/api/v1/imports/{pk}/preview/", {"saved_mapping": saved.pk}, format="json")

    assert preview.status_code == 200, preview.content
    shown = preview.json()
    assert shown["mapping"] == {"Org Label": "name", "Industry": "industry", "Sales Owner Alias": "owner"}
    assert shown["saved_mapping"] == {"id": saved.pk, "name": "Acme CRM", "matched": 2, "headers": 3}
    assert shown["mapping_problem"] is None
    assert shown["rows"][0]["problems"] == []

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            f"/api/v1/imports/{pk}/start/",
            {"saved_mapping": saved.pk, "duplicate_policy": "skip", "all_or_nothing": False},
            format="json",
        )

    assert started.status_code == 202, started.content
    record_import = RecordImport.objects.get(pk=pk)
    assert record_import.mapping["Sales Owner Alias"] == "owner"
    assert record_import.values == {"owner": {"JD": str(rep.pk)}}


def test_a_saved_mapping_of_another_record_type_is_refused_in_the_preview(api_as, rep):
    contacts = _save(rep, kind="contacts", name="People", mapping={"Org Label": "full_name"})
    client = api_as(rep)
    pk = _upload(client)["id"]

    response = client.post(f"/api/v1/imports/{pk}/preview/", {"saved_mapping": contacts.pk}, format="json")

    assert response.status_code == 400
    assert "another record type" in response.content.decode()


def test_the_list_costs_the_same_queries_with_one_or_twenty_saved_mappings(
    api_as, assert_same_query_count, rep, teammate
):
    _save(rep)
    client = api_as(rep)

    def grow() -> None:
        for number in range(19):
            _save(teammate, name=f"Export {number}")

    assert_same_query_count(lambda: client.get(SAVED), grow=grow)
