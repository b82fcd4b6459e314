"""The import every case breaks: a CSV of new leads confirmed as the import page does, in the test
database or in one of the throwaway cluster's, and the checks that it ended whole."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import BackgroundJob, JobStatus, User
from leads.importing.services import import_confirm, import_upload
from leads.models import DuplicatePolicy, ImportStatus, Lead, LeadImport

from .measure import wait_until
from .stack import ROOT, Stack


def leads_csv(rows: int, *, prefix: str = "lead") -> bytes:
    lines = ["First Name,Last Name,Email Address,Company Name,Lead Source"]
    lines += [f"Ann{i},Lee{i},{prefix}{i}@faults.example,Company {i % 500},Web" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def confirm_import(actor: User, rows: int, *, prefix: str = "lead") -> LeadImport:
    """Uploads and confirms a CSV of `rows` new leads, as the import pages do."""
    upload = import_upload(
        actor=actor,
        file=SimpleUploadedFile("faults.csv", leads_csv(rows, prefix=prefix)),
    )
    lead_import = import_confirm(
        actor=actor,
        import_id=upload.pk,
        mapping=upload.mapping,
        duplicate_policy=DuplicatePolicy.SKIP,
        all_or_nothing=False,
        owner=None,
    )
    assert lead_import.job is not None
    return lead_import


def job_row(job_id: int) -> BackgroundJob:
    return BackgroundJob.objects.get(pk=job_id)


def job_fields(job: BackgroundJob) -> str:
    return (
        f"status={job.status} done={job.done}/{job.total} attempts={job.attempts} "
        f"checkpoint={job.checkpoint} "
        f"claimed_by={job.claimed_by!r} lease_expires_at={job.lease_expires_at} woken_at={job.woken_at} "
        f"interrupt={job.interrupt!r} message={job.message!r} last_error={job.last_error!r}"
    )


def wait_for_job(
    what: str,
    job_id: int,
    condition: Callable[[BackgroundJob], bool],
    *,
    seconds: float,
    stack: Stack,
    poll: float = 0.1,
) -> float:
    """`wait_until` on the job's row; a failure shows the row's fields and the processes' logs."""
    try:
        return wait_until(what, lambda: condition(job_row(job_id)), seconds=seconds, poll=poll)
    except pytest.fail.Exception as failure:
        raise pytest.fail.Exception(
            f"{failure}\nJob: {job_fields(job_row(job_id))}\n{stack.logs()}"
        ) from None


def assert_imported_whole(lead_import: LeadImport, rows: int, *, prefix: str = "lead") -> None:
    lead_import.refresh_from_db()
    leads = Lead.objects.filter(email__endswith="@faults.example", email__startswith=prefix)
    assert leads.count() == rows
    assert leads.values("email").distinct().count() == rows
    assert (lead_import.status, lead_import.created_count) == (ImportStatus.DONE, rows)
    assert lead_import.job_id is not None
    job = job_row(lead_import.job_id)
    assert (job.status, job.done, job.total) == (JobStatus.DONE, rows, rows), job_fields(job)


@dataclass
class RemoteJob:
    """An import confirmed in a database of the throwaway cluster, read with plain SQL."""

    url: str
    import_id: int
    job_id: int

    def query(self, sql: str, *params: Any) -> tuple[Any, ...]:
        import psycopg

        with psycopg.connect(self.url, connect_timeout=5) as conn:
            row = conn.execute(sql, params).fetchone()
        assert row is not None
        return tuple(row)

    def job(self) -> dict[str, Any]:
        """The job row, or {} while the database cannot be reached."""
        import psycopg

        columns = "status, done, total, attempts, checkpoint, claimed_by, interrupt, message, last_error"
        try:
            values = self.query(f"SELECT {columns} FROM crm_backgroundjob WHERE id = %s", self.job_id)  # noqa: S608
        except psycopg.OperationalError:
            return {}
        return dict(zip([c.strip() for c in columns.split(",")], values, strict=True))

    def leads(self) -> tuple[int, int]:
        """How many imported leads there are, and how many distinct emails they have."""
        count, distinct = self.query(
            "SELECT count(*), count(DISTINCT email) FROM leads_lead WHERE email LIKE %s",
            "%@faults.example",
        )
        return int(count), int(distinct)

    def import_status(self) -> tuple[str, int]:
        status, created = self.query(
            "SELECT status, created_count FROM leads_leadimport WHERE id = %s",
            self.import_id,
        )
        return str(status), int(created)


def confirm_remote_import(stack: Stack, rows: int) -> RemoteJob:
    """Confirms the import in the stack's database, by `python -m tests.faults.remote` in its settings."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.faults.remote", str(rows)],
        cwd=ROOT,
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"Confirming the import failed:\n{result.stdout}\n{result.stderr}")
    ids = json.loads(result.stdout.strip().splitlines()[-1])
    return RemoteJob(stack.database_url, ids["import_id"], ids["job_id"])


def remote_done(job: RemoteJob) -> int:
    return int(job.job().get("done") or 0)
