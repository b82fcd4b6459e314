"""What the benchmark database holds: which scale and seed version, and whether a run left it clean.

A row in `bench_seed_state` (a table of the benchmark's own, which `flush` leaves alone) records the
fingerprint of the seeded data: the scale's row counts, the seed's own code (bench/seed*.py and
bench/sql.py, so that a change to them, but not to their comments, seeds again), SEED_VERSION and the
applied migrations. A run whose fingerprint matches a clean row reuses the data instead of seeding
again (a full-scale seed takes minutes). Scenarios that write mark the data dirty first and clean once
they have undone their writes, so a run after an interrupted one restores the seed's snapshot
(bench.snapshot) or seeds again.
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from django.db import connection

from bench.scales import Scale

# Bump when the seeded rows change through code outside the seed's own modules (say, the app's scoring
# engine): the next run then seeds again instead of reusing. A change to the seed's modules does that.
SEED_VERSION = 3
SEED_CODE = sorted([*Path(__file__).parent.glob("seed*.py"), Path(__file__).parent / "sql.py"])
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
    payload = {
        "version": SEED_VERSION,
        "code": code_digest(),
        "scale": scale_name,
        "rows": rows,
        "migrations": migrations,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def code_digest() -> str:
    """A digest of the seed's code that comments, docstrings and formatting do not change."""
    digest = hashlib.sha256()
    for path in SEED_CODE:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and _is_docstring(body[0]):
                body[0] = ast.Pass()
        digest.update(ast.dump(tree).encode())
    return digest.hexdigest()


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


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
