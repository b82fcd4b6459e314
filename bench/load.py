"""`python -m bench --load`: the scenarios under load, served by gunicorn and driven by wrk and locust.

Each request scenario of the registry becomes the requests it makes (bench.load_targets), replayed by
wrk from a separate process against gunicorn in production settings (bench.serve), signed in as a
user of the scenario's role, at each concurrency of the plan; each measurement is repeated and the
median kept. A bare Django view returning a constant, on the same server in the same run, is the
ceiling every scenario's requests per second are divided by. A role mix (reps, managers, marketers at
once) runs under locust. Writes are rolled back by the server after each request, and any row that
slipped through is deleted afterwards (bench.undo). The report goes to bench/reports/load-<scale>.*
and, at small and full scale, to docs/benchmarks.md (bench.load_report).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from types import FrameType
from typing import TYPE_CHECKING, Any

from bench.load_mix import MIX, run_mix

if TYPE_CHECKING:
    from bench.load_targets import LoadScenario, Login, Target
    from bench.scenarios import Scenario
    from bench.serve import Server

LUA_SCRIPT = Path(__file__).resolve().parent / "lua" / "targets.lua"
PLAUSIBLE_BUSY = 1.5  # wrk's latencies add up to a little more than the run on a busy machine
ATTEMPTS = 3  # of a run whose latencies are implausible
WRK_TIMEOUT = "30s"  # wrk leaves a slower response out of its latencies: keep every one of them in
# Two sync workers for two cores: see "Worker choice" in docs/benchmarks-method.md.
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 1


@dataclass(frozen=True)
class Runs:
    kept: list[WrkRun]
    discarded: int  # implausible runs, made again


@dataclass(frozen=True)
class LoadPlan:
    concurrency: tuple[int, ...]
    runs: int  # of each measurement; the median is kept
    seconds: int  # of each wrk run
    mix_seconds: int  # of each locust run
    warm_up_seconds: int  # a wrk run before each scenario's, not kept: every worker renders it once


# Tiny is CI's smoke test of the harness: a second per measurement keeps it near a minute and a half.
PLANS = {
    "tiny": LoadPlan(concurrency=(1, 4), runs=1, seconds=1, mix_seconds=3, warm_up_seconds=0),
    "small": LoadPlan(concurrency=(1, 4, 8), runs=3, seconds=3, mix_seconds=10, warm_up_seconds=1),
    "full": LoadPlan(concurrency=(1, 4, 8), runs=3, seconds=5, mix_seconds=15, warm_up_seconds=2),
}


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    errors: int  # connect, read, write and timeouts
    bad_status: int  # responses other than 2xx and 3xx

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def plausible(self, connections: int) -> bool:
        """Whether the latencies fit in the run: n connections cannot wait longer than n x its length.

        Seen here on a busy machine, mostly in a server's first seconds: wrk recording far more latency
        than the run lasted (a tenth of the requests at "300 ms" in a run of 2,000 one-millisecond
        requests on one connection). Such a run is made again."""
        return self.mean_ms * self.requests <= PLAUSIBLE_BUSY * self.seconds * 1000 * connections


def parse_wrk(output: str) -> WrkRun:
    """The line targets.lua's done() prints; wrk's microseconds as milliseconds."""
    for line in output.splitlines():
        if line.startswith("bench-wrk "):
            data = json.loads(line.removeprefix("bench-wrk "))
            return WrkRun(
                requests=data["requests"],
                seconds=data["duration_us"] / 1e6,
                **{key: data[f"{key[:-3]}_us"] / 1000 for key in ("p50_ms", "p90_ms", "p95_ms", "p99_ms")},
                max_ms=data["max_us"] / 1000,
                mean_ms=data["mean_us"] / 1000,
                errors=sum(
                    data[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
                ),
                bad_status=data["bad_status"],
            )
    raise ValueError(f"wrk printed no bench-wrk line (did bench/lua/targets.lua run?): {output[-800:]}")


def median_of(runs: list[WrkRun]) -> dict[str, Any]:
    """Each figure's median over the runs, and every run's requests per second."""
    return {
        "rps": round(median(run.rps for run in runs), 1),
        "p50_ms": round(median(run.p50_ms for run in runs), 1),
        "p90_ms": round(median(run.p90_ms for run in runs), 1),
        "p95_ms": round(median(run.p95_ms for run in runs), 1),
        "p99_ms": round(median(run.p99_ms for run in runs), 1),
        "runs_rps": [round(run.rps, 1) for run in runs],
        "requests": sum(run.requests for run in runs),
        "errors": sum(run.errors for run in runs),
        "bad_status": sum(run.bad_status for run in runs),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    load = parser.add_argument_group("load runs (gunicorn, wrk, locust)")
    load.add_argument("--load", action="store_true", help="also run the scenarios under load")
    load.add_argument("--load-only", action="store_true", help="only the load runs (implies --load)")
    load.add_argument("--load-seconds", type=int, help="seconds per wrk run (default: per scale)")
    load.add_argument("--load-runs", type=int, help="runs per measurement, median kept (default: per scale)")
    load.add_argument(
        "--load-concurrency", help="comma-separated connections, e.g. 1,4,8 (default: per scale)"
    )
    load.add_argument("--load-workers", type=int, default=DEFAULT_WORKERS, help="gunicorn workers (2)")

    load.add_argument(
        "--load-threads",
        type=int,
        default=DEFAULT_THREADS,
        help="threads per worker (1, the sync worker; more is the gthread worker)",
    )


def plan_for(scale_name: str, arguments: argparse.Namespace) -> LoadPlan:
    plan = PLANS.get(scale_name, PLANS["small"])
    concurrency = plan.concurrency
    if arguments.load_concurrency:
        try:
            concurrency = tuple(int(part) for part in arguments.load_concurrency.split(","))
        except ValueError:
            raise SystemExit(
                "bench: --load-concurrency takes numbers separated by commas, e.g. 1,4,8"
            ) from None
    if min(concurrency) < 1 or (arguments.load_runs or 1) < 1 or (arguments.load_seconds or 1) < 1:
        raise SystemExit("bench: --load-concurrency, --load-runs and --load-seconds must be at least 1")
    return LoadPlan(
        concurrency=concurrency,
        runs=arguments.load_runs or plan.runs,
        seconds=arguments.load_seconds or plan.seconds,
        mix_seconds=max(arguments.load_seconds or 0, plan.mix_seconds),
        warm_up_seconds=plan.warm_up_seconds,
    )


def check_tools() -> None:
    """Stops before any work when a load generator is missing."""
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is not installed: apt-get install wrk")
    if importlib.util.find_spec("locust") is None:
        raise SystemExit("bench: locust is not installed: make install (it is in the dev extra)")


def wrk(url: str, targets: list[Target], *, connections: int, seconds: int, workdir: Path) -> WrkRun:
    from bench.load_targets import write_lua

    targets_file = workdir / "targets.lua"
    write_lua(targets, targets_file)
    # One thread: it drives eight connections at these rates with a fraction of a core, and a single
    # thread's rotation through a scenario's records never sends two requests for one record at once.
    command = [
        shutil.which("wrk") or "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", WRK_TIMEOUT,
        "--latency", "-s", str(LUA_SCRIPT), url,
    ]  # fmt: skip
    finished = subprocess.run(  # noqa: S603 (wrk, found on PATH by check_tools)
        command,
        env={**os.environ, "BENCH_WRK_TARGETS": str(targets_file)},
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"wrk exited with {finished.returncode}: {finished.stderr.strip()[-800:]}")
    return parse_wrk(finished.stdout)


def measure_runs(url: str, targets: list[Target], plan: LoadPlan, workdir: Path) -> dict[str, Runs]:
    """{concurrency: the kept runs, and how many were discarded} of `plan.runs` wrk runs at each."""
    if plan.warm_up_seconds:
        wrk(url, targets, connections=max(plan.concurrency), seconds=plan.warm_up_seconds, workdir=workdir)
    measured = {}
    for connections in plan.concurrency:
        runs, discarded = [], 0
        for _ in range(plan.runs):
            for attempt in range(ATTEMPTS):
                run = wrk(url, targets, connections=connections, seconds=plan.seconds, workdir=workdir)
                if run.plausible(connections) or attempt == ATTEMPTS - 1:
                    break
                discarded += 1
            runs.append(run)
        measured[str(connections)] = Runs(runs, discarded)
    return measured


def measure(url: str, targets: list[Target], plan: LoadPlan, workdir: Path) -> dict[str, dict[str, Any]]:
    """{concurrency: median figures} of `plan.runs` wrk runs at each concurrency."""
    measured = measure_runs(url, targets, plan, workdir)
    return {c: median_of(runs.kept) | {"discarded_runs": runs.discarded} for c, runs in measured.items()}


def ceiling_of(start: dict[str, Runs], end: dict[str, Runs]) -> dict[str, dict[str, Any]]:
    """The ceiling from its runs before and after the scenarios': the machine's other work drifts."""
    figures = {}
    for connections, before in start.items():
        after = end[connections]
        figures[connections] = median_of(before.kept + after.kept) | {
            "discarded_runs": before.discarded + after.discarded,
            "start_rps": round(median(run.rps for run in before.kept), 1),
            "end_rps": round(median(run.rps for run in after.kept), 1),
        }
    return figures


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C: the server is stopped, the sessions deleted


def run(
    *,
    scale_name: str,
    registered: list[Scenario],
    arguments: argparse.Namespace,
    background: list[dict[str, Any]] | None = None,
) -> bool:
    """Runs every scenario under load and writes the report; False when a scenario failed."""
    from bench import database, load_report, undo
    from bench.load_markdown import MISSED_HEADING
    from bench.load_targets import explain, log_in, log_out, prepare
    from bench.serve import Server, ServerError
    from bench.urls_serve import CEILING_PATH

    database.ensure_bench_database()
    plan = plan_for(scale_name, arguments)
    print(
        f"bench: load runs at concurrency {', '.join(map(str, plan.concurrency))}, "
        f"{plan.runs} x {plan.seconds} s each, median kept"
    )
    machine = load_report.describe_machine()
    scenarios: list[LoadScenario] = []
    logins: dict[int, Login] = {}
    before = undo.watermarks()
    previous_handler = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        for scenario in registered:
            found, user = prepare(scenario)
            if user is not None and not found.error:
                logins.setdefault(user.pk, log_in(user))
                found.targets = [target.signed_in(logins[user.pk]) for target in found.targets]
            scenarios.append(found)
        server = Server(workers=arguments.load_workers, threads=arguments.load_threads)
        with tempfile.TemporaryDirectory(prefix="crm-bench-load-") as workdir, server:
            figures, ceiling, mix = _drive(server, scenarios, plan, Path(workdir), CEILING_PATH)
    except ServerError as error:
        raise SystemExit(f"bench: the load runs' server failed: {error}") from None
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        log_out(list(logins.values()))
        undone = undo.delete_above(before)
        if undone:
            print(f"bench: deleted rows the load runs left behind: {undone}")
        _vacuum_dead_rows()

    report = load_report.build(
        scale_name=scale_name,
        plan=plan,
        server=server.description,
        scenarios=scenarios,
        figures=figures,
        ceiling=ceiling,
        mix=mix,
        machine=machine,
        background=background or [],
    )
    for entry in report["scenarios"]:
        if any(goal["status"] == "missed" for goal in entry["goals"]):
            entry["explain"] = explain(entry["slowest_sql"])
    markdown = load_report.write(report, complete=not arguments.only)
    # The figures; the missed goals' queries and plans are for the file, not the terminal.
    print(markdown.split(f"\n## {MISSED_HEADING}", 1)[0].rstrip())
    print(f"bench: wrote {load_report.REPORTS_DIR / 'load-latest.md'}, with the missed goals' query plans")
    return all(not entry["error"] for entry in report["scenarios"])


def _drive(
    server: Server, scenarios: list[LoadScenario], plan: LoadPlan, workdir: Path, ceiling_path: str
) -> tuple[dict[str, dict[str, dict[str, Any]]], dict[str, dict[str, Any]], dict[str, Any]]:
    from bench.load_targets import Target

    url = server.url
    ceiling_targets = [Target("GET", ceiling_path)]
    ceiling_start = measure_runs(url, ceiling_targets, plan, workdir)
    print(f"bench: load ceiling: {_line({c: median_of(runs.kept) for c, runs in ceiling_start.items()})}")
    figures: dict[str, dict[str, dict[str, Any]]] = {}
    for scenario in scenarios:
        if not scenario.error:
            scenario.error = server.check(scenario.targets, scenario.expected_status)
        if scenario.error:
            print(f"bench: load {scenario.name}: {scenario.error}")
            continue
        try:
            figures[scenario.name] = measure(url, scenario.targets, plan, workdir)
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as error:
            scenario.error = str(error)
            continue
        failures = sum(entry["errors"] + entry["bad_status"] for entry in figures[scenario.name].values())
        if failures:
            scenario.error = f"{failures} requests failed or answered an error status under load"
        print(f"bench: load {scenario.name}: {_line(figures[scenario.name])} {scenario.error}".rstrip())
    ceiling = ceiling_of(ceiling_start, measure_runs(url, ceiling_targets, plan, workdir))
    print(f"bench: load ceiling, before and after the scenarios: {_line(ceiling)}")
    mixed = {scenario.name: scenario for scenario in scenarios if scenario.name in MIX and not scenario.error}
    try:
        mix = run_mix(url, mixed, plan.concurrency, runs=plan.runs, seconds=plan.mix_seconds, workdir=workdir)
    except (RuntimeError, ValueError, subprocess.TimeoutExpired) as error:
        print(f"bench: load mix: {error}")
        mix = {"error": str(error)}
    return figures, ceiling, mix


def _line(figures: dict[str, dict[str, Any]]) -> str:
    return ", ".join(
        f"c={connections} {entry['rps']} req/s p95 {entry['p95_ms']} ms"
        for connections, entry in figures.items()
    )


def _vacuum_dead_rows() -> None:
    """Rolled-back writes leave dead rows: VACUUM (without ANALYZE, so the planner's statistics stay as
    seeded) the tables that have any, so the next run meets the data as seeded."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE n_dead_tup > 0")
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"VACUUM {connection.ops.quote_name(table)}")
