"""The import job: every row of the file, chunk by chunk, with progress on the job row the page polls.

Without all-or-nothing each chunk commits on its own, with the job's progress in the same transaction
(crm.jobs.running): a worker that dies mid-file leaves whole chunks only, and the job resumes after the
last committed row on whichever worker claims it next, so no row is imported twice even under "create
anyway". With all-or-nothing every row is checked first (with progress), and the records are written in
one transaction only when no row has an error; otherwise nothing is, and the errors are reported.

What a record type brings is an `Importer`: how a row is checked, how a chunk of checked rows is
written (set-based, with its report rows), and what the end of the import tells people.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, ClassVar, Protocol, TypeVar

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from crm.jobs.running import DATABASE_FAULTS, JobFailed, JobInterrupted, JobRun, LeaseLost
from crm.models import BackgroundJob
from crm.models.imports import FileImport, FileImportProblem, ImportStatus

from .copying import records_insert
from .parsing import FileProblem, Row, Table
from .rows import CheckedRow
from .storage import stored_table

logger = logging.getLogger(__name__)

# Rows per transaction: a crash loses at most this much work, locks are held briefly, each duplicate
# lookup stays one indexed query, and the progress bar moves about a hundred times on a 100,000-row file.
CHUNK_ROWS = 1000
# The two-key advisory lock (class, record type) held while a chunk writes, so that two imports of one
# record type never both create the same new record.
ADVISORY_LOCK_CLASS = 72_600_001


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0

    def __iadd__(self, other: Tally) -> Tally:
        self.created += other.created
        self.updated += other.updated
        self.skipped += other.skipped
        self.errors += other.errors
        return self

    def __str__(self) -> str:
        return (
            f"{self.created:,} created, {self.updated:,} updated, {self.skipped:,} skipped as duplicates, "
            f"{self.errors:,} with errors"
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": self.errors,
        }


RowT = TypeVar("RowT", bound=CheckedRow)


class Importer(Protocol[RowT]):
    """A record type's part of one run of one import (RowT: the record type's checked row)."""

    lock_key: ClassVar[
        int
    ]  # the second key of the advisory lock: imports of one record type write one at a time

    def check(self, row: Row) -> RowT: ...

    def write(self, rows: Sequence[RowT]) -> Tally:
        """Decides and writes a chunk's rows (bad rows reported), inside the caller's transaction."""
        ...

    def finish(self, tally: Tally) -> None:
        """Tells the people concerned, inside the transaction that marks the import done."""
        ...

    def summary(self, tally: Tally) -> str:
        """What the closing message adds to the counts ("" for nothing)."""
        ...

    def duplicates(self, rows: Sequence[RowT]) -> list[str]:
        """For the preview, what each row would update or repeat ("" for a new record), in a constant
        number of queries."""
        ...


def row_problems(file_import: FileImport, row: CheckedRow) -> list[FileImportProblem]:
    return [
        file_import.problem(line=row.line, field=problem.column, message=problem.message)
        for problem in row.problems
    ]


def problems_save(notes: Sequence[FileImportProblem]) -> None:
    """Saves an import's report rows (of whichever import model) in a few statements."""
    if notes:
        records_insert(type(notes[0]), notes)


def import_stopped(model: type[FileImport]) -> Callable[[BackgroundJob, str], None]:
    """The job's on_stop: the job failed or was cancelled, and its import says so with the same message."""

    def stopped(job: BackgroundJob, message: str) -> None:
        model._default_manager.filter(pk=job.payload.get("import_id")).update(
            status=ImportStatus.FAILED, failure=message[:500], finished_at=timezone.now()
        )

    return stopped


def run_import(run: JobRun, file_import: FileImport, importer: Importer[Any]) -> None:
    """Runs, or resumes after its last committed chunk, a confirmed import."""
    type(file_import)._default_manager.filter(pk=file_import.pk).update(
        status=ImportStatus.RUNNING, failure=""
    )
    _ImportRun(file_import, run, importer).run(resume_from=run.job.done)


class _Refused(Exception):
    """An all-or-nothing import whose writes found errors: the savepoint of its records rolls back."""


def _chunks(rows: Iterable[Row]) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        yield chunk


class _ImportRun:
    def __init__(self, file_import: FileImport, run: JobRun, importer: Importer[Any]) -> None:
        self.file_import = file_import
        self.imports = type(file_import)._default_manager.filter(pk=file_import.pk)
        self.job = run
        self.importer = importer
        self.tally = Tally()
        self.last_line = 0

    def run(self, *, resume_from: int) -> None:
        name = self.file_import.original_name
        try:
            table = stored_table(self.file_import)
            if self.file_import.all_or_nothing:
                self._all_or_nothing(table, done=resume_from)
            else:
                self._chunk_by_chunk(table, resume_from=resume_from)
        except FileProblem as problem:
            raise JobFailed(f"{name}: {problem.message} {self._so_far()}") from None
        except DATABASE_FAULTS:
            raise  # the job machinery retries it later; the committed chunks stay
        except (JobInterrupted, LeaseLost):
            raise  # paused, cancelled, or resumed by another worker: the committed chunks stay
        except Exception as error:
            logger.exception("Import %s (%s) stopped", self.file_import.pk, type(self.file_import).__name__)
            raise JobFailed(
                f"{name}: the import stopped unexpectedly after line {self.last_line or 1}; the details are "
                f"in the server log. {self._so_far()}"
            ) from error

    def _so_far(self) -> str:
        if self.file_import.all_or_nothing:
            return "Nothing was imported."
        return f"Rows before it were imported ({self.tally}); the rest were not."

    def _serialise_writes(self) -> None:
        """Waits for any other import's chunk of the same record type to commit, then holds it off until
        this transaction ends: the duplicate lookups that follow see every record the other created."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_CLASS, self.importer.lock_key]
            )

    def _write(self, chunk: list[Row]) -> Tally:
        return self.importer.write([self.importer.check(row) for row in chunk])

    def _chunk_by_chunk(self, table: Table, *, resume_from: int) -> None:
        if resume_from:
            done = self.file_import
            self.tally = Tally(done.created_count, done.updated_count, done.skipped_count, done.error_count)
        for chunk in self.job.paced(_chunks(islice(table.rows(), resume_from, None))):
            with transaction.atomic():
                self._serialise_writes()
                tally = self._write(chunk)
                self.tally += tally
                self.last_line = chunk[-1].line
                self.imports.update(
                    created_count=F("created_count") + tally.created,
                    updated_count=F("updated_count") + tally.updated,
                    skipped_count=F("skipped_count") + tally.skipped,
                    error_count=F("error_count") + tally.errors,
                )
                self.job.save_progress(advance=len(chunk), message=f"Line {self.last_line:,}: {self.tally}")
        with transaction.atomic():
            self._finish(self._done_message())

    def _all_or_nothing(self, table: Table, *, done: int) -> None:
        notes: list[FileImportProblem] = []
        checked = 0
        for chunk in self.job.paced(_chunks(table.rows())):
            for row in chunk:
                result = self.importer.check(row)
                if not result.ok:
                    notes.extend(row_problems(self.file_import, result))
                    self.tally.errors += 1
            checked += len(chunk)
            self.last_line = chunk[-1].line
            if checked > done:  # a resumed run re-checks from the top; the bar never moves back
                with transaction.atomic():
                    self.job.save_progress(advance=checked - done, message=f"Checked {checked:,} rows")
                done = checked
        if not self.tally.errors:
            # Its own transaction: the job's row stays free for the heartbeat while the records are written.
            with transaction.atomic():
                self.job.save_progress(message="Every row is valid; saving the records")
        with transaction.atomic():
            # A crashed earlier attempt committed nothing but, perhaps, these reports: start clean.
            self.file_import.errors.all().delete()
            if self.tally.errors:
                problems_save(notes)
                self._finish(self._refused_message())
                return
            self._serialise_writes()
            reports: list[FileImportProblem] = []
            try:
                with transaction.atomic():
                    for chunk in _chunks(table.rows()):
                        self.tally += self._write(chunk)
                    if self.tally.errors:  # found while writing: a reference, a repeated id...
                        reports = list(self.file_import.errors.all())
                        raise _Refused
            except _Refused:
                for report in reports:  # rolled back with the records; the user needs them
                    report.pk = None
                problems_save(reports)
                self.tally = Tally(errors=self.tally.errors)
                self._finish(self._refused_message())
                return
            self._finish(self._done_message())

    def _done_message(self) -> str:
        summary = self.importer.summary(self.tally)
        return f"{self.file_import.original_name}: {self.tally}." + (f" {summary}" if summary else "")

    def _refused_message(self) -> str:
        errors = self.tally.errors
        return (
            f"{self.file_import.original_name}: nothing was imported, because {errors:,} "
            f"row{'s have' if errors != 1 else ' has'} errors (all or nothing). Correct them and upload "
            "the file again."
        )

    def _finish(self, message: str) -> None:
        """Marks the import and its job done; call it inside a transaction."""
        self.imports.update(
            status=ImportStatus.DONE,
            finished_at=timezone.now(),
            created_count=self.tally.created,
            updated_count=self.tally.updated,
            skipped_count=self.tally.skipped,
            error_count=self.tally.errors,
        )
        self.job.finish(result=self.tally.as_dict(), message=message)
        self.importer.finish(self.tally)
