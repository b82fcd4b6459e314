"""Admins import the company's teams and people before the records they own: roles and teams named as
other systems name them, no password set, re-runs that update, and an admin's own row left alone."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.errors import Forbidden
from crm.imports.services import record_import_confirm, record_import_upload
from crm.models import DuplicatePolicy, RecordImport, Role, Team, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def run(django_capture_on_commit_callbacks, admin_user):
    def run_import(kind: str, data: str) -> RecordImport:
        record_import = record_import_upload(
            actor=admin_user, kind=kind, file=SimpleUploadedFile(f"{kind}.csv", data.encode())
        )
        with django_capture_on_commit_callbacks(execute=True):
            record_import_confirm(
                actor=admin_user,
                import_id=record_import.pk,
                mapping=record_import.mapping,
                duplicate_policy=DuplicatePolicy.UPDATE,
                all_or_nothing=False,
                owner=None,
            )
        record_import.refresh_from_db()
        return record_import

    return run_import


def test_teams_then_people_import_with_their_roles_and_teams_and_no_password(run, admin_user):
    boss = UserFactory(email="boss@example.com", role=Role.SALES_MANAGER)
    run("teams", "Team Name,Manager\nEMEA,boss@example.com\nAmericas,\n")

    record_import = run(
        "users",
        "Full Name,Email,Profile,Team\n"
        "Ann Lee,ann@example.com,Account Executive,EMEA\n"
        "Bob Ray,bob@example.com,Marketing,\n",
    )

    assert (record_import.created_count, record_import.error_count) == (2, 0)
    emea = Team.objects.get(name="EMEA")
    assert emea.manager == boss
    ann = User.objects.get(email="ann@example.com")
    assert (ann.first_name, ann.last_name, ann.role, ann.team, ann.username) == (
        "Ann",
        "Lee",
        Role.SALES_REP,
        emea,
        "ann@example.com",
    )
    assert not ann.has_usable_password()
    assert User.objects.get(email="bob@example.com").role == Role.MARKETER


def test_a_second_run_updates_people_by_email_and_never_changes_the_importing_admin(run, admin_user):
    existing = UserFactory(email="cleo@example.com", role=Role.SALES_REP)
    data = f"Email,Role\ncleo@example.com,Sales manager\n{admin_user.email},Sales rep\n"

    record_import = run("users", data)

    existing.refresh_from_db()
    admin_user.refresh_from_db()
    assert existing.role == Role.SALES_MANAGER
    assert admin_user.role == Role.ADMIN
    assert record_import.skipped_count == 1


def test_only_admins_import_people(manager):
    with pytest.raises(Forbidden):
        record_import_upload(
            actor=manager, kind="users", file=SimpleUploadedFile("u.csv", b"Email\na@b.example\n")
        )
