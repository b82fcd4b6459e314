"""Background scenarios of the leads app: importing a file, and rescoring every lead after a rule change.

Both call the services a worker calls, synchronously, with the Celery wake-ups held (bench.background.
held_tasks), so that each phase is timed on its own: the import's upload, confirmation and run, then the
rescoring its chunks asked for; a rule's save, then the rescore job it started.
"""

from __future__ import annotations

import time
from collections import Counter

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from bench.background import Outcome, background, held_tasks
from bench.import_file import DUPLICATE_EVERY, build_csv
from bench.scales import Scale
from bench.seed_scoring import RESCORED_POINTS, RESCORED_RULE
from crm.models import BackgroundJob, Role, User
from leads.importing.running import import_run
from leads.importing.services import import_confirm, import_upload
from leads.models import DuplicatePolicy, LeadImport, LeadScore, ScoringRule
from leads.scoring.services import leads_rescore_chunk, rule_update, rules_rescore_all

IMPORT_TASK = "leads.import_leads"
RESCORE_CHUNK_TASK = "leads.rescore_chunk"
RESCORE_LEAD_TASK = "leads.rescore_lead"
RESCORE_ALL_TASK = "leads.rescore_all"


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
    with held_tasks(IMPORT_TASK, RESCORE_CHUNK_TASK, RESCORE_LEAD_TASK) as held:
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
        import_run(import_id=uploaded.pk)
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
            "import_task_held": sum(1 for name, _ in held if name == IMPORT_TASK),
            "lead_rescores_held": sum(1 for name, _ in held if name == RESCORE_LEAD_TASK),
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
    with held_tasks(RESCORE_ALL_TASK) as held:
        began = time.perf_counter()
        saved = rule_update(
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
        leads = rules_rescore_all(job_id=saved.job.pk)
        finished = time.perf_counter()
    if not held:  # the job ran inside rule_update after all (the wake-up path changed): count that
        leads = int(BackgroundJob.objects.get(pk=saved.job.pk).result.get("leads", 0))
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
