"""docs/benchmarks.md and the per-run Markdown of the load runs, from their JSON reports."""

from __future__ import annotations

from typing import Any

MISSED_HEADING = "Goals missed, and the slowest query of one request"

SQL_BOUND_SHARE = 50  # percent of a request's time in SQL from which its queries come first
SQL_SHOWN = 2_000  # characters of a slow query shown in the report; a list's SELECT names every column

METHOD = """\
# Benchmarks under load

Written by `python -m bench --load` (bench/load.py, bench/load_report.py) after a run at small or full
scale; each section below says the command, the machine, the data and the date of its figures.

## How the figures are made

- **Server**: gunicorn serving `crm.wsgi` with `bench.settings_serve`: the production settings (DEBUG
  off, persistent database connections, WhiteNoise, database sessions, tasks queued for a worker
  rather than run in the request) on the benchmark's own database, `crm_bench`, listening on a free
  port of 127.0.0.1.
- **Worker choice**: two sync workers (`--load-workers`, `--load-threads`), one per core. A sync
  worker closes the connection after each response, so every request goes to whichever worker is free.
  Threaded (gthread) workers keep a client's connection, and wrk's few long-lived connections then
  pile onto one worker and one core: on the quiet machine on 2026-11-29, at small scale and 8
  connections, the lead list answered 30 req/s with 2 workers x 2 threads, against 62 with 2 sync
  workers, 57 with 3 and 55 with 4 (the API lead list: 139, 148, 128, 110).
- **Load**: wrk, run as a separate process with one thread and 1, 4 or 8 connections, each a closed
  loop (the next request leaves when the answer is in). A scenario's requests are those its in-process
  scenario makes (bench/scenarios.py, bench/lead_scenarios.py, bench/sales_scenarios.py), replayed
  with the session cookie of a seeded user of the scenario's role; a scenario that opens many records
  (the rep's 50 newest leads, deals) cycles through them. Every measurement is repeated and the median
  kept; p50/p95/p99 come from wrk's latency histogram (printed by bench/lua/targets.lua). Each
  scenario is first warmed up (not kept) at the highest concurrency, so that every worker has
  rendered it once. A run whose latencies add up to more than 1.5 times what its connections could
  have waited in it is made again, up to twice: wrk recorded such runs on this busy machine, mostly
  in a server's first seconds.
- **Ceiling**: `GET /bench/ceiling/`, a Django view that returns a constant through the same
  middleware, without session or database, on the same server in the same run (bench/urls_serve.py;
  it is not part of the product). "x ceiling" is a scenario's req/s divided by the ceiling's at the
  same concurrency.
- **One machine**: wrk, gunicorn and PostgreSQL share the same cores. wrk takes a small share of one
  core; locust takes far more, so the role mix's req/s are lower bounds, not compared to the ceiling.
- **Writes** (creating a lead, moving a deal) run in full and are then rolled back by a middleware of
  the bench server only (a header marks them), so every request makes the same write on the data as
  seeded; the commit itself (a WAL flush) is not measured. Rows that escaped would be deleted after
  the run (bench/undo.py). The move is spread over the rep's 50 newest deals of the first stage.
- **SQL queries per request**: from the same scenario run in process (Django's query log), three
  requests after a warm-up. Where a goal is missed, the report shows the EXPLAIN (ANALYZE, BUFFERS)
  of the slowest query of such a request.
- **Goals** (set for full scale; evaluated at every scale as an early warning): a JSON request at least
  0.08 of the ceiling's req/s and an HTML page 0.05 (at the highest concurrency); a deep page's p95
  within 1.1x of its first page's (at concurrency 1); p95 at full scale within 1.2x of small's.
"""


def document(reports: dict[str, dict[str, Any]]) -> str:
    parts = [METHOD]
    parts += [section(report, level=2) for report in reports.values()]
    return "\n".join(parts)


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
    queries = entry["queries_max"]
    if queries is not None and entry["queries_min"] != queries:
        queries = f"{entry['queries_min']}-{queries}"
    cells = [_series(figures, key) for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "ratio")]
    if entry["error"]:
        verdict = f"FAILED: {entry['error']}"
    else:
        verdict = (
            "; ".join(_verdict(goal) for goal in entry.get("goals", []) if goal["status"] != "n/a") or "-"
        )
    in_process = f"{_cell(entry.get('request_ms'))} ({_cell(entry.get('sql_ms'))})"
    columns = [entry["name"], entry["role"], _cell(queries), in_process, *cells, verdict]
    return "| " + " | ".join(columns) + " |"


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
    request_ms, sql_ms = entry.get("request_ms"), entry.get("sql_ms")
    if not request_ms or sql_ms is None:
        return ""
    share = round(100 * sql_ms / request_ms)
    if share < SQL_BOUND_SHARE:
        return f" {share}% of the time is in SQL, the rest in Python: the view and its rendering come first."
    return f" {share}% of the time is in SQL: the queries come first."


def _goal_counts(entries: list[dict[str, Any]]) -> str:
    statuses = [goal["status"] for entry in entries for goal in entry.get("goals", [])]
    failed = sum(1 for entry in entries if entry["error"])
    counts = f"{statuses.count('met')} met, {statuses.count('missed')} missed"
    return counts + (f"; {failed} scenarios FAILED" if failed else "")
