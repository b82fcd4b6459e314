"""Imports and rescores now run on the kernel's job machinery, which reads what to do from the job's
payload: an import's id (it was found through LeadImport.job), and a rescore's rules (kept in its result)."""

from django.db import migrations


def fill_payloads(apps, schema_editor):
    LeadImport = apps.get_model("leads", "LeadImport")
    BackgroundJob = apps.get_model("crm", "BackgroundJob")
    for import_id, job_id in LeadImport.objects.filter(job__isnull=False).values_list("pk", "job_id"):
        BackgroundJob.objects.filter(pk=job_id).update(payload={"import_id": import_id})
    for job in BackgroundJob.objects.filter(kind="Lead rescoring"):
        job.payload = {"rule_ids": job.result.get("rule_ids")}
        job.save(update_fields=["payload"])


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0010_saved_views_move_to_crm"),
        ("crm", "0010_job_leases_checkpoints"),
    ]

    operations = [migrations.RunPython(fill_payloads, migrations.RunPython.noop)]
