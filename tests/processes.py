"""What tests that start real processes (a worker, a beat, `make run`, an SMTP sink) need to reach them."""

import socket
from typing import Any
from urllib.parse import quote

from django.db import connection


def database_url(settings_dict: dict[str, Any] | None = None) -> str:
    """The URL of a Django database (the test database by default), for a child process's DATABASE_URL."""
    db = settings_dict or connection.settings_dict
    host = db["HOST"] or db.get("OPTIONS", {}).get("host", "")
    user, password = quote(db["USER"] or ""), quote(str(db["PASSWORD"] or ""))
    if host.startswith("/"):
        return f"postgresql://{user}@/{db['NAME']}?host={host}"
    return f"postgresql://{user}:{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
