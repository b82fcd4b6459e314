"""Benchmark harness: seeds its own database (crm_bench) at a chosen scale, or reuses it, times the
main pages and runs the bulk jobs once.

    make bench                     # BENCH_SCALE=small by default
    BENCH_SCALE=tiny make bench    # the CI smoke run
    .venv/bin/python -m bench --list

Add a request scenario with `@scenario(...)` (bench/scenarios.py, bench/lead_scenarios.py) and a
background one with `@background(...)` (bench/background.py, bench/lead_jobs.py); a new module of
scenarios goes in runner.SCENARIO_MODULES. Reports go to bench/reports/latest.{json,md}.
"""
