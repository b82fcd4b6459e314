"""Background scenario of the kernel's import: moving a pipeline of deals in from another CRM.

An admin imports a Salesforce-style file of `scale.import_rows` deals on the seeded accounts (by name),
half of them closed in the past (won, or lost with a reason), a third with one or two product lines,
owners by email address, through the services the pages call and the job a worker runs, with the Celery
wake-ups held (bench.background.held_tasks) so that the import is timed on its own, upload to done.
Then the same file again: every deal is found by its external id and updated.
"""

from __future__ import annotations

import csv
import io
import random
import resource
import time
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from bench.background import Outcome, background, held_tasks
from bench.scales import Scale
from crm.imports.services import record_import_confirm, record_import_upload
from crm.jobs.running import job_run
from crm.models import Account, BackgroundJob, DuplicatePolicy, RecordImport, Role, User
from sales.models import Product, StageKind
from sales.models.pipelines import Pipeline

JOB_TASK = "crm.jobs.run"
HEADERS = [
    "Opportunity ID",
    "Opportunity Name",
    "Account Name",
    "Stage",
    "Amount",
    "Created Date",
    "Close Date",
    "Opportunity Owner",
    "Products",
    "Lost Reason",
]


def _deals_csv(rows: int) -> bytes:
    """Deterministic: the same size gives the same file."""
    draw = random.Random(rows)
    pipeline = Pipeline.objects.get(is_default=True)
    open_stages = list(pipeline.stages.filter(kind=StageKind.OPEN).values_list("name", flat=True))
    accounts = list(Account.objects.order_by("id").values_list("name", "owner__email")[: max(1, rows // 2)])
    products = list(Product.objects.filter(is_active=True).values_list("name", flat=True)[:50])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    today = date(2026, 1, 1)
    for n in range(rows):
        account, owner = accounts[n % len(accounts)]
        created = today - timedelta(days=30 + draw.randrange(700))
        kind = draw.random()
        stage = "Closed Won" if kind < 0.25 else "Closed Lost" if kind < 0.5 else draw.choice(open_stages)
        closed = created + timedelta(days=5 + draw.randrange(120))
        lines = ""
        if n % 3 == 0:
            lines = "; ".join(f"{draw.choice(products)} x {1 + draw.randrange(3)}" for _ in range(1 + n % 2))
        writer.writerow(
            [
                f"BENCH-OPP-{n:07d}",
                f"{account} deal {n}",
                account,
                stage,
                f"{draw.randrange(500, 90_000)}.00",
                created.isoformat(),
                closed.isoformat(),
                owner,
                lines,
                "Price" if stage == "Closed Lost" else "",
            ]
        )
    return out.getvalue().encode()


def _stage_values() -> dict[str, dict[str, str]]:
    """What the admin chooses in the preview: the seed has two pipelines, each with a won and a lost
    stage, so "Closed Won" and "Closed Lost" name no stage until they are mapped to the default one's."""
    stages = Pipeline.objects.get(is_default=True).stages
    won, lost = stages.get(kind=StageKind.WON), stages.get(kind=StageKind.LOST)
    return {"stage": {"Closed Won": str(won.pk), "Closed Lost": str(lost.pk)}}


def _run(admin: User, data: bytes) -> tuple[RecordImport, float]:
    began = time.perf_counter()
    uploaded = record_import_upload(
        actor=admin, kind="deals", file=SimpleUploadedFile("bench-deals.csv", data)
    )
    record_import_confirm(
        actor=admin,
        import_id=uploaded.pk,
        mapping=uploaded.mapping,
        duplicate_policy=DuplicatePolicy.UPDATE,
        all_or_nothing=False,
        owner=None,
        values=_stage_values(),
    )
    job_run(job_id=BackgroundJob.objects.get(recordimport=uploaded.pk).pk, worker="bench")
    seconds = time.perf_counter() - began
    done = RecordImport.objects.get(pk=uploaded.pk)
    done.file.delete(save=False)
    if done.failure:
        raise RuntimeError(done.failure)
    return done, seconds


@background(
    "deal-import", description="Import a Salesforce-style file of deals with lines, then the same file again"
)
def deal_import(scale: Scale) -> Outcome:
    admin = User.objects.filter(role=Role.ADMIN).order_by("id").first()
    if admin is None:
        raise LookupError("no seeded admin")
    data = _deals_csv(scale.import_rows)
    with held_tasks(JOB_TASK):
        first, seconds = _run(admin, data)
        again, again_seconds = _run(admin, data)
    return Outcome(
        rows=first.total_rows or 0,
        seconds=seconds,
        details={
            "file_mb": round(len(data) / 2**20, 1),
            "created": first.created_count,
            "errors": first.error_count,
            "rows_per_s": round((first.total_rows or 0) / seconds),
            "rerun_s": round(again_seconds, 2),
            "rerun_updated": again.updated_count,
            "rerun_created": again.created_count,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        },
    )
