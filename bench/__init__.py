"""Benchmark harness: seeds its own database (crm_bench) at a chosen scale, or restores its snapshot,
times the main pages in-process, runs the bulk jobs once and, with --load, serves the app with gunicorn
and drives it with wrk at concurrency 1, 4 and 8 against a bare-view ceiling.

    make bench                     # BENCH_SCALE=small by default; in-process timings plus the load runs
    BENCH_SCALE=tiny make bench    # the CI smoke run
    .venv/bin/python -m bench --list
    .venv/bin/python -m bench --load-only --scale full

Add a request scenario with `@scenario(...)` (bench/scenarios.py, bench/lead_scenarios.py) and a
background one with `@background(...)` (bench/background.py, bench/lead_jobs.py); a new module of
scenarios goes in runner.SCENARIO_MODULES. Reports go to bench/reports/latest.{json,md} and the load
report to docs/benchmarks.{json,md}.
"""
