"""`make run`'s settings for tests/crm/test_serve_command.py, with its state kept out of the checkout.

The run lock, the static fingerprint, the collected files, beat's schedule and the mailbox go to
SERVE_TEST_DIR, and the tasks to a queue of their own, so the test never meets a developer's `make
run` in the same folder or on the same broker.
"""

import os
from pathlib import Path

from crm.settings.local import *  # noqa: F403

DATA_DIR = Path(os.environ["SERVE_TEST_DIR"])
STATIC_ROOT = DATA_DIR / "staticfiles"
MEDIA_ROOT = str(DATA_DIR / "media")
EMAIL_FILE_PATH = str(DATA_DIR / "mail")
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_TASK_DEFAULT_QUEUE = os.environ["SERVE_TEST_QUEUE"]
