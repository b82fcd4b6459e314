"""What the benchmark database holds: which scale and seed version, and whether a run left it clean.

A row in `bench_seed_state` (a table of the benchmark's own, which `flush` leaves alone) records the
fingerprint of the seeded data: the scale's row counts, SEED_VERSION and the applied migrations. A run
whose fingerprint matches a clean row reuses the data instead of seeding again (a full-scale seed takes
minutes). Scenarios that write mark the data dirty first and clean once they have undone their writes,
so an interrupted run leads to a fresh seed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import connection

from bench.scales import Scale

# Bump whenever the seed writes different rows: the next run then seeds again instead of reusing.
SEED_VERSION = 2
TABLE = "bench_seed_state"
# Scale fields that do not change the seeded rows.
NOT_SEEDED = ("repetitions", "import_rows")


@dataclass(frozen=True)
class SeedState:
    fingerprint: str
    scale: str
    clean: bool
    seconds: float
    seeded_at: datetime


def fingerprint(scale_name: str, scale: Scale) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
    rows = {key: value for key, value in asdict(scale).items() if key not in NOT_SEEDED}
    payload = {"version": SEED_VERSION, "scale": scale_name, "rows": rows, "migrations": migrations}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _ensure_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY CHECK (id = 1), "
            "fingerprint text NOT NULL, scale text NOT NULL, clean boolean NOT NULL, "
            "seconds double precision NOT NULL, seeded_at timestamptz NOT NULL DEFAULT now())"
        )


def current() -> SeedState | None:
    _ensure_table()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT fingerprint, scale, clean, seconds, seeded_at FROM {TABLE}")
        row = cursor.fetchone()
    return SeedState(*row) if row else None


def forget() -> None:
    """Called before seeding: a seed that stops halfway leaves no state, so the next run seeds again."""
    _ensure_table()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")


def record(*, fingerprint: str, scale: str, seconds: float) -> None:
    _ensure_table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (id, fingerprint, scale, clean, seconds) VALUES (1, %s, %s, true, %s) "
            "ON CONFLICT (id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, scale = EXCLUDED.scale, "
            "clean = true, seconds = EXCLUDED.seconds, seeded_at = now()",
            [fingerprint, scale, seconds],
        )


def set_clean(clean: bool) -> None:
    _ensure_table()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET clean = %s", [clean])
