import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")


def task_packages() -> list[str]:
    """Every installed app and each of its feature packages that has a tasks.py (sales.renewals as well
    as crm): the worker imports their tasks modules, so that each task is registered by its name."""
    from django.apps import apps

    packages = []
    for config in apps.get_app_configs():
        packages.append(config.name)
        features = (child for child in sorted(Path(config.path).iterdir()) if (child / "tasks.py").is_file())
        packages.extend(f"{config.name}.{feature.name}" for feature in features)
    return packages


app.autodiscover_tasks(task_packages)
