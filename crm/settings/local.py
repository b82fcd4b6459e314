"""Development defaults for `make run`: DEBUG on, embedded PostgreSQL and broker unless configured."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: E402, F403

# runserver serves static files itself in development.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise.")]  # noqa: F405
