"""Importing contacts: their account by name, domain or external id, matching by external id and email,
and a row error for an account the file names but the CRM does not have."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.imports.services import record_import_confirm, record_import_upload
from crm.models import Contact, DuplicatePolicy
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def run(django_capture_on_commit_callbacks, admin_user):
    def run_import(data: str, policy=DuplicatePolicy.UPDATE):
        record_import = record_import_upload(
            actor=admin_user, kind="contacts", file=SimpleUploadedFile("contacts.csv", data.encode())
        )
        with django_capture_on_commit_callbacks(execute=True):
            record_import_confirm(
                actor=admin_user,
                import_id=record_import.pk,
                mapping=record_import.mapping,
                duplicate_policy=policy,
                all_or_nothing=False,
                owner=None,
            )
        record_import.refresh_from_db()
        return record_import

    return run_import


def test_a_hubspot_contact_export_finds_each_contacts_account_by_name_or_domain(run):
    acme = AccountFactory(name="Acme", domain="acme.example")
    data = (
        "Record ID,First Name,Last Name,Email,Phone Number,Job Title,Company Name\n"
        "501,Ann,Lee,ann@acme.example,+49 30 1234567,CTO,acme\n"
        "502,Bob,Ray,bob@acme.example,,Buyer,www.acme.example\n"
    )

    record_import = run(data)

    assert (record_import.created_count, record_import.error_count) == (2, 0)
    ann, bob = Contact.objects.order_by("first_name")
    assert (ann.account, bob.account) == (acme, acme)
    assert (ann.external_source, ann.external_id, ann.title) == ("hubspot", "501", "CTO")


def test_a_contact_with_the_same_email_is_updated_and_a_missing_account_is_a_row_error(run):
    existing = ContactFactory(first_name="Cleo", last_name="Fox", email="Cleo@Globex.example", title="")
    data = (
        "Full Name,Email,Title,Account\n"
        "Cleo Fox-Wright,cleo@globex.example,CFO,\n"
        "Dan Sun,dan@x.example,,Nowhere\n"
    )

    record_import = run(data)

    existing.refresh_from_db()
    assert (existing.last_name, existing.title) == ("Fox-Wright", "CFO")
    assert list(record_import.errors.values_list("line", "field", "message")) == [
        (3, "Account", 'No account is named "Nowhere" or has it as its external id.')
    ]
    assert Contact.objects.count() == 1
