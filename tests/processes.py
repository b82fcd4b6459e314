"""What tests that start real processes (a worker, a beat, `make run`, an SMTP sink) need to reach them."""

import socket

from django.db import connection


def test_database_url() -> str:
    """The test database's URL, for a child process's DATABASE_URL."""
    db = connection.settings_dict
    host = db["HOST"] or db.get("OPTIONS", {}).get("host", "")
    if host.startswith("/"):
        return f"postgresql://{db['USER']}@/{db['NAME']}?host={host}"
    return f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
