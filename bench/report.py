"""The benchmark's report: JSON for machines, Markdown for people, one pair per scale and `latest`.

Each run writes reports/latest.{json,md}, and a run of every scenario reports/<scale>.{json,md} too.
A run at another scale than tiny compares each constant-query scenario's SQL query count with the
last tiny run's (a page whose query count grows with the data has a query per row somewhere).
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django

REPORTS_DIR = Path(__file__).resolve().parent / "reports"
BASELINE_SCALE = "tiny"


def baseline_queries(scale_name: str) -> tuple[dict[str, int], str]:
    """{scenario: queries per request} of the last tiny run, and when it ran; nothing at tiny itself."""
    path = REPORTS_DIR / f"{BASELINE_SCALE}.json"
    if scale_name == BASELINE_SCALE or not path.exists():
        return {}, ""
    baseline = json.loads(path.read_text())
    queries = {
        entry["name"]: entry["queries_max"]
        for entry in baseline.get("scenarios", [])
        if entry.get("queries_max") is not None
    }
    return queries, baseline.get("generated_at", "")


def build(
    *,
    scale_name: str,
    scale_rows: dict[str, Any],
    seeding: dict[str, Any],
    scenarios: list[dict[str, Any]],
    background: list[dict[str, Any]],
    duration: float,
) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), pg_database_size(current_database())")
        server_version, size = cursor.fetchone() or ("unknown", 0)
    return {
        "generated_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "scale": scale_name,
        "scale_rows": scale_rows,
        "seeding": seeding,
        "database": {
            "name": connection.settings_dict["NAME"],
            "server_version": server_version,
            "size_mb": round(size / 2**20),
        },
        "python": platform.python_version(),
        "django": django.get_version(),
        "duration_s": round(duration, 1),
        "scenarios": scenarios,
        "background": background,
    }


def write(report: dict[str, Any], *, complete: bool) -> str:
    """Writes latest.*, and <scale>.* when every scenario ran (the tiny one is the query baseline)."""
    markdown = _markdown(report)
    REPORTS_DIR.mkdir(exist_ok=True)
    for name in ("latest", report["scale"]) if complete else ("latest",):
        (REPORTS_DIR / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
        (REPORTS_DIR / f"{name}.md").write_text(markdown)
    return markdown


def _markdown(report: dict[str, Any]) -> str:
    seeding = report["seeding"]
    rows = ", ".join(f"{count:,} {_label(table)}" for table, count in seeding["counts"].items())
    how = "reused data seeded" if seeding["reused"] else "seeded"
    phases = ", ".join(f"{name} {seconds} s" for name, seconds in seeding.get("phases", {}).items())
    database = report["database"]
    lines = [
        f"# Benchmark: scale `{report['scale']}`, {report['generated_at']}",
        "",
        f"Rows: {rows}; {how} in {seeding['seconds']} s{f' ({phases})' if phases else ''}. "
        f"PostgreSQL {database['server_version']} (database {database['size_mb']:,} MB), "
        f"Django {report['django']}, Python {report['python']}. Run took {report['duration_s']} s.",
    ]
    scenarios = report["scenarios"]
    if scenarios:
        compare = any(entry.get("queries_at_tiny") is not None for entry in scenarios)
        lines += [
            "",
            "| Scenario | Role | Requests | p50 ms | p95 ms | p99 ms | SQL queries |"
            + (" at tiny |" if compare else "")
            + " Result |",
            "|---|---|---:|---:|---:|---:|---:|" + ("---:|" if compare else "") + "---|",
        ]
        for entry in scenarios:
            queries = entry["queries_max"]
            if queries is not None and entry["queries_min"] != queries:
                queries = f"{entry['queries_min']}-{queries}"
            lines.append(
                f"| {entry['name']} | {entry['role']} | {entry['repetitions']} | {_cell(entry['p50_ms'])} | "
                f"{_cell(entry['p95_ms'])} | {_cell(entry['p99_ms'])} | {_cell(queries)} |"
                + (f" {_cell(entry.get('queries_at_tiny'))} |" if compare else "")
                + f" {_result(entry)} |"
            )
    if report["background"]:
        lines += ["", *background_table(report["background"])]
    return "\n".join(lines) + "\n"


def background_table(entries: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| Background scenario | Rows | Seconds | Rows/s | Peak RSS MB | Details | Result |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for entry in entries:
        details = ", ".join(
            f"{key} {value}" for key, value in entry["details"].items() if key != "undone_rows"
        )
        lines.append(
            f"| {entry['name']} | {entry['rows']:,} | {entry['seconds']} | {_cell(entry['rows_per_s'])} "
            f"| {_cell(entry['peak_rss_mb'])} | {details} | {_result(entry)} |"
        )
    return lines


def _label(table: str) -> str:
    return table.removeprefix("crm_").removeprefix("leads_")


def _result(entry: dict[str, Any]) -> str:
    return "ok" if not entry["error"] else "FAILED: " + entry["error"]


def _cell(value: object) -> str:
    return "-" if value is None else str(value)
