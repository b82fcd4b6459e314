"""What gunicorn serves during the load runs: production settings on the benchmark's own database.

It starts from bench.settings (the same crm_bench database and secret key as the harness, so the
sessions the harness writes are valid here) and undoes the test settings' shortcuts: DEBUG off,
WhiteNoise back in the middleware, tasks queued instead of run in the request. Static files are not
requested by the load generators, so they need no collectstatic (WhiteNoise's warning says so).
"""

import warnings

from bench.settings import *  # noqa: F403
from bench.settings import DATABASES
from crm.settings.base import MIDDLEWARE as PRODUCTION_MIDDLEWARE

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "bench.urls_serve"
# Every request reuses its worker's connection, as a production worker with CONN_MAX_AGE does.
DATABASES["default"]["CONN_MAX_AGE"] = None
# Innermost, so that a bench write's whole view (its services and the page it renders) is rolled back.
MIDDLEWARE = [*PRODUCTION_MIDDLEWARE, "bench.serve.RollbackBenchWrites"]
# Production queues tasks for a worker: the request pays for the enqueue, not the task. No worker runs
# here and no broker of the user's is written to; bench writes are rolled back, so nothing is queued.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = "memory://"
warnings.filterwarnings("ignore", message="No directory at")
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
