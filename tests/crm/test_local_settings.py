"""`make run`'s settings: the product as deployed (no debug pages) that still works on http://127.0.0.1."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Reads crm.settings.local with its .data/ folder moved to argv[1], and prints what a browser meets.
READ_SETTINGS = """
import json, sys
from pathlib import Path
from crm.settings import environment
environment.DATA_DIR = Path(sys.argv[1])
from crm.settings import local
names = ["DEBUG", "SECRET_KEY", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
         "SECURE_HSTS_SECONDS"]
print(json.dumps({name: getattr(local, name) for name in names}))
"""


def _local_settings(data_dir: Path, **env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    result = subprocess.run(  # noqa: S603  (our own interpreter and arguments)
        [sys.executable, "-c", READ_SETTINGS, str(data_dir)],
        cwd=ROOT,
        env={**clean, "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none", "CELERY_BROKER_URL": "", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    values: dict[str, object] = json.loads(result.stdout)
    return values


def test_make_run_serves_without_debug_pages_over_plain_http(tmp_path):
    values = _local_settings(tmp_path)

    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_the_secret_key_is_made_once_and_kept_private(tmp_path):
    first = _local_settings(tmp_path)["SECRET_KEY"]
    second = _local_settings(tmp_path)["SECRET_KEY"]

    assert first == second == (tmp_path / "secret_key").read_text()
    assert len(str(first)) >= 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]


def test_the_environment_still_decides(tmp_path):
    values = _local_settings(
        tmp_path, DEBUG="true", SECRET_KEY="from-the-environment", SECURE_SSL_REDIRECT="true"
    )

    assert values["DEBUG"] is True
    assert values["SECRET_KEY"] == "from-the-environment"
    assert values["SECURE_SSL_REDIRECT"] is True
    assert not (tmp_path / "secret_key").exists()


def test_a_secret_key_that_starts_with_a_dollar_is_taken_as_written(tmp_path):
    values = _local_settings(tmp_path, SECRET_KEY="$no-such-variable-but-a-key")

    assert values["SECRET_KEY"] == "$no-such-variable-but-a-key"
