"""Confirms an import in a database other than the test database (a throwaway cluster), as the import
page does: `python -m tests.faults.remote ROWS` with DATABASE_URL and CELERY_BROKER_URL set; prints the
import's and the job's ids as JSON."""

from __future__ import annotations

import json
import sys

import django


def main() -> None:
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.models import Role, User
    from leads.importing.services import import_confirm, import_upload
    from leads.models import DuplicatePolicy
    from tests.faults.conftest import leads_csv

    rows = int(sys.argv[1])
    actor, _ = User.objects.get_or_create(
        username="faults-admin",
        defaults={"role": Role.ADMIN, "is_staff": True, "email": "admin@faults.example"},
    )
    upload = import_upload(actor=actor, file=SimpleUploadedFile("faults.csv", leads_csv(rows)))
    lead_import = import_confirm(
        actor=actor,
        import_id=upload.pk,
        mapping=upload.mapping,
        duplicate_policy=DuplicatePolicy.SKIP,
        all_or_nothing=False,
        owner=None,
    )
    sys.stdout.write(json.dumps({"import_id": lead_import.pk, "job_id": lead_import.job_id}) + "\n")


if __name__ == "__main__":
    main()
