"""The role mix under locust: several roles' pages at once, at each concurrency of the plan.

Reps work their lead list, the board and their deals, managers the forecast and the board, marketers
search the leads (weights in MIX). bench/locust_mix.py is the locustfile; this module writes its
config, runs it headless in a process of its own and reads the figures from its CSV.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from statistics import median
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.load_targets import LoadScenario

LOCUSTFILE = Path(__file__).resolve().parent / "locust_mix.py"
# Requests in ten that go to each scenario: reps make two thirds of the traffic.
MIX = {
    "lead-list": 3,
    "board": 2,
    "deal-detail": 3,
    "forecast": 1,
    "board-manager": 1,
    "lead-search-3-marketer": 1,
    "lead-search-6-marketer": 1,
}
AGGREGATED = "Aggregated"


def parse_locust_stats(text: str) -> dict[str, dict[str, Any]]:
    """{request name: figures} from locust's <prefix>_stats.csv; the total is named "Aggregated"."""
    figures = {}
    for row in csv.DictReader(io.StringIO(text)):
        figures[row["Name"]] = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "rps": float(row["Requests/s"]),
            **{f"p{p}_ms": _number(row[f"{p}%"]) for p in (50, 95, 99)},
        }
    return figures


def _number(cell: str) -> float | None:
    return None if cell in ("", "N/A") else float(cell)


def run_mix(
    url: str,
    scenarios: dict[str, LoadScenario],
    concurrency: tuple[int, ...],
    *,
    runs: int,
    seconds: int,
    workdir: Path,
) -> dict[str, Any]:
    """{"weights", "by_concurrency": {c: {name: median figures}}}; nothing when no mix scenario ran."""
    if not scenarios:
        return {}
    config = workdir / "mix.json"
    entries = [
        {
            "name": name,
            "role": scenario.role,
            "weight": MIX[name],
            "expected_status": scenario.expected_status,
            "targets": [target.as_json() for target in scenario.targets],
        }
        for name, scenario in scenarios.items()
    ]
    config.write_text(json.dumps({"entries": entries}))
    by_concurrency = {}
    for users in concurrency:
        measured = [
            _locust(url, config, users=users, seconds=seconds, prefix=workdir / "mix") for _ in range(runs)
        ]
        by_concurrency[str(users)] = _medians(measured)
        total = by_concurrency[str(users)].get(AGGREGATED, {})
        print(f"bench: load mix c={users}: {total.get('rps')} req/s p95 {total.get('p95_ms')} ms")
    return {"weights": {name: MIX[name] for name in scenarios}, "by_concurrency": by_concurrency}


def _locust(url: str, config: Path, *, users: int, seconds: int, prefix: Path) -> dict[str, dict[str, Any]]:
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", url,
        "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10",
    ]  # fmt: skip
    finished = subprocess.run(  # noqa: S603 (our own interpreter and locustfile)
        command,
        env={**os.environ, "BENCH_LOCUST_CONFIG": str(config)},
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    stats = Path(f"{prefix}_stats.csv")
    # Locust exits with 1 when a request failed; the failures are counted in the CSV.
    if finished.returncode not in (0, 1) or not stats.exists():
        raise RuntimeError(f"locust exited with {finished.returncode}: {finished.stderr.strip()[-800:]}")
    return parse_locust_stats(stats.read_text())


def _medians(runs: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    names = dict.fromkeys(name for run in runs for name in run)
    figures: dict[str, dict[str, Any]] = {}
    for name in names:
        rows = [run[name] for run in runs if name in run]
        figures[name] = {
            "requests": sum(row["requests"] for row in rows),
            "failures": sum(row["failures"] for row in rows),
        }
        for key in ("rps", "p50_ms", "p95_ms", "p99_ms"):
            values = [row[key] for row in rows if row[key] is not None]
            figures[name][key] = round(median(values), 1) if values else None
    return figures
