"""The load runs' Markdown, from their JSON reports: the full report of one run (bench/reports/load-*.md,
with the missed goals' slowest queries and plans) and the summary of the documented runs
(docs/benchmarks.md: figures, goal verdicts and one line per missed goal)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

MISSED_HEADING = "Goals missed, and the slowest query of one request"

SQL_BOUND_SHARE = 50  # percent of a request's time in SQL from which its queries come first
SQL_SHOWN = 2_000  # characters of a slow query shown in the report; a list's SELECT names every column
NAME_SHOWN = 80  # characters of a query that names no table, shown as its name
TABLES_NAMED = 3  # tables in a query's name; a deal's detail query joins nine
CURSOR_SHOWN = 12  # characters of a request's last parameter kept in the summary (cursors run to 100)
SUMMARY_SCALES = ("full", "small")  # the scale the goals are set for comes first
# Django quotes every table it names: FROM "leads_lead", INNER JOIN "crm_user", UPDATE "sales_stage".
QUOTED_TABLE = re.compile(r'\b(?:FROM|JOIN|UPDATE|INTO)\s+"(\w+)"', re.IGNORECASE)

INTRO = """\
# Benchmarks

The last run of `make bench` at each documented scale, written by the run itself (bench/load_report.py,
from [benchmarks.json](benchmarks.json)): change the writer, not this file. How the data is seeded and the
figures are made: [benchmarks-method.md](benchmarks-method.md). The full report of a run, with each
missed goal's slowest query and its `EXPLAIN (ANALYZE, BUFFERS)`, p99 and the ratios to the ceiling at
every concurrency, stays on the machine that ran it: bench/reports/load-<scale>.md.

Goals, set for full scale and judged at every scale as an early warning:

- **throughput**: a JSON request makes at least {json} of the ceiling's requests per second, an HTML
  page {html}, at the highest concurrency. The ceiling is a bare Django view that returns a constant,
  served by the same server in the same run. Writes have no throughput goal.
- **deep page**: a deep page's p95 is within {deep}x of its first page's, at the lowest concurrency.
- **scale**: a scenario's p95 at full scale is within {scale}x of its p95 at small scale, at the
  lowest concurrency.
"""


def summary(reports: dict[str, dict[str, Any]]) -> str:
    """docs/benchmarks.md: per scale, the figures and goal verdicts, and one line per missed goal."""
    from bench.load_report import DEEP_GOAL, SCALE_GOAL, THROUGHPUT_GOALS

    intro = INTRO.format(
        json=THROUGHPUT_GOALS["json"], html=THROUGHPUT_GOALS["html"], deep=DEEP_GOAL, scale=SCALE_GOAL
    )
    order = [*SUMMARY_SCALES, *(scale for scale in reports if scale not in SUMMARY_SCALES)]
    shown = [reports[scale] for scale in order if scale in reports]
    parts = [intro, *(_summary_section(report) for report in shown)]
    if shown:
        parts.append(_scenario_list(shown[0]["scenarios"]))
    return "\n".join(parts)


def _summary_section(report: dict[str, Any]) -> str:
    machine, postgres, data, tools = report["machine"], report["postgres"], report["data"], report["tools"]
    rows = ", ".join(f"{count:,} {label}" for label, count in data["rows_estimated"].items() if count)
    settings = ", ".join(f"{name} {value}" for name, value in postgres["settings"].items())
    concurrency = " · ".join(str(connections) for connections in report["plan"]["concurrency"])
    revision = f", code at {report['revision']}" if report.get("revision") else ""
    lines = [
        f"## Scale `{report['scale']}`, {_when(report['generated_at'])}",
        "",
        f"- Command: `{report['command']}`{revision}",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB; "
        f"{machine['system']}; Python {machine['python']}; load average before the run "
        f"{' / '.join(map(str, machine['load_average']))} (1 / 5 / 15 min)",
        f"- PostgreSQL {postgres['version']}: {settings}",
        f"- Data (planner estimates): {rows}; seeded {_when(data['seeded_at'])} in {data['seed_seconds']} s",
        f"- Server: {report['server']}; load: wrk {tools['wrk']} (one thread), locust {tools['locust']}, "
        f"gunicorn {tools['gunicorn']}; every figure {_runs(report['plan'])}",
        f"- Ceiling: {', '.join(_ceiling(c, entry) for c, entry in report['ceiling'].items())}",
        f"- Goals: {_goal_counts(report['scenarios'])}",
        "",
        f"Requests per second, then milliseconds, at each concurrency (c = {concurrency}). In process: "
        "one request's time, and in brackets the part of it spent in SQL.",
        "",
        "| Scenario | Role | SQL queries | In process ms (SQL) | req/s | p50 ms | p95 ms | Goals |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for entry in report["scenarios"]:
        in_process = f"{_cell(entry.get('request_ms'))} ({_cell(entry.get('sql_ms'))})"
        cells = [_series(entry.get("by_concurrency") or {}, key) for key in ("rps", "p50_ms", "p95_ms")]
        columns = [entry["name"], entry["role"], _queries(entry), in_process, *cells, _verdicts(entry)]
        lines.append("| " + " | ".join(columns) + " |")
    lines += _mix(report.get("mix") or {}, "##")
    lines += _background(report.get("background") or [], "##")
    lines += _why_missed(report["scenarios"])
    return "\n".join(lines) + "\n"


def _when(stamp: str | None) -> str:
    """2026-11-29T20:01:27+00:00 as 2026-11-29 20:01 UTC."""
    if not stamp:
        return "-"
    return f"{datetime.fromisoformat(stamp).astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _why_missed(entries: list[dict[str, Any]]) -> list[str]:
    missed = [entry for entry in entries if _missed_goals(entry)]
    if not missed:
        return []
    lines = [
        "",
        "### Why goals were missed",
        "",
        "Per scenario: the goals it missed with the measured value, where one request's time goes in "
        "process (the median of three), and the slowest query of those three, named by the tables it "
        "reads.",
        "",
    ]
    for entry in missed:
        goals = ", ".join(f"{goal['goal']} {goal['measured']}" for goal in _missed_goals(entry))
        name = entry.get("slowest_query") or query_name(entry.get("slowest_sql", ""))
        slowest = f"; slowest query `{name}`, {_cell(entry.get('slowest_ms'))} ms" if name else ""
        lines.append(
            f"- **{entry['name']}** (`{_short(entry['request'])}`): {goals}. {_time_split(entry)}{slowest}."
        )
    return lines


def _missed_goals(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [goal for goal in entry.get("goals", []) if goal["status"] == "missed"]


def _time_split(entry: dict[str, Any]) -> str:
    share = _sql_share(entry)
    if share is None:
        return "Not timed in process"
    side = "mostly SQL" if share >= SQL_BOUND_SHARE else "mostly Python"
    return (
        f"{entry['request_ms']} ms in process, {entry['sql_ms']} ms of it ({share}%) in {_queries(entry)} "
        f"SQL queries: {side}"
    )


def _sql_share(entry: dict[str, Any]) -> int | None:
    """The percentage of a request's time in process spent in SQL, when it was timed."""
    request_ms, sql_ms = entry.get("request_ms"), entry.get("sql_ms")
    if not request_ms or sql_ms is None:
        return None
    return round(100 * float(sql_ms) / float(request_ms))


def _short(request: str) -> str:
    """A request without its opaque cursor: `GET /leads/?after=eyJvIjpb...` as `GET /leads/?after=...`."""
    head, equals, value = request.rpartition("=")
    return f"{head}=..." if equals and len(value) > CURSOR_SHOWN else request


def _scenario_list(entries: list[dict[str, Any]]) -> str:
    lines = ["## Scenarios", ""]
    lines += [f"- **{entry['name']}** ({entry['role']}): {entry['description']}" for entry in entries]
    return "\n".join(lines) + "\n"


def query_name(sql: str) -> str:
    """A short name for a query: its statement and the tables it names, the main one first
    (`SELECT leads_lead, crm_user`); a statement that names no table, as written."""
    statement = " ".join(sql.split())
    tables = list(dict.fromkeys(QUOTED_TABLE.findall(statement)))
    if not tables:
        return statement[:NAME_SHOWN] + (" ..." if len(statement) > NAME_SHOWN else "")
    more = len(tables) - TABLES_NAMED
    named = ", ".join(tables[:TABLES_NAMED]) + (f" and {more} more" if more > 0 else "")
    return f"{statement.split(' ', 1)[0].upper()} {named}"


def section(report: dict[str, Any], level: int = 1) -> str:
    head = "#" * level
    machine, postgres, data = report["machine"], report["postgres"], report["data"]
    rows = ", ".join(f"{count:,} {label}" for label, count in data["rows_estimated"].items() if count)
    plan = report["plan"]
    settings = ", ".join(f"{name} {value}" for name, value in postgres["settings"].items())
    ceiling = ", ".join(_ceiling(c, entry) for c, entry in report["ceiling"].items())
    tools = report["tools"]
    concurrency = [str(connections) for connections in plan["concurrency"]]
    lines = [
        f"{head} Scale `{report['scale']}`, {report['generated_at']}",
        "",
        f"- Command: `{report['command']}`",
        f"- Data (planner estimates): {rows}; seeded {data['seeded_at']} in {data['seed_seconds']} s",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB; "
        f"{machine['system']}; Python {machine['python']}; load average before the run "
        f"{' / '.join(map(str, machine['load_average']))} (1 / 5 / 15 min)",
        f"- PostgreSQL {postgres['version']}: {settings}",
        f"- Server: {report['server']}; load: wrk {tools['wrk']} (one thread), locust {tools['locust']}, "
        f"gunicorn {tools['gunicorn']}; every figure {_runs(plan)}",
        f"- Ceiling: {ceiling}",
        f"- Goals: {_goal_counts(report['scenarios'])} (set for full scale)",
        "",
        f"Requests per second, then milliseconds, at each concurrency (c = {' · '.join(concurrency)}):",
        "",
        "| Scenario | Role | SQL | In process ms (SQL) | req/s | p50 ms | p95 ms | p99 ms | x ceiling "
        "| Goals |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]  # fmt: skip
    for entry in report["scenarios"]:
        lines.append(_scenario_row(entry))
    lines += _mix(report.get("mix") or {}, head)
    lines += _background(report.get("background") or [], head)
    lines += _missed(report["scenarios"], head)
    return "\n".join(lines) + "\n"


def _ceiling(connections: str, entry: dict[str, Any]) -> str:
    drift = (
        f"; {entry['start_rps']} before the scenarios, {entry['end_rps']} after" if "end_rps" in entry else ""
    )
    return f"c={connections} {entry['rps']} req/s (p95 {entry['p95_ms']} ms{drift})"


def _runs(plan: dict[str, Any]) -> str:
    runs = "one run" if plan["runs"] == 1 else f"the median of {plan['runs']} runs"
    return f"{runs} of {plan['seconds']} s (the mix: {plan['mix_seconds']} s)"


def _scenario_row(entry: dict[str, Any]) -> str:
    figures = entry.get("by_concurrency") or {}
    cells = [_series(figures, key) for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "ratio")]
    in_process = f"{_cell(entry.get('request_ms'))} ({_cell(entry.get('sql_ms'))})"
    columns = [entry["name"], entry["role"], _queries(entry), in_process, *cells, _verdicts(entry)]
    return "| " + " | ".join(columns) + " |"


def _queries(entry: dict[str, Any]) -> str:
    """SQL queries per request: `9`, or `16-17` when the three requests made different numbers."""
    most = entry["queries_max"]
    if most is not None and entry["queries_min"] != most:
        return f"{entry['queries_min']}-{most}"
    return _cell(most)


def _verdicts(entry: dict[str, Any]) -> str:
    if entry["error"]:
        return f"FAILED: {entry['error']}"
    return "; ".join(_verdict(goal) for goal in entry.get("goals", []) if goal["status"] != "n/a") or "-"


def _verdict(goal: dict[str, Any]) -> str:
    return f"{goal['goal']} {goal['status']} ({goal['measured']})"


def _series(figures: dict[str, dict[str, Any]], key: str) -> str:
    return " · ".join(_cell(entry.get(key)) for entry in figures.values()) or "-"


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def _mix(mix: dict[str, Any], head: str) -> list[str]:
    if not mix:
        return []
    if "error" in mix:
        return ["", f"Role mix (locust): FAILED: {mix['error']}"]
    weights = ", ".join(f"{name} {weight}" for name, weight in mix["weights"].items())
    by_concurrency = mix["by_concurrency"]
    names = list(dict.fromkeys(name for figures in by_concurrency.values() for name in figures))
    lines = [
        "",
        f"{head}# Role mix (locust)",
        "",
        f"Every simulated user picks a scenario by weight for each request ({weights}), without think time.",
        "",
        "| Request | req/s | p50 ms | p95 ms | p99 ms | Failed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        figures = {c: entries.get(name, {}) for c, entries in by_concurrency.items()}
        cells = [_series(figures, key) for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "failures")]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _background(entries: list[dict[str, Any]], head: str) -> list[str]:
    from bench.report import background_table

    if not entries:
        return []
    descriptions = [f"- {entry['name']}: {entry['description']}" for entry in entries]
    return [
        "",
        f"{head}# Background work",
        "",
        "Each job once, in process, on the same data before the load runs (bench/background.py): rows per "
        "second and the peak resident memory of the process that ran it.",
        "",
        *descriptions,
        "",
        *background_table(entries),
    ]


def _missed(entries: list[dict[str, Any]], head: str) -> list[str]:
    missed = [
        entry for entry in entries if any(goal["status"] == "missed" for goal in entry.get("goals", []))
    ]
    if not missed:
        return []
    lines = ["", f"{head}# {MISSED_HEADING}"]
    for entry in missed:
        goals = "; ".join(
            f"{goal['text']}: {goal['measured']}" for goal in entry["goals"] if goal["status"] == "missed"
        )
        lines += [
            "",
            f"**{entry['name']}** ({entry['request']}): missed {goals}. In process a request takes "
            f"{_cell(entry.get('request_ms'))} ms, {_cell(entry.get('sql_ms'))} ms of it in "
            f"{entry['queries_max']} SQL queries (median of three requests); the slowest query of the three "
            f"took {entry['slowest_ms']} ms.{_where(entry)}",
            "",
            "<details><summary>The slowest query and its EXPLAIN (ANALYZE, BUFFERS)</summary>",
            "",
            "```sql",
            entry["slowest_sql"][:SQL_SHOWN] + (" ..." if len(entry["slowest_sql"]) > SQL_SHOWN else ""),
            "```",
        ]
        if entry.get("explain"):
            lines += ["", "```text", entry["explain"], "```"]
        lines += ["", "</details>"]
    return lines


def _where(entry: dict[str, Any]) -> str:
    """Whether the time goes to the database or to Python (views, forms, templates)."""
    share = _sql_share(entry)
    if share is None:
        return ""
    if share < SQL_BOUND_SHARE:
        return f" {share}% of the time is in SQL, the rest in Python: the view and its rendering come first."
    return f" {share}% of the time is in SQL: the queries come first."


def _goal_counts(entries: list[dict[str, Any]]) -> str:
    statuses = [goal["status"] for entry in entries for goal in entry.get("goals", [])]
    failed = sum(1 for entry in entries if entry["error"])
    counts = f"{statuses.count('met')} met, {statuses.count('missed')} missed"
    return counts + (f"; {failed} scenarios FAILED" if failed else "")
