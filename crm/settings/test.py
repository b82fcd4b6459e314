"""Test settings: fast hashing, eager tasks (a real worker is used by the integration tests)."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Throttles stay on at rates no test reaches; a throttle's own tests lower its rate.
for _throttle in (
    "API_THROTTLE_ANON_RATE",
    "API_THROTTLE_USER_RATE",
    "PASSWORD_RESET_IP_RATE",
    "PASSWORD_RESET_EMAIL_RATE",
):
    os.environ.setdefault(_throttle, "1000/second")

from .base import *  # noqa: E402, F403
from .environment import read  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# One process: its own memory shares the throttles' counts, and keeps cache queries out of the query
# counts. The shared table of production's embedded mode is tested in tests/api/test_throttling.py.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Parallel runs on one server (two checkouts, or CI's two modes) each name their own test database.
_test_name = read("TEST_DATABASE_NAME", default=f"test_{DATABASES['default']['NAME']}")  # noqa: F405
DATABASES["default"]["TEST"] = {"NAME": _test_name}  # noqa: F405
# Static files come from the finders in tests; WhiteNoise would only warn that STATIC_ROOT is empty.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise.")]  # noqa: F405
