"""The load runs' report: figures per scenario and concurrency, the goals met or missed, and why.

Every run writes its full report, with the missed goals' slowest queries and their plans, to
bench/reports/load-latest.{json,md}, and a run of every scenario to load-<scale>.* too; bench/reports/ is
not committed. docs/benchmarks.json is: a run of every scenario at small or full scale stores its report
there, trimmed of the queries and plans (each slowest query keeps its name and time), and
docs/benchmarks.md, the summary, is rebuilt from it. So a full run keeps the small figures beside it, and
the full-scale latency goal compares the two, on any checkout.

Goals are set for full scale; at smaller scales they are evaluated the same way, as an early warning:
- throughput: a JSON request makes at least 0.08 of the ceiling's requests per second, an HTML page
  0.05 (at the plan's highest concurrency, where both saturate the server); writes have no goal;
- a deep page's p95 is within 1.1x of its first page's (at the lowest concurrency: no queueing);
- a scenario's p95 at full scale is within 1.2x of its p95 at small scale (lowest concurrency).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from statistics import median
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.load import LoadPlan
    from bench.load_targets import LoadScenario

REPORTS_DIR = Path(__file__).resolve().parent / "reports"
REPOSITORY = Path(__file__).resolve().parent.parent
DOCS_FILE = REPOSITORY / "docs" / "benchmarks.md"
DOCS_DATA = DOCS_FILE.with_suffix(".json")
DOCUMENTED_SCALES = ("small", "full")
GOAL_SCALE = "full"
BASE_SCALE = "small"  # what the full scale's latencies are compared with
THROUGHPUT_GOALS = {"json": 0.08, "html": 0.05}
DEEP_GOAL = 1.1
SCALE_GOAL = 1.2
# Each deep page and the first page of the same list, as the same role.
DEEP_PAGES = {
    "lead-list-deep": "lead-list-marketer",
    "lead-list-filtered-deep": "lead-list-filtered-marketer",
    "board-column-deep": "board-column",
}
POSTGRES_SETTINGS = [
    "shared_buffers", "effective_cache_size", "work_mem", "random_page_cost", "max_connections",
    "synchronous_commit", "jit", "max_parallel_workers_per_gather",
]  # fmt: skip
# What a documented report leaves to the full one in bench/reports/: a list's SELECT names every column,
# and with the plans these made 70% of docs/benchmarks.json.
FULL_REPORT_ONLY = ("slowest_sql", "explain")
TABLES = {
    "leads_lead": "leads",
    "crm_account": "accounts",
    "crm_contact": "contacts",
    "sales_deal": "deals",
    "crm_activity": "activities",
    "crm_lifecycleevent": "lifecycle events",
}


def goal(name: str, text: str, measured: float | None, limit: float, *, at_most: bool) -> dict[str, Any]:
    if measured is None:
        return {"goal": name, "text": text, "measured": None, "status": "n/a"}
    met = measured <= limit if at_most else measured >= limit
    return {"goal": name, "text": text, "measured": round(measured, 3), "status": "met" if met else "missed"}


def evaluate(
    entries: list[dict[str, Any]], *, concurrency: list[str], scale: str, small: dict[str, Any] | None
) -> None:
    """Sets each scenario entry's "goals"; a scenario that failed has none."""
    by_name = {entry["name"]: entry for entry in entries}
    busiest, quietest = max(concurrency, key=int), min(concurrency, key=int)
    small_entries = {entry["name"]: entry for entry in (small or {}).get("scenarios", [])}
    for entry in entries:
        entry["goals"] = []
        figures = entry.get("by_concurrency", {})
        if entry["error"] or not figures:
            continue
        limit = THROUGHPUT_GOALS.get(entry["kind"])
        if limit is not None:
            text = f"{entry['kind'].upper()}: at least {limit} of the ceiling's req/s at c={busiest}"
            entry["goals"].append(goal("throughput", text, figures[busiest]["ratio"], limit, at_most=False))
        first = by_name.get(DEEP_PAGES.get(entry["name"], ""))
        if first is not None and not first["error"] and first.get("by_concurrency"):
            text = f"p95 within {DEEP_GOAL}x of {first['name']}'s at c={quietest}"
            ratio = _ratio(figures[quietest]["p95_ms"], first["by_concurrency"][quietest]["p95_ms"])
            entry["goals"].append(goal("deep page", text, ratio, DEEP_GOAL, at_most=True))
        text = f"p95 at full scale within {SCALE_GOAL}x of small's at c={quietest}"
        if scale != GOAL_SCALE:
            entry["goals"].append({"goal": "scale", "text": text, "measured": None, "status": "n/a"})
            continue
        at_small = small_entries.get(entry["name"], {}).get("by_concurrency", {}).get(quietest, {})
        ratio = _ratio(figures[quietest]["p95_ms"], at_small.get("p95_ms"))
        entry["goals"].append(goal("scale", text, ratio, SCALE_GOAL, at_most=True))


def _median(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


def _ratio(value: float | None, base: float | None) -> float | None:
    return value / base if value is not None and base else None


def build(
    *,
    scale_name: str,
    plan: LoadPlan,
    server: str,
    scenarios: list[LoadScenario],
    figures: dict[str, dict[str, dict[str, Any]]],
    ceiling: dict[str, dict[str, Any]],
    mix: dict[str, Any],
    machine: dict[str, Any],
    background: list[dict[str, Any]],
) -> dict[str, Any]:
    from bench.load_markdown import query_name

    entries = []
    for scenario in scenarios:
        measured = figures.get(scenario.name, {})
        for connections, entry in measured.items():
            entry["ratio"] = (
                round(entry["rps"] / ceiling[connections]["rps"], 3) if ceiling[connections]["rps"] else None
            )
        queries = scenario.probe.queries
        first = scenario.targets[0] if scenario.targets else None
        entries.append(
            {
                "name": scenario.name,
                "role": scenario.role,
                "description": scenario.description,
                "kind": scenario.kind,
                "request": f"{first.method} {first.path}" if first else "",
                "targets": len(scenario.targets),
                "queries_min": min(queries) if queries else None,
                "queries_max": max(queries) if queries else None,
                "request_ms": _median(scenario.probe.request_ms),
                "sql_ms": _median(scenario.probe.sql_ms),
                "slowest_sql": scenario.probe.slowest_sql,
                "slowest_query": query_name(scenario.probe.slowest_sql),
                "slowest_ms": scenario.probe.slowest_ms,
                "error": scenario.error,
                "by_concurrency": measured,
            }
        )
    small = _stored(BASE_SCALE) if scale_name == GOAL_SCALE else None
    evaluate(entries, concurrency=[str(c) for c in plan.concurrency], scale=scale_name, small=small)
    return {
        "generated_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "scale": scale_name,
        "command": f"BENCH_SCALE={scale_name} .venv/bin/python -m bench {' '.join(sys.argv[1:])}".rstrip(),
        "revision": _revision(),
        "plan": asdict(plan),
        "server": server,
        "tools": {"wrk": _wrk_version(), "locust": version("locust"), "gunicorn": version("gunicorn")},
        "machine": machine,
        **_database(),
        "ceiling": ceiling,
        "scenarios": entries,
        "mix": mix,
        "background": background,
    }  # fmt: skip


def _documented() -> dict[str, dict[str, Any]]:
    """{scale: report} of the runs docs/benchmarks.md shows."""
    return json.loads(DOCS_DATA.read_text()) if DOCS_DATA.exists() else {}


def _stored(scale: str) -> dict[str, Any] | None:
    return _documented().get(scale)


def trimmed(report: dict[str, Any]) -> dict[str, Any]:
    """The report as docs/benchmarks.json keeps it: every figure and verdict, each slowest query by name."""
    from bench.load_markdown import query_name

    scenarios = [
        {
            **{key: value for key, value in entry.items() if key not in FULL_REPORT_ONLY},
            "slowest_query": entry.get("slowest_query") or query_name(entry.get("slowest_sql", "")),
        }
        for entry in report["scenarios"]
    ]
    return report | {"scenarios": scenarios}


def _revision() -> str | None:
    """The commit measured, `-dirty` with local changes; None outside a git checkout."""
    try:
        shown = subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607
            capture_output=True, text=True, check=True, cwd=REPOSITORY,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return shown.stdout.strip() or None


def _wrk_version() -> str:
    shown = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
    return (shown.stdout or shown.stderr).split("[")[0].removeprefix("wrk").strip() or "unknown"


def describe_machine() -> dict[str, Any]:
    """Taken before the runs: the load average says how busy the machine already was."""
    model, memory_kb = "unknown CPU", 0
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), model
        )
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        memory_kb = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal:")))
    except (OSError, StopIteration, ValueError):
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 2**20, 1),
        "system": platform.platform(terse=True),
        "python": platform.python_version(),
        # Other work on the machine competes with the server, PostgreSQL and the load generator.
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def _database() -> dict[str, Any]:
    from django.db import connection

    from bench import seed_state

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version')")
        server_version = cursor.fetchone()[0]
        cursor.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)", [POSTGRES_SETTINGS]
        )
        settings = dict(cursor.fetchall())
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)", [list(TABLES)]
        )
        rows = {TABLES[name]: count for name, count in cursor.fetchall()}
    state = seed_state.current()
    return {
        "postgres": {
            "version": server_version,
            "settings": {name: settings.get(name) for name in POSTGRES_SETTINGS},
        },
        "data": {
            "rows_estimated": {label: rows.get(label) for label in TABLES.values()},
            "seeded_at": state.seeded_at.isoformat(timespec="seconds") if state else None,
            "seed_seconds": round(state.seconds, 1) if state else None,
        },
    }


def write(report: dict[str, Any], *, complete: bool) -> str:
    """Writes load-latest.*, load-<scale>.* when every scenario ran, and docs/benchmarks.{json,md} at
    small and full scale; returns this run's full Markdown."""
    from bench.load_markdown import section

    markdown = section(report)
    REPORTS_DIR.mkdir(exist_ok=True)
    for name in ("latest", report["scale"]) if complete else ("latest",):
        (REPORTS_DIR / f"load-{name}.json").write_text(json.dumps(report, indent=2) + "\n")
        (REPORTS_DIR / f"load-{name}.md").write_text(markdown)
    if complete and report["scale"] in DOCUMENTED_SCALES:
        write_docs(_documented() | {report["scale"]: report})
        print(f"bench: wrote {DOCS_FILE} and {DOCS_DATA.name}")
    return markdown


def write_docs(documented: dict[str, dict[str, Any]] | None = None) -> None:
    """docs/benchmarks.json and the summary docs/benchmarks.md built from it; without arguments, rebuilt
    from the stored json (after a change to the summary's writer):
        .venv/bin/python -c 'from bench.load_report import write_docs; write_docs()'
    """
    from bench.load_markdown import summary

    stored = _documented() if documented is None else documented
    reports = {scale: trimmed(stored[scale]) for scale in DOCUMENTED_SCALES if scale in stored}
    DOCS_FILE.parent.mkdir(exist_ok=True)
    DOCS_DATA.write_text(json.dumps(reports, indent=1) + "\n")
    DOCS_FILE.write_text(summary(reports))
