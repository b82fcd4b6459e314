"""Confirms an import in a database other than the test database (a throwaway cluster), as the import
page does: `python -m tests.faults.remote ROWS` with DATABASE_URL and CELERY_BROKER_URL set; prints the
import's and the job's ids as JSON."""

from __future__ import annotations

import json
import sys

import django


def main() -> None:
    django.setup()
    from crm.models import Role, User
    from tests.faults.imports import confirm_import

    rows = int(sys.argv[1])
    actor, _ = User.objects.get_or_create(
        username="faults-admin",
        defaults={"role": Role.ADMIN, "is_staff": True, "email": "admin@faults.example"},
    )
    lead_import = confirm_import(actor, rows)
    sys.stdout.write(json.dumps({"import_id": lead_import.pk, "job_id": lead_import.job_id}) + "\n")


if __name__ == "__main__":
    main()
