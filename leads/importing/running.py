"""The import job: every row of the file, chunk by chunk, with progress on the job row the page polls.

Without all-or-nothing each chunk commits on its own, with the job's progress in the same transaction
(crm.jobs.running): a worker that dies mid-file leaves whole chunks only, and the job resumes after the
last committed row on whichever worker claims it next, so no row is imported twice even under "create
anyway". With all-or-nothing every row is checked first (with progress), and the leads are written in
one transaction only when no row has an error; otherwise nothing is, and the errors are reported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import connection, transaction
from django.db.models import F
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone

from crm.jobs.running import DATABASE_FAULTS, JobFailed, JobInterrupted, JobRun, LeaseLost, job_kind
from crm.models import BackgroundJob, NotificationKind
from crm.timeline.notifications import notification_send
from leads.models import ImportStatus, LeadImport, LeadImportError

from .chunks import ImportContext, Tally, apply_plan, error_notes, plan_chunk
from .dedupe import DuplicateFinder
from .parsing import FileProblem, Row, Table
from .rows import RowChecker
from .services import JOB_KIND
from .storage import stored_table

logger = logging.getLogger(__name__)

# Rows per transaction: a crash loses at most this much work, locks are held briefly, each duplicate
# lookup stays one indexed query, and the progress bar moves about a hundred times on a 100,000-row file.
CHUNK_ROWS = 1000
# The two-key advisory lock (class, 0) held while a chunk writes, so that two imports never both create
# the same new lead.
ADVISORY_LOCK_CLASS = 72_600_001
WRITES = 0


def _import_url(job: BackgroundJob) -> str:
    import_id = job.payload.get("import_id")
    return reverse("leads:import-detail", args=[import_id]) if import_id else reverse("leads:import-list")


def _import_stopped(job: BackgroundJob, message: str) -> None:
    """The job failed or was cancelled: the import says so, with the same message."""
    LeadImport.objects.filter(pk=job.payload.get("import_id")).update(
        status=ImportStatus.FAILED, failure=message[:500], finished_at=timezone.now()
    )


@job_kind(JOB_KIND, on_stop=_import_stopped, url=_import_url)
def import_run(run: JobRun) -> None:
    """Runs, or resumes after its last committed chunk, a confirmed import."""
    imports = LeadImport.objects.select_related("created_by", "owner")
    lead_import = imports.filter(pk=run.payload["import_id"]).first()
    if lead_import is None:
        raise JobFailed("The import was deleted before it ran.")
    LeadImport.objects.filter(pk=lead_import.pk).update(status=ImportStatus.RUNNING, failure="")
    _ImportRun(lead_import, run).run(resume_from=run.job.done)


def _serialise_writes() -> None:
    """Waits for any other import's chunk to commit, then holds it off until this transaction ends:
    the duplicate lookups that follow see every lead the other import created."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_CLASS, WRITES])


def _chunks(rows: Iterable[Row]) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        yield chunk


class _ImportRun:
    def __init__(self, lead_import: LeadImport, run: JobRun) -> None:
        self.lead_import = lead_import
        self.job = run
        self.context = ImportContext(
            import_id=lead_import.pk,
            actor=lead_import.created_by,
            owner=lead_import.owner,
            policy=lead_import.duplicate_policy,
            run_assignment_rules=lead_import.run_assignment_rules,
        )
        self.tally = Tally()
        self.last_line = 0

    def run(self, *, resume_from: int) -> None:
        try:
            table = stored_table(self.lead_import)
            checker = RowChecker(table.headers, self.lead_import.mapping)
            if self.lead_import.all_or_nothing:
                self._all_or_nothing(table, checker, done=resume_from)
            else:
                self._chunk_by_chunk(table, checker, resume_from=resume_from)
        except FileProblem as problem:
            raise JobFailed(f"{self.lead_import.original_name}: {problem.message} {self._so_far()}") from None
        except DATABASE_FAULTS:
            raise  # the job machinery retries it later; the committed chunks stay
        except (JobInterrupted, LeaseLost):
            raise  # paused, cancelled, or resumed by another worker: the committed chunks stay
        except Exception as error:
            logger.exception("Lead import %s stopped", self.lead_import.pk)
            raise JobFailed(
                f"{self.lead_import.original_name}: the import stopped unexpectedly after line "
                f"{self.last_line or 1}; the details are in the server log. {self._so_far()}"
            ) from error

    def _so_far(self) -> str:
        if self.lead_import.all_or_nothing:
            return "Nothing was imported."
        return f"Rows before it were imported ({self.tally}); the rest were not."

    def _chunk_by_chunk(self, table: Table, checker: RowChecker, *, resume_from: int) -> None:
        if resume_from:
            imported = self.lead_import
            self.tally = Tally(
                imported.created_count, imported.updated_count, imported.skipped_count, imported.error_count
            )
        finder = DuplicateFinder()
        for chunk in self.job.paced(_chunks(islice(table.rows(), resume_from, None))):
            with transaction.atomic():
                _serialise_writes()
                plan = plan_chunk(
                    [checker.check(row) for row in chunk], context=self.context, finder=finder, lock=True
                )
                apply_plan(plan, context=self.context)
                self.tally += plan.tally
                self.last_line = chunk[-1].line
                LeadImport.objects.filter(pk=self.lead_import.pk).update(
                    created_count=F("created_count") + plan.tally.created,
                    updated_count=F("updated_count") + plan.tally.updated,
                    skipped_count=F("skipped_count") + plan.tally.skipped,
                    error_count=F("error_count") + plan.tally.errors,
                )
                self.job.save_progress(advance=len(chunk), message=f"Line {self.last_line:,}: {self.tally}")
        with transaction.atomic():
            self._finish(f"{self.lead_import.original_name}: {self.tally}.")

    def _all_or_nothing(self, table: Table, checker: RowChecker, *, done: int) -> None:
        notes: list[LeadImportError] = []
        checked = 0
        for chunk in self.job.paced(_chunks(table.rows())):
            for row in chunk:
                result = checker.check(row)
                if not result.ok:
                    notes.extend(error_notes(result, self.lead_import.pk))
                    self.tally.errors += 1
            checked += len(chunk)
            self.last_line = chunk[-1].line
            if checked > done:  # a resumed run re-checks from the top; the bar never moves back
                with transaction.atomic():
                    self.job.save_progress(advance=checked - done, message=f"Checked {checked:,} rows")
                done = checked
        if not self.tally.errors:
            # Its own transaction: the job's row stays free for the heartbeat while the leads are written.
            with transaction.atomic():
                self.job.save_progress(message="Every row is valid; saving the leads")
        with transaction.atomic():
            # A crashed earlier attempt committed nothing but, perhaps, these reports: start clean.
            LeadImportError.objects.filter(lead_import_id=self.lead_import.pk).delete()
            if self.tally.errors:
                LeadImportError.objects.bulk_create(notes, batch_size=1000)
                self._finish(
                    f"{self.lead_import.original_name}: nothing was imported, because "
                    f"{self.tally.errors:,} row{'s have' if self.tally.errors != 1 else ' has'} errors "
                    "(all or nothing). Correct them and upload the file again."
                )
                return
            _serialise_writes()
            finder = DuplicateFinder()
            for chunk in _chunks(table.rows()):
                plan = plan_chunk(
                    [checker.check(row) for row in chunk], context=self.context, finder=finder, lock=True
                )
                apply_plan(plan, context=self.context)
                self.tally += plan.tally
            self._finish(f"{self.lead_import.original_name}: {self.tally}.")

    def _finish(self, message: str) -> None:
        """Marks the import and its job done; call it inside a transaction."""
        LeadImport.objects.filter(pk=self.lead_import.pk).update(
            status=ImportStatus.DONE,
            finished_at=timezone.now(),
            created_count=self.tally.created,
            updated_count=self.tally.updated,
            skipped_count=self.tally.skipped,
            error_count=self.tally.errors,
        )
        self.job.finish(result=self.tally.as_dict(), message=message)
        owner, actor = self.context.owner, self.context.actor
        created = self.tally.created
        if created and owner is not None and owner != actor:
            notification_send(
                recipient=owner,
                kind=NotificationKind.ASSIGNED,
                message=f"{actor} imported {created:,} lead{pluralize(created)} for you.",
                url=reverse("leads:index"),
            )
