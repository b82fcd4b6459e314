"""`python -m bench`: check the database is its own, migrate, seed, time every scenario, write reports."""

import argparse
import json
import math
import os
import platform
import time
import warnings
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import django

from bench.scales import DEFAULT_SCALE, SCALES, Scale

if TYPE_CHECKING:
    from bench.scenarios import Scenario

REPORTS_DIR = Path(__file__).resolve().parent / "reports"
WARM_UP_REQUESTS = 2
SETTINGS_MODULE = "bench.settings"


@dataclass
class Result:
    name: str
    role: str
    description: str
    error: str = ""
    timings_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error

    def summary(self) -> dict[str, Any]:
        timings = sorted(self.timings_ms)
        return {
            "name": self.name,
            "role": self.role,
            "description": self.description,
            "result": "ok" if self.ok else "failed",
            "error": self.error,
            "repetitions": len(timings),
            "p50_ms": percentile(timings, 50),
            "p95_ms": percentile(timings, 95),
            "p99_ms": percentile(timings, 99),
            "mean_ms": round(sum(timings) / len(timings), 2) if timings else None,
            "max_ms": round(timings[-1], 2) if timings else None,
            "queries_min": min(self.queries) if self.queries else None,
            "queries_max": max(self.queries) if self.queries else None,
        }


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return round(ordered[rank - 1], 2)


def main(argv: list[str] | None = None) -> int:
    arguments = _parse(argv)
    scale = SCALES[arguments.scale]
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    # WhiteNoise warns that STATIC_ROOT is missing: the benchmark never collects static files.
    warnings.filterwarnings("ignore", message="No directory at: ")
    django.setup()

    from django.core.management import call_command

    from bench import database, seed
    from bench.scenarios import REGISTRY

    if arguments.list:
        for name, registered in REGISTRY.items():
            print(f"{name:<24} {registered.role.value:<14} {registered.description}")
        return 0
    unknown = set(arguments.only or ()) - set(REGISTRY)
    if unknown:
        raise SystemExit(f"bench: no scenario named {', '.join(sorted(unknown))} (see --list).")
    selected = [REGISTRY[name] for name in arguments.only] if arguments.only else list(REGISTRY.values())
    repetitions = arguments.repetitions or scale.repetitions

    started = time.perf_counter()
    name = database.ensure_bench_database()
    print(f"bench: database {name}, scale {arguments.scale}, {repetitions} timed requests per scenario")
    call_command("migrate", interactive=False, verbosity=0)
    counts = seed.row_counts() if arguments.no_seed else seed.seed(scale)

    results = [_measure(registered, repetitions) for registered in selected]
    report = _report(arguments.scale, scale, counts, results, time.perf_counter() - started)
    markdown = _markdown(report)
    REPORTS_DIR.mkdir(exist_ok=True)
    (REPORTS_DIR / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (REPORTS_DIR / "latest.md").write_text(markdown)
    print(markdown, end="")
    print(f"bench: wrote {REPORTS_DIR / 'latest.json'} and latest.md in {report['duration_s']} s")
    failed = [result.name for result in results if not result.ok]
    if failed:
        print(f"bench: FAILED scenarios: {', '.join(failed)}")
        return 1
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Seed the crm_bench database and time the main pages."
    )
    parser.add_argument(
        "--scale",
        default=os.environ.get("BENCH_SCALE") or DEFAULT_SCALE,
        help=f"{' | '.join(SCALES)} (default: $BENCH_SCALE or {DEFAULT_SCALE})",
    )
    parser.add_argument("--repetitions", type=int, help="timed requests per scenario (default: per scale)")
    parser.add_argument(
        "--only", action="append", metavar="SCENARIO", help="run only this scenario (repeatable)"
    )
    parser.add_argument("--no-seed", action="store_true", help="reuse the data the previous run seeded")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    arguments = parser.parse_args(argv)
    if arguments.scale not in SCALES:
        parser.error(
            f"unknown scale {arguments.scale!r} (BENCH_SCALE or --scale): use one of {', '.join(SCALES)}"
        )
    if arguments.repetitions is not None and arguments.repetitions < 1:
        parser.error("--repetitions must be at least 1")
    return arguments


def _measure(registered: "Scenario", repetitions: int) -> Result:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from crm.models import User

    result = Result(registered.name, registered.role.value, registered.description)
    user = User.objects.filter(role=registered.role, username__startswith="bench_").order_by("id").first()
    if user is None:
        result.error = f"no seeded user with role {registered.role.value}"
        return result
    client = Client()
    client.force_login(user)
    try:
        prepared = registered.prepare(user)
        for attempt in range(WARM_UP_REQUESTS + repetitions):
            with CaptureQueriesContext(connection) as captured:
                begun = time.perf_counter_ns()
                response = registered.request(client, user, **prepared)
                elapsed_ms = (time.perf_counter_ns() - begun) / 1e6
            if response.status_code != registered.expected_status:
                result.error = f"answered {response.status_code}, expected {registered.expected_status}"
                return result
            if attempt >= WARM_UP_REQUESTS:
                result.timings_ms.append(elapsed_ms)
                result.queries.append(len(captured))
    except Exception as error:  # a broken page is a failed scenario, not a crashed benchmark
        result.error = f"{type(error).__name__}: {error}"
    return result


def _report(
    scale_name: str, scale: Scale, counts: dict[str, int], results: list[Result], duration: float
) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version')")
        (server_version,) = cursor.fetchone() or ("unknown",)
    return {
        "generated_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "scale": scale_name,
        "scale_rows": asdict(scale),
        "row_counts": counts,
        "database": {
            "name": connection.settings_dict["NAME"],
            "server_version": server_version,
        },
        "python": platform.python_version(),
        "django": django.get_version(),
        "duration_s": round(duration, 1),
        "scenarios": [result.summary() for result in results],
    }


def _markdown(report: dict[str, Any]) -> str:
    rows = ", ".join(
        f"{count:,} {table.removeprefix('crm_')}" for table, count in report["row_counts"].items()
    )
    lines = [
        f"# Benchmark: scale `{report['scale']}`, {report['generated_at']}",
        "",
        f"Rows: {rows}. PostgreSQL {report['database']['server_version']}, Django {report['django']}, "
        f"Python {report['python']}.",
        "",
        "| Scenario | Role | Requests | p50 ms | p95 ms | p99 ms | SQL queries | Result |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for entry in report["scenarios"]:
        queries = entry["queries_max"]
        if queries is not None and entry["queries_min"] != queries:
            queries = f"{entry['queries_min']}-{queries}"
        lines.append(
            f"| {entry['name']} | {entry['role']} | {entry['repetitions']} | {_cell(entry['p50_ms'])} | "
            f"{_cell(entry['p95_ms'])} | {_cell(entry['p99_ms'])} | {_cell(queries)} | "
            f"{'ok' if not entry['error'] else 'FAILED: ' + entry['error']} |"
        )
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    return "-" if value is None else str(value)
