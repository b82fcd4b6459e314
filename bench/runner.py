"""`python -m bench`: check the database is its own, migrate, seed (or reuse the seed), time every
request scenario, run every background scenario once, check query counts, write reports; with
--load, also serve the app with gunicorn and run the scenarios under load (bench.load)."""

import argparse
import math
import os
import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import django

from bench import load
from bench.scales import DEFAULT_SCALE, SCALES

if TYPE_CHECKING:
    from bench.scenarios import Scenario

WARM_UP_REQUESTS = 2
SETTINGS_MODULE = "bench.settings"
# Modules that register scenarios when imported, besides bench.scenarios itself.
SCENARIO_MODULES = [
    "bench.lead_scenarios",
    "bench.lead_jobs",
    "bench.record_imports",
    "bench.job_sweep",
    "bench.outbox_send",
    "bench.sales_scenarios",
    "bench.write_scenarios",
    "bench.api_scenarios",
]


@dataclass
class Result:
    name: str
    role: str
    description: str
    error: str = ""
    timings_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    constant_queries: bool = False
    queries_at_tiny: int | None = None

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
            "constant_queries": self.constant_queries,
            "queries_at_tiny": self.queries_at_tiny,
        }

    def check_queries(self, baseline: dict[str, int], baseline_at: str) -> None:
        """A constant-query page makes the same number of queries on every request and at every scale."""
        if not self.constant_queries or not self.queries or self.error:
            return
        if min(self.queries) != max(self.queries):
            self.error = f"query count varies between requests ({min(self.queries)}-{max(self.queries)})"
            return
        self.queries_at_tiny = baseline.get(self.name)
        if self.queries_at_tiny is not None and self.queries_at_tiny != self.queries[0]:
            self.error = (
                f"{self.queries[0]} queries here, {self.queries_at_tiny} at tiny ({baseline_at}); "
                "a query per row? (or rerun BENCH_SCALE=tiny if the page changed since)"
            )


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return round(ordered[rank - 1], 2)


def main(argv: list[str] | None = None) -> int:
    arguments = _parse(argv)
    scale = SCALES[arguments.scale]
    if arguments.load and not (arguments.list or arguments.drop):
        load.check_tools()
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    # WhiteNoise warns that STATIC_ROOT is missing: the benchmark never collects static files.
    warnings.filterwarnings("ignore", message="No directory at: ")
    django.setup()

    from importlib import import_module

    from django.core.management import call_command

    from bench import background, database, report, seed
    from bench.scenarios import REGISTRY

    for module in SCENARIO_MODULES:
        import_module(module)
    if arguments.list:
        for name, registered in REGISTRY.items():
            print(f"{name:<28} {registered.role.value:<14} {registered.description}")
        for name, job in background.BACKGROUND.items():
            print(f"{name:<28} {'background':<14} {job.description}")
        return 0
    if arguments.drop:
        print(f"bench: dropped database {database.drop_bench_database()}")
        return 0
    names = set(REGISTRY) | set(background.BACKGROUND)
    unknown = set(arguments.only or ()) - names
    if unknown:
        raise SystemExit(f"bench: no scenario named {', '.join(sorted(unknown))} (see --list).")
    wanted = arguments.only or [*REGISTRY, *background.BACKGROUND]
    requests = [REGISTRY[name] for name in wanted if name in REGISTRY]
    jobs = [background.BACKGROUND[name] for name in wanted if name in background.BACKGROUND]
    timed = [] if arguments.load_only else requests
    jobs = [] if arguments.load_only else jobs
    repetitions = arguments.repetitions or scale.repetitions

    started = time.perf_counter()
    name = database.ensure_bench_database()
    print(f"bench: database {name}, scale {arguments.scale}, {repetitions} timed requests per scenario")
    call_command("migrate", interactive=False, verbosity=0)
    if arguments.no_seed:
        seeding = seed.Seeding(seed.row_counts(), reused=True, seconds=0.0, fingerprint="", phases={})
    else:
        seeding = seed.ensure_seeded(arguments.scale, scale, force=arguments.reseed)

    baseline, baseline_at = report.baseline_queries(arguments.scale)
    results = []
    for registered in timed:
        result = _measure(registered, repetitions)
        result.check_queries(baseline, baseline_at)
        results.append(result)
        print(f"bench: {result.name}: p50 {result.summary()['p50_ms']} ms {result.error}".rstrip())
    finished = []
    for job in jobs:
        print(f"bench: running {job.name} ...")
        finished.append(background.measure(job, scale))
        summary = finished[-1].summary()
        print(f"bench: {job.name}: {summary['rows_per_s']} rows/s {summary['error']}".rstrip())
    document = report.build(
        scale_name=arguments.scale,
        scale_rows=asdict(scale),
        seeding=asdict(seeding),
        scenarios=[result.summary() for result in results],
        background=[job.summary() for job in finished],
        duration=time.perf_counter() - started,
    )
    if not arguments.load_only:
        print(report.write(document, complete=not arguments.only), end="")
        print(
            f"bench: wrote {report.REPORTS_DIR / 'latest.json'} and latest.md in {document['duration_s']} s"
        )
    failed = [result.name for result in results if not result.ok]
    failed += [job.name for job in finished if not job.ok]
    if arguments.load and not load.run(
        scale_name=arguments.scale,
        registered=requests,
        arguments=arguments,
        background=document["background"],
    ):
        failed.append("the load runs")
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
    parser.add_argument(
        "--no-seed", action="store_true", help="use the data as it is, whatever scale it was seeded at"
    )
    parser.add_argument(
        "--reseed",
        action="store_true",
        help="restore the seed's snapshot, or seed again, even if the data could be reused",
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument(
        "--drop", action="store_true", help="drop the crm_bench database and its snapshots, and exit"
    )
    load.add_arguments(parser)
    arguments = parser.parse_args(argv)
    arguments.load = arguments.load or arguments.load_only
    if arguments.scale not in SCALES:
        parser.error(
            f"unknown scale {arguments.scale!r} (BENCH_SCALE or --scale): use one of {', '.join(SCALES)}"
        )
    if arguments.repetitions is not None and arguments.repetitions < 1:
        parser.error("--repetitions must be at least 1")
    return arguments


def _measure(registered: "Scenario", repetitions: int) -> Result:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from crm.models import User

    result = Result(registered.name, registered.role.value, registered.description)
    result.constant_queries = registered.constant_queries
    user = User.objects.filter(role=registered.role, username__startswith="bench_").order_by("id").first()
    if user is None:
        result.error = f"no seeded user with role {registered.role.value}"
        return result
    client = Client()
    client.force_login(user)
    try:
        prepared = registered.prepare(user)
        for attempt in range(WARM_UP_REQUESTS + repetitions):
            # The log keeps the last 9,000 queries only: a full one would count every request as 0.
            reset_queries()
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
