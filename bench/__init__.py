"""Benchmark harness: seeds its own database (crm_bench) at a chosen scale and times the main pages.

    make bench                     # BENCH_SCALE=small by default
    BENCH_SCALE=tiny make bench    # the CI smoke run
    .venv/bin/python -m bench --list

Add a scenario by decorating a function in bench/scenarios.py with `@scenario(...)`; the runner
finds it in the registry. Reports go to bench/reports/latest.json and latest.md.
"""
