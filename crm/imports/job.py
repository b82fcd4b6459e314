"""The job that runs a confirmed import of any registered record type (crm.imports.registry)."""

from __future__ import annotations

from django.urls import reverse

from crm.jobs.running import JobFailed, JobRun, job_kind
from crm.models import BackgroundJob, RecordImport

from .registry import record_type
from .running import import_stopped, run_import
from .services import JOB_KIND


def _import_url(job: BackgroundJob) -> str:
    import_id = job.payload.get("import_id")
    return reverse("imports:detail", args=[import_id]) if import_id else reverse("imports:list")


@job_kind(JOB_KIND, on_stop=import_stopped(RecordImport), url=_import_url)
def record_import_run(run: JobRun) -> None:
    """Runs, or resumes after its last committed chunk, a confirmed import."""
    imports = RecordImport.objects.select_related("created_by", "owner")
    record_import = imports.filter(pk=run.payload["import_id"]).first()
    if record_import is None:
        raise JobFailed("The import was deleted before it ran.")
    run_import(run, record_import, record_type(record_import.kind).importer(record_import))
