"""Development defaults for `make run`: DEBUG on, embedded PostgreSQL and broker unless configured."""

import os
import warnings

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: E402, F403

# In development WhiteNoise serves files straight from the finders; STATIC_ROOT is only for deployments.
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
