"""Production: every secret and server comes from the environment; nothing is embedded."""

from .environment import read

for required in ("SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"):
    read(required)

from .base import *  # noqa: E402, F403
