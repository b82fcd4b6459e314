"""Background scenarios of the leads app: importing a file, rescoring every lead after a rule change,
and exporting leads as CSV.

The import and the rescore call the services a worker calls, synchronously, with the Celery wake-ups held
(bench.background.held_tasks), so that each phase is timed on its own: the import's upload, confirmation
and run, then the rescoring its chunks asked for; a rule's save, then the rescore job it started. The
export is a request: a marketer downloads the lead list's CSV through the Django test client, reading
the streamed response as a browser would.
"""

from __future__ import annotations

import resource
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.background import Outcome, background, held_tasks
from bench.import_file import DUPLICATE_EVERY, build_csv
from bench.scales import Scale
from bench.seed_scoring import RESCORED_POINTS, RESCORED_RULE
from crm.jobs.running import job_run
from crm.models import BackgroundJob, Role, User
from leads.exporting import selectors as export_selectors
from leads.importing.services import import_confirm, import_upload
from leads.models import DuplicatePolicy, Lead, LeadImport, LeadScore, ScoringRule
from leads.scoring.services import leads_rescore_chunk, scoring_rule_update

# Imports and rescores are jobs of the kernel's machinery, woken by one task and run here in-process.
JOB_TASK = "crm.jobs.run"
RESCORE_CHUNK_TASK = "leads.rescore_chunk"
RESCORE_LEAD_TASK = "leads.rescore_lead"
# The duplicate checks an import wakes are held and counted, not run: at about 60 ms a lead at full
# scale they are a worker's next hour, not part of the import.
DUPLICATES_CHUNK_TASK = "leads.check_duplicates_chunk"
DUPLICATES_LEAD_TASK = "leads.check_lead_duplicates"
# The figure: an export of 100,000 leads (all of them at the scales with fewer).
EXPORT_ROWS = 100_000


def _bench_user(role: Role) -> User:
    user = User.objects.filter(role=role, username__startswith="bench_").order_by("id").first()
    if user is None:
        raise LookupError(f"no seeded user with role {role.value}")
    return user


def _wal_position() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return str(cursor.fetchone()[0])


def _wal_mb_since(position: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", [position])
        return round(float(cursor.fetchone()[0]) / 2**20, 1)


def _existing_emails(count: int) -> list[str]:
    """`count` addresses of seeded leads, spread over the table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email FROM leads_lead WHERE email <> '' "
            "AND mod(id, GREATEST(1, (SELECT COUNT(*) FROM leads_lead) / %s)) = 0 ORDER BY id LIMIT %s",
            [max(1, count), count],
        )
        return [email for (email,) in cursor.fetchall()]


@background("lead-import", description="Import a generated CSV (5% duplicates), upload to done, then rescore")
def lead_import(scale: Scale) -> Outcome:
    """A manager imports a file for one of their reps, skipping duplicates, as the import page does."""
    manager = _bench_user(Role.SALES_MANAGER)
    owner = User.objects.filter(role=Role.SALES_REP, team=manager.team).order_by("id").first()
    data = build_csv(scale.import_rows, _existing_emails(scale.import_rows // DUPLICATE_EVERY))
    upload = SimpleUploadedFile("bench-leads.csv", data, content_type="text/csv")
    wal = _wal_position()
    with held_tasks(
        JOB_TASK, RESCORE_CHUNK_TASK, RESCORE_LEAD_TASK, DUPLICATES_CHUNK_TASK, DUPLICATES_LEAD_TASK
    ) as held:
        began = time.perf_counter()
        uploaded = import_upload(actor=manager, file=upload)
        checked = time.perf_counter()
        import_confirm(
            actor=manager,
            import_id=uploaded.pk,
            mapping=uploaded.mapping,
            duplicate_policy=DuplicatePolicy.SKIP,
            all_or_nothing=False,
            owner=owner,
        )
        confirmed = time.perf_counter()
        job_run(job_id=BackgroundJob.objects.get(leadimport=uploaded.pk).pk, worker="bench")
        imported = time.perf_counter()
        # What a worker does next: one set-based rescore per id chunk the import's chunks reported.
        wakeups = Counter(args[0] for name, args in held if name == RESCORE_CHUNK_TASK)
        for chunk in sorted(wakeups):
            leads_rescore_chunk(chunk=chunk)
        rescored = time.perf_counter()
    done = LeadImport.objects.get(pk=uploaded.pk)
    done.file.delete(save=False)
    if done.failure:
        raise RuntimeError(done.failure)
    return Outcome(
        rows=done.total_rows or 0,
        seconds=imported - began,
        details={
            "file_mb": round(len(data) / 2**20, 1),
            "created": done.created_count,
            "skipped_duplicates": done.skipped_count,
            "errors": done.error_count,
            "upload_s": round(checked - began, 2),
            "confirm_s": round(confirmed - checked, 2),
            "run_s": round(imported - confirmed, 2),
            "rescore_after_s": round(rescored - imported, 2),
            "rescore_wakeups": sum(wakeups.values()),
            "rescore_chunks": len(wakeups),
            "import_task_held": sum(1 for name, _ in held if name == JOB_TASK),
            "lead_rescores_held": sum(1 for name, _ in held if name == RESCORE_LEAD_TASK),
            "duplicate_check_wakeups": sum(1 for name, _ in held if name == DUPLICATES_CHUNK_TASK),
            "lead_duplicate_checks_held": sum(1 for name, _ in held if name == DUPLICATES_LEAD_TASK),
            "wal_mb": _wal_mb_since(wal),
        },
    )


@background(
    "lead-rescore",
    description="Change one scoring rule's points, then rescore every lead (the rule's rescore job)",
    keep=("leads_leadscore",),
    updates=("leads_lead",),
)
def lead_rescore(scale: Scale) -> Outcome:
    """An admin changes the web-form rule's points (5 <-> 8); the job it starts rescores every lead."""
    admin = _bench_user(Role.ADMIN)
    rule = ScoringRule.objects.get(name=RESCORED_RULE)
    points = RESCORED_POINTS[1] if rule.points == RESCORED_POINTS[0] else RESCORED_POINTS[0]
    wal = _wal_position()
    with held_tasks(JOB_TASK):
        began = time.perf_counter()
        saved = scoring_rule_update(
            actor=admin,
            rule_id=rule.pk,
            name=rule.name,
            kind=rule.kind,
            points=points,
            field=rule.field,
            operator=rule.operator,
            value=rule.value,
            event_type=rule.event_type,
            decay_days=rule.decay_days,
            is_active=rule.is_active,
        )
        saved_at = time.perf_counter()
        if saved.job is None:
            raise RuntimeError("changing the rule's points started no rescore job")
        job_run(job_id=saved.job.pk, worker="bench")
        finished = time.perf_counter()
    job = BackgroundJob.objects.get(pk=saved.job.pk)
    if job.status != "done":
        raise RuntimeError(f"the rescore job ended {job.status}: {job.message}")
    leads = int(job.result.get("leads", 0))
    return Outcome(
        rows=leads,
        seconds=finished - began,
        details={
            "points": f"{rule.points} -> {points}",
            "rule_save_s": round(saved_at - began, 3),
            "rescore_s": round(finished - saved_at, 2),
            "scores_changed": LeadScore.objects.filter(rule_id=rule.pk).count(),
            "wal_mb": _wal_mb_since(wal),
        },
    )


@dataclass(frozen=True)
class ExportPass:
    rows: int
    expected: int
    seconds: float
    first_rows_s: float  # until the first batch of rows arrived (the header comes before any query)
    megabytes: float
    queries: int
    peak_rss_mb: float  # the process's high-water mark after this pass


def _created_after_for(rows: int) -> date:
    """The day whose `created_after` filter keeps about the `rows` newest leads (whole days: a few more)."""
    created = Lead.objects.order_by("-created_at", "-id").values_list("created_at", flat=True)[rows - 1]
    return timezone.localtime(created).date()


def _export_pass(client: Client, rows: int) -> ExportPass:
    created_after = _created_after_for(rows)
    expected = Lead.objects.filter(created_at__date__gte=created_after).count()
    lines = size = 0
    first_rows_s = 0.0
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        response = client.get(reverse("leads:export"), {"created_after": created_after.isoformat()})
        if response.status_code != 200 or not isinstance(response, StreamingHttpResponse):
            raise RuntimeError(f"the export answered {response.status_code}, not a streamed file")
        for chunk in response.streaming_content:
            lines += chunk.count(b"\r\n")
            size += len(chunk)
            if not first_rows_s and lines > 1:
                first_rows_s = time.perf_counter() - began
        seconds = time.perf_counter() - began
    if lines - 1 != expected:
        raise RuntimeError(f"the export wrote {lines - 1} rows, {expected} leads match its filter")
    return ExportPass(
        rows=lines - 1,
        expected=expected,
        seconds=seconds,
        first_rows_s=first_rows_s,
        megabytes=round(size / 2**20, 1),
        queries=len(queries),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    )


@background(
    "lead-export",
    description="A marketer exports the newest 100,000 leads as streamed CSV (after 10% of them, to "
    "compare peak memory)",
)
def lead_export(scale: Scale) -> Outcome:
    """The lead list's Export CSV link, filtered to the newest leads: 10% of the rows first, then all.

    Peak memory is the process's high-water mark, so if it grew with the rows, the second pass (ten times
    the rows) would raise it; streamed in keyset batches, both passes peak at about the same size.
    """
    client = Client()
    client.force_login(_bench_user(Role.MARKETER))
    rows = min(EXPORT_ROWS, scale.leads, Lead.objects.count())
    tenth = _export_pass(client, max(1, rows // 10))
    full = _export_pass(client, rows)
    return Outcome(
        rows=full.rows,
        seconds=full.seconds,
        details={
            "csv_mb": full.megabytes,
            "first_rows_s": round(full.first_rows_s, 3),
            "queries": full.queries,
            "batch_size": export_selectors.BATCH_SIZE,
            "rows_10pct": tenth.rows,
            "rows_per_s_10pct": round(tenth.rows / tenth.seconds) if tenth.seconds else None,
            "peak_rss_mb_after_10pct": tenth.peak_rss_mb,
            "peak_rss_mb_after_100pct": full.peak_rss_mb,
            "rss_growth_10_to_100pct_mb": round(full.peak_rss_mb - tenth.peak_rss_mb, 1),
        },
    )
