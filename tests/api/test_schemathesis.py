"""Schemathesis against the live API with a rep's and an admin's token (`make fuzz`, part of `make test`).

Every check runs in every phase (examples, coverage, fuzzing and the stateful phase, which follows the
schema's links from a created record to what can be done to it), with a fixed seed and a bounded
number of examples per operation, on the demo data. The API must give no server error and nothing the
schema does not document: every status code, content type, header and body conforms. The other checks
(schema-valid data accepted, schema-invalid data refused...) are reported with their counts: an id that
names no record is schema-valid and still refused, so those cannot all be zero.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from crm.demo.people import DEMO_PASSWORD
from crm.demo.seeding import seed_demo
from tests.factories.sales import create_sales_defaults

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

SEED = int(os.environ.get("FUZZ_SEED", "20261207"))
# Examples per operation and phase: with two users and ~50 operations, a few minutes here.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
# A server error, or an answer the schema does not document, fails the run.
MUST_PASS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
SCHEMATHESIS = Path(sys.executable).with_name("st")


def _token(username: str) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    token: str = response.json()["token"]
    return token


def _run(base_url: str, token: str, report: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{base_url}/api/schema/",
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)  # noqa: S603


def _results(report: Path) -> tuple[int, Counter[str], list[dict[str, Any]]]:
    """The cases run, the failures per check, and the failures of the checks that must pass."""
    cases: set[str] = set()
    failures: Counter[str] = Counter()
    blocking: list[dict[str, Any]] = []
    for line in report.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        for case_id, checks in finished["recorder"].get("checks", {}).items():
            cases.add(case_id)
            for check in checks:
                if check["status"] != "failure":
                    continue
                failures[check["name"]] += 1
                if check["name"] in MUST_PASS:
                    blocking.append({"operation": finished["recorder"]["label"], **check["failure_info"]})
    return len(cases), failures, blocking


@pytest.mark.parametrize("username", ["rep", "admin"])
def test_the_api_gives_no_server_error_and_only_documented_answers(live_server, tmp_path, settings, username):
    settings.MEDIA_ROOT = tmp_path / "media"  # the files the fuzz uploads to /imports/
    create_sales_defaults()
    seed_demo()
    report = Path(os.environ.get("FUZZ_REPORT_DIR", tmp_path)) / f"schemathesis-{username}.ndjson"

    run = _run(live_server.url, _token(username), report)

    cases, failures, blocking = _results(report)
    summary = ", ".join(f"{name} {count}" for name, count in sorted(failures.items())) or "none"
    print(f"\nschemathesis as {username}: {cases} cases; failures by check: {summary}")  # noqa: T201
    assert cases > 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert not blocking, json.dumps(blocking[:10], indent=2) + "\n" + run.stdout[-5000:]
