"""A worker knows every task by its name: the tasks modules of the apps and of their feature packages
(sales/renewals/tasks.py, crm/timeline/tasks.py) are found the way a freshly started worker finds them."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

from celery import Task
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APPS = ("crm", "leads", "sales", "orders", "support", "campaigns", "insights")
# What `celery -A crm worker` registers before it takes its first message.
REGISTERED = """
import django
django.setup()
from crm.celery import app
app.loader.import_default_modules()
print("\\n".join(sorted(app.tasks)))
"""


def _registered_in_a_new_worker() -> set[str]:
    result = subprocess.run(  # noqa: S603  (our own interpreter and arguments)
        [sys.executable, "-c", REGISTERED],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def _defined_tasks() -> set[str]:
    names = set()
    for path in sorted(ROOT.glob("*/**/tasks.py")):
        module_path = path.relative_to(ROOT).with_suffix("")
        if module_path.parts[0] not in APPS:
            continue
        module = importlib.import_module(".".join(module_path.parts))
        names |= {value.name for value in vars(module).values() if isinstance(value, Task)}
    return names


def test_a_new_worker_registers_every_task_the_apps_and_their_features_define():
    defined = _defined_tasks()

    assert "sales.create_due_renewals" in defined  # sales/renewals/tasks.py, a feature package's module
    assert defined <= _registered_in_a_new_worker()


def test_a_new_worker_registers_every_task_the_beat_schedule_sends():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled <= _registered_in_a_new_worker()
