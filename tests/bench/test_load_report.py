"""The load runs' arithmetic: reading wrk and locust, keeping medians, and judging the goals."""

import json

import pytest

from bench import lead_scenarios, load_markdown, load_report, sales_scenarios
from bench.load import Runs, WrkRun, ceiling_of, median_of, parse_wrk
from bench.load_mix import parse_locust_stats
from bench.load_report import evaluate
from bench.load_targets import Login, RecordingClient, Target, lua_string
from crm.models import User

WRK_OUTPUT = """\
Running 3s test @ http://127.0.0.1:41055
  1 threads and 4 connections
  Latency Distribution
     50%    2.77ms
  2640 requests in 3.00s, 670.37KB read
Requests/sec:    880.00
bench-wrk {"requests": 2640, "duration_us": 3000000, "p50_us": 2771, "p90_us": 6100, "p95_us": 8042, \
"p99_us": 12500, "max_us": 30000, "mean_us": 3447.9, "connect_errors": 0, "read_errors": 1, \
"write_errors": 0, "timeouts": 2, "bad_status": 3}
"""


def _run(rps: float, p95: float, *, mean_ms: float = 1.0, seconds: float = 3.0) -> WrkRun:
    return WrkRun(
        requests=round(rps * seconds),
        seconds=seconds,
        p50_ms=p95 / 2,
        p90_ms=p95 * 0.9,
        p95_ms=p95,
        p99_ms=p95 * 1.5,
        max_ms=p95 * 2,
        mean_ms=mean_ms,
        errors=0,
        bad_status=0,
    )


def test_the_line_of_the_lua_done_hook_gives_milliseconds_requests_per_second_and_errors():
    run = parse_wrk(WRK_OUTPUT)

    assert run.rps == pytest.approx(880.0)
    assert (run.p50_ms, run.p95_ms, run.p99_ms) == (2.771, 8.042, 12.5)
    assert (run.errors, run.bad_status) == (3, 3)


def test_wrk_output_without_the_bench_line_is_an_error_that_shows_the_output():
    with pytest.raises(ValueError, match="unable to connect"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_a_run_whose_latencies_add_up_to_more_than_it_lasted_is_implausible():
    # 2,250 requests on one connection in 3 s cannot have waited 32 ms each.
    assert not _run(750, 300, mean_ms=32.3).plausible(1)
    assert _run(750, 4, mean_ms=1.3).plausible(1)
    assert _run(750, 40, mean_ms=5.0).plausible(4)


def test_every_figure_is_the_median_of_the_runs_and_the_counts_are_summed():
    figures = median_of([_run(100, 50), _run(300, 10), _run(200, 30)])

    assert (figures["rps"], figures["p95_ms"]) == (200.0, 30.0)
    assert figures["runs_rps"] == [100.0, 300.0, 200.0]
    assert figures["requests"] == 1800


def test_the_ceiling_is_the_median_of_its_runs_before_and_after_the_scenarios_and_shows_the_drift():
    before = {"8": Runs([_run(3600, 4), _run(3500, 4), _run(3700, 4)], discarded=1)}
    after = {"8": Runs([_run(1100, 9), _run(1200, 9), _run(1000, 9)], discarded=0)}

    ceiling = ceiling_of(before, after)["8"]

    assert (ceiling["start_rps"], ceiling["end_rps"]) == (3600.0, 1100.0)
    assert ceiling["rps"] == 2350.0
    assert ceiling["discarded_runs"] == 1


def test_locusts_csv_is_read_per_request_and_in_total_and_a_request_never_made_has_no_percentiles():
    header = '"Type","Name","Request Count","Failure Count","Requests/s","50%","95%","99%"'
    text = "\n".join(
        [
            header,
            '"GET","lead-list (sales_rep)","30","1","10.5","90","140","160"',
            '"GET","forecast (sales_manager)","0","0","0.0","N/A","N/A","N/A"',
            '"","Aggregated","30","1","10.5","90","140","160"',
        ]
    )

    stats = parse_locust_stats(text)

    assert stats["lead-list (sales_rep)"] == {
        "requests": 30,
        "failures": 1,
        "rps": 10.5,
        "p50_ms": 90.0,
        "p95_ms": 140.0,
        "p99_ms": 160.0,
    }
    assert stats["forecast (sales_manager)"]["p95_ms"] is None
    assert stats["Aggregated"]["rps"] == 10.5


def _entry(name: str, kind: str, *, ratio: float, p95: float, error: str = "") -> dict:
    figures = {
        "1": {"rps": ratio * 800, "p50_ms": p95 / 2, "p95_ms": p95, "p99_ms": p95 * 1.5, "ratio": ratio * 2},
        "8": {
            "rps": ratio * 1500,
            "p50_ms": p95 * 1.5,
            "p95_ms": p95 * 3,
            "p99_ms": p95 * 4.5,
            "ratio": ratio,
        },
    }
    return {"name": name, "kind": kind, "error": error, "by_concurrency": figures}


def _statuses(entry: dict) -> dict[str, str]:
    return {goal["goal"]: goal["status"] for goal in entry["goals"]}


def test_throughput_is_judged_at_the_highest_concurrency_against_the_goal_of_the_kind_of_request():
    json_list = _entry("api-lead-list", "json", ratio=0.07, p95=20)
    html_page = _entry("lead-list", "html", ratio=0.06, p95=40)
    write = _entry("deal-move", "write", ratio=0.01, p95=90)

    evaluate([json_list, html_page, write], concurrency=["1", "8"], scale="small", small=None)

    assert _statuses(json_list)["throughput"] == "missed"
    assert _statuses(html_page)["throughput"] == "met"
    assert "throughput" not in _statuses(write)
    assert _statuses(html_page)["scale"] == "n/a"


def test_a_deep_page_is_held_to_its_first_pages_p95_at_the_lowest_concurrency():
    first = _entry("lead-list-marketer", "html", ratio=0.1, p95=40)
    deep = _entry("lead-list-deep", "html", ratio=0.1, p95=45)
    filtered_first = _entry("lead-list-filtered-marketer", "html", ratio=0.1, p95=40)
    filtered_deep = _entry("lead-list-filtered-deep", "html", ratio=0.1, p95=43.9)

    evaluate([first, deep, filtered_first, filtered_deep], concurrency=["1", "8"], scale="small", small=None)

    assert _statuses(deep)["deep page"] == "missed"
    assert _statuses(filtered_deep)["deep page"] == "met"
    assert "deep page" not in _statuses(first)


def test_at_full_scale_p95_is_compared_with_the_stored_small_run_and_a_failed_scenario_has_no_goals():
    small = {
        "scenarios": [
            _entry("board", "html", ratio=0.1, p95=30),
            _entry("forecast", "html", ratio=0.1, p95=30),
        ]
    }
    board = _entry("board", "html", ratio=0.1, p95=35)
    forecast = _entry("forecast", "html", ratio=0.1, p95=37)
    broken = _entry("deal-list", "html", ratio=0.1, p95=30, error="answered 500")
    unknown_at_small = _entry("lead-create", "write", ratio=0.1, p95=30)

    evaluate([board, forecast, broken, unknown_at_small], concurrency=["1", "8"], scale="full", small=small)

    assert _statuses(board)["scale"] == "met"
    assert _statuses(forecast)["scale"] == "missed"
    assert broken["goals"] == []
    assert _statuses(unknown_at_small)["scale"] == "n/a"


def _missing_lead_list(*, p95: float = 40) -> dict:
    entry = _entry("lead-list", "html", ratio=0.01, p95=p95) | {
        "role": "sales_rep",
        "description": "Lead list, first page",
        "request": "GET /leads/",
        "queries_min": 9,
        "queries_max": 9,
        "request_ms": 48.0,
        "sql_ms": 6.5,
        "slowest_sql": 'SELECT "leads_lead"."id" FROM "leads_lead" INNER JOIN "crm_user" ON (1 = 1) LIMIT 51',
        "slowest_ms": 12.5,
    }
    evaluate([entry], concurrency=["1", "8"], scale="small", small=None)
    entry["explain"] = "Limit  (actual time=0.01..0.02 rows=51 loops=1)"
    return entry


def _report(entry: dict, *, scale: str = "small") -> dict:
    report = {
        "scale": scale,
        "generated_at": "2026-11-29T16:00:00+00:00",
        "command": f"BENCH_SCALE={scale} .venv/bin/python -m bench --load",
        "revision": "5b15fe7",
        "plan": {"concurrency": [1, 8], "runs": 3, "seconds": 3, "mix_seconds": 10},
        "server": "gunicorn, 2 sync workers",
        "tools": {"wrk": "4.1.0", "locust": "2.47.0", "gunicorn": "27.0.1"},
        "machine": {
            "cpu": "Xeon",
            "cores": 2,
            "memory_gb": 23.6,
            "system": "Linux",
            "python": "3.11.7",
            "load_average": [0.5, 0.4, 0.3],
        },
        "postgres": {"version": "15.20", "settings": {"work_mem": "4MB"}},
        "data": {
            "rows_estimated": {"leads": 10000},
            "seeded_at": "2026-11-29T15:00:00+00:00",
            "seed_seconds": 9.5,
        },
        "ceiling": {"1": {"rps": 800.0, "p95_ms": 3.0}, "8": {"rps": 1500.0, "p95_ms": 9.0}},
        "scenarios": [entry],
        "mix": {},
        "background": [],
    }
    # As the writer reads it back: JSON keys and values only.
    read_back: dict = json.loads(json.dumps(report))
    return read_back


def test_the_report_shows_a_missed_goal_with_the_slowest_query_and_its_plan():
    report = _report(_missing_lead_list())

    markdown = load_markdown.section(report)

    assert (
        "| lead-list | sales_rep | 9 | 48.0 (6.5) | 8.0 · 15.0 | 20.0 · 60.0 | 40 · 120 | 60.0 · 180.0 "
        "| 0.02 · 0.01 |" in markdown
    )
    assert "throughput missed (0.01)" in markdown
    assert "- Goals: 0 met, 1 missed (set for full scale)" in markdown
    assert (
        "In process a request takes 48.0 ms, 6.5 ms of it in 9 SQL queries (median of three requests)"
        in markdown
    )
    assert "14% of the time is in SQL, the rest in Python: the view and its rendering come first." in markdown
    assert 'SELECT "leads_lead"."id" FROM "leads_lead"' in markdown
    assert "Limit  (actual time=0.01..0.02 rows=51 loops=1)" in markdown

    report["background"] = [
        {
            "name": "lead-export",
            "description": "A marketer exports the newest 100,000 leads as streamed CSV",
            "error": "",
            "rows": 100000,
            "seconds": 2.5,
            "rows_per_s": 40000,
            "peak_rss_mb": 101.5,
            "details": {"csv_mb": 19.1, "undone_rows": 0},
        }
    ]
    with_jobs = load_markdown.section(report)
    assert "- lead-export: A marketer exports the newest 100,000 leads as streamed CSV" in with_jobs
    assert "| lead-export | 100,000 | 2.5 | 40000 | 101.5 | csv_mb 19.1 | ok |" in with_jobs
    assert "Background work" not in markdown


@pytest.fixture
def report_paths(tmp_path, monkeypatch):
    """The writer's files in a temporary folder: bench/reports/ and docs/."""
    monkeypatch.setattr(load_report, "REPORTS_DIR", tmp_path / "reports")
    monkeypatch.setattr(load_report, "DOCS_FILE", tmp_path / "docs" / "benchmarks.md")
    monkeypatch.setattr(load_report, "DOCS_DATA", tmp_path / "docs" / "benchmarks.json")
    return tmp_path


def test_a_small_run_writes_the_summary_to_docs_and_keeps_the_plans_for_bench_reports(report_paths):
    load_report.write(_report(_missing_lead_list()), complete=True)

    summary = (report_paths / "docs" / "benchmarks.md").read_text()
    assert "## Scale `small`, 2026-11-29 16:00 UTC" in summary
    assert "- Command: `BENCH_SCALE=small .venv/bin/python -m bench --load`, code at 5b15fe7" in summary
    assert (
        "| lead-list | sales_rep | 9 | 48.0 (6.5) | 8.0 · 15.0 | 20.0 · 60.0 | 40 · 120 "
        "| throughput missed (0.01) |" in summary
    )
    assert (
        "- **lead-list** (`GET /leads/`): throughput 0.01. 48.0 ms in process, 6.5 ms of it (14%) in 9 SQL "
        "queries: mostly Python; slowest query `SELECT leads_lead, crm_user`, 12.5 ms." in summary
    )
    assert "- **lead-list** (sales_rep): Lead list, first page" in summary
    assert "Limit  (actual time" not in summary
    assert '"leads_lead"."id"' not in summary

    documented = json.loads((report_paths / "docs" / "benchmarks.json").read_text())
    entry = documented["small"]["scenarios"][0]
    assert "slowest_sql" not in entry
    assert "explain" not in entry
    assert (entry["slowest_query"], entry["slowest_ms"]) == ("SELECT leads_lead, crm_user", 12.5)
    assert entry["by_concurrency"]["1"]["p95_ms"] == 40

    full_report = (report_paths / "reports" / "load-small.md").read_text()
    assert "Limit  (actual time=0.01..0.02 rows=51 loops=1)" in full_report
    assert "explain" in json.loads((report_paths / "reports" / "load-small.json").read_text())["scenarios"][0]


def test_a_tiny_run_or_a_run_of_some_scenarios_leaves_the_docs_alone(report_paths):
    load_report.write(_report(_missing_lead_list(), scale="tiny"), complete=True)
    load_report.write(_report(_missing_lead_list()), complete=False)

    assert not (report_paths / "docs").exists()
    assert (report_paths / "reports" / "load-tiny.md").exists()
    assert not (report_paths / "reports" / "load-small.md").exists()


def test_a_full_run_is_judged_against_the_documented_small_run_and_shown_first_beside_it(report_paths):
    load_report.write(_report(_missing_lead_list(p95=40)), complete=True)
    at_full = _missing_lead_list(p95=60)

    evaluate([at_full], concurrency=["1", "8"], scale="full", small=load_report._stored("small"))
    load_report.write(_report(at_full, scale="full"), complete=True)

    assert {goal["goal"]: goal["measured"] for goal in at_full["goals"]}["scale"] == 1.5
    summary = (report_paths / "docs" / "benchmarks.md").read_text()
    assert summary.index("## Scale `full`") < summary.index("## Scale `small`")
    assert "throughput 0.01, scale 1.5." in summary
    assert set(json.loads((report_paths / "docs" / "benchmarks.json").read_text())) == {"small", "full"}


def test_a_query_is_named_by_its_statement_and_the_tables_it_names():
    deal = (
        'SELECT "sales_deal"."id" FROM "sales_deal" INNER JOIN "crm_user" ON (1 = 1) '
        'LEFT OUTER JOIN "crm_account" ON (1 = 1) LEFT OUTER JOIN "crm_contact" ON (1 = 1) '
        'INNER JOIN "crm_user" T6 ON (1 = 1) WHERE "sales_deal"."id" = 7'
    )

    assert load_markdown.query_name(deal) == "SELECT sales_deal, crm_user, crm_account and 1 more"
    assert load_markdown.query_name('UPDATE "sales_stage" SET "position" = 2') == "UPDATE sales_stage"
    assert (
        load_markdown.query_name("SELECT set_config('pg_trgm.similarity_threshold', '0.5', true)")
        == "SELECT set_config('pg_trgm.similarity_threshold', '0.5', true)"
    )


def test_a_scenario_played_to_the_recording_client_becomes_the_requests_it_would_make():
    recorder = RecordingClient(status=200)

    lead_scenarios.api_lead_list_filtered(recorder, User())
    sales_scenarios.account_360_older(recorder, User(), pk=7, older="abc=")

    api, older = recorder.recorded
    assert (api.method, api.path, api.kind) == ("GET", f"/api/v1/leads/?{lead_scenarios.FILTERED}", "json")
    assert older == Target("GET", "/accounts/7/?older=abc%3D", (("HX-Request", "true"),))
    assert older.kind == "html"


def test_a_signed_in_write_carries_its_csrf_token_and_the_mark_that_rolls_it_back():
    login = Login("session-key", "c" * 32)
    write = Target("POST", "/leads/new/", (("Content-Type", "application/x-www-form-urlencoded"),), "a=1")

    signed = dict(write.signed_in(login).headers)
    read = dict(Target("GET", "/leads/").signed_in(login).headers)

    assert signed["Cookie"] == f"sessionid=session-key; csrftoken={'c' * 32}"
    assert (signed["X-CSRFTOKEN"], signed["X-Bench-Rollback"]) == ("c" * 32, "1")
    assert set(read) == {"Cookie"}


def test_a_lua_string_keeps_printable_ascii_and_escapes_quotes_backslashes_and_other_bytes():
    assert lua_string('a "b" \\ é\n') == '"a \\034b\\034 \\092 \\195\\169\\010"'
