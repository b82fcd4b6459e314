"""Start-up configuration: bad environment values stop with one clear line naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER_MODE = {
    "DJANGO_SETTINGS_MODULE": "crm.settings.production",
    "SECRET_KEY": "a-long-random-production-secret-key-with-enough-characters-1234567890",
    "DATABASE_URL": "postgres://crm@127.0.0.1:9/crm",
    "CELERY_BROKER_URL": "redis://127.0.0.1:9/0",
    "ALLOWED_HOSTS": "crm.example.com",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Only what a shell needs: the test settings put their own defaults into this process's environment.
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(  # noqa: S603  (our own interpreter and arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **SERVER_MODE)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SECRET_KEY", "", "SECRET_KEY is required"),
        ("DATABASE_URL", "mysql://crm@db/crm", "DATABASE_URL must be a URL starting with"),
        ("CELERY_BROKER_URL", "redis//typo", "CELERY_BROKER_URL must be a URL starting with"),
        ("DEBUG", "perhaps", "DEBUG has an invalid value 'perhaps'"),
        ("CONN_MAX_AGE", "forever", "CONN_MAX_AGE has an invalid value 'forever'"),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_line_naming_it(variable, value, message):
    result = _manage("check", **{**SERVER_MODE, variable: value})

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]  # one line, no traceback
    assert message in result.stderr
