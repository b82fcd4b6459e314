"""A new CRM starts with a sales pipeline and lost reasons that admins then adapt."""

from django.db import migrations

STAGES = [
    ("Qualification", 10, "open"),
    ("Discovery", 20, "open"),
    ("Demo", 40, "open"),
    ("Proposal", 60, "open"),
    ("Negotiation", 80, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
]
LOST_REASONS = ["Price", "Chose a competitor", "No budget", "No decision", "Timing", "Missing feature"]


def create_defaults(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    LostReason = apps.get_model("sales", "LostReason")
    if Pipeline.objects.exists():
        return
    pipeline = Pipeline.objects.create(name="Sales", is_default=True)
    for position, (name, probability, kind) in enumerate(STAGES):
        Stage.objects.create(pipeline=pipeline, name=name, probability=probability, kind=kind, position=position)
    for position, name in enumerate(LOST_REASONS):
        LostReason.objects.get_or_create(name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
