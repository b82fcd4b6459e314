"""The test settings, pointed at the benchmark's own database on the same server."""

import tempfile
from pathlib import Path

from crm.settings.test import *  # noqa: F403
from crm.settings.test import ALLOWED_HOSTS, DATABASES

# The only database the benchmark ever writes to; bench.database refuses any other.
BENCH_DATABASE = "crm_bench"

# A new dictionary: importing this module never repoints the test settings' own connection.
DATABASES = {
    **DATABASES,
    # Keep one connection for the whole run, as a production worker would, so connecting is not timed.
    "default": {**DATABASES["default"], "NAME": BENCH_DATABASE, "CONN_MAX_AGE": None},
}
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
# Uploaded import files go to a directory of the benchmark's own; the import scenario deletes its file.
MEDIA_ROOT = str(Path(tempfile.gettempdir()) / "crm-bench-media")
