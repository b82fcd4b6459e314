"""The lead import's job: the kernel's import run (crm.imports.running) with the lead's importer."""

from __future__ import annotations

from django.urls import reverse

from crm.imports.running import import_stopped, run_import
from crm.jobs.running import JobFailed, JobRun, job_kind
from crm.models import BackgroundJob
from leads.models import LeadImport

from .importer import LeadImporter
from .services import JOB_KIND


def _import_url(job: BackgroundJob) -> str:
    import_id = job.payload.get("import_id")
    return reverse("leads:import-detail", args=[import_id]) if import_id else reverse("leads:import-list")


@job_kind(JOB_KIND, on_stop=import_stopped(LeadImport), url=_import_url)
def import_run(run: JobRun) -> None:
    """Runs, or resumes after its last committed chunk, a confirmed lead import."""
    imports = LeadImport.objects.select_related("created_by", "owner")
    lead_import = imports.filter(pk=run.payload["import_id"]).first()
    if lead_import is None:
        raise JobFailed("The import was deleted before it ran.")
    run_import(run, lead_import, LeadImporter(lead_import))
