"""`make test` finds a chromium by itself, or stops at once with the one command to run."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e import chromium

ROOT = Path(__file__).resolve().parents[2]
PLAYWRIGHT_BUILD = "/root/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome"


class Machine:
    """The files a machine has, and what `playwright install chromium` does on it."""

    def __init__(self, *present: str, download_works: bool = False) -> None:
        self.present = set(present)
        self.download_works = download_works
        self.downloads = 0

    def download(self) -> str:
        self.downloads += 1
        if not self.download_works:
            return "Error: Download failure, code=1"
        self.present.add(PLAYWRIGHT_BUILD)
        return ""


def _ignore(message: str) -> None:
    pass


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    def describe(*present: str, download_works: bool = False, os_id: str = "debian") -> Machine:
        described = Machine(*present, download_works=download_works)
        monkeypatch.setattr(chromium, "_exists", lambda path: path in described.present)
        monkeypatch.setattr(
            chromium,
            "_which",
            lambda name: next((p for p in described.present if p.endswith(f"/{name}")), None),
        )
        monkeypatch.setattr(chromium, "_playwright_chromium", lambda: PLAYWRIGHT_BUILD)
        monkeypatch.setattr(chromium, "_download", described.download)
        os_release = tmp_path / "os-release"
        os_release.write_text(f'ID={os_id}\nPRETTY_NAME="{os_id}"\n')
        monkeypatch.setattr(chromium, "OS_RELEASE", os_release)
        monkeypatch.delenv("CHROMIUM_PATH", raising=False)
        return described

    return describe


def test_chromium_path_comes_first(machine, monkeypatch):
    machine("/opt/chrome/chrome", "/usr/bin/chromium")
    monkeypatch.setenv("CHROMIUM_PATH", "/opt/chrome/chrome")

    assert chromium.find_chromium(announce=_ignore) == "/opt/chrome/chrome"


def test_a_chromium_path_that_does_not_exist_is_named_and_nothing_is_downloaded(machine, monkeypatch):
    present = machine("/usr/bin/chromium")
    monkeypatch.setenv("CHROMIUM_PATH", "/opt/chrome/chrome")

    with pytest.raises(
        chromium.BrowserMissing, match="CHROMIUM_PATH is /opt/chrome/chrome, which does not exist"
    ):
        chromium.find_chromium(announce=_ignore)
    assert present.downloads == 0


def test_debians_chromium_is_used_when_installed(machine):
    present = machine("/usr/bin/chromium", PLAYWRIGHT_BUILD)

    assert chromium.find_chromium(announce=_ignore) == "/usr/bin/chromium"
    assert present.downloads == 0


def test_playwrights_own_chromium_is_used_when_already_downloaded(machine):
    present = machine(PLAYWRIGHT_BUILD)

    assert chromium.find_chromium(announce=_ignore) == PLAYWRIGHT_BUILD
    assert present.downloads == 0


def test_without_any_chromium_playwrights_is_downloaded_once_and_used(machine):
    present = machine(download_works=True)
    said: list[str] = []

    assert chromium.find_chromium(announce=said.append) == PLAYWRIGHT_BUILD
    assert present.downloads == 1
    assert said == ["No chromium on this machine: trying `python -m playwright install chromium` once..."]


def test_on_debian_a_failed_download_asks_for_debians_package(machine):
    present = machine(download_works=False, os_id="debian")

    with pytest.raises(chromium.BrowserMissing) as missing:
        chromium.find_chromium(announce=_ignore)

    assert present.downloads == 1
    assert "the download failed: Error: Download failure, code=1" in str(missing.value)
    assert str(missing.value).endswith("apt-get install chromium")


@pytest.mark.parametrize("os_id", ["ubuntu", "fedora"])
def test_elsewhere_a_failed_download_gives_the_download_command(machine, os_id):
    machine(download_works=False, os_id=os_id)

    with pytest.raises(chromium.BrowserMissing) as missing:
        chromium.find_chromium(announce=_ignore)

    assert str(missing.value).endswith(" -m playwright install chromium")


def test_a_missing_browser_stops_the_session_before_any_test_with_one_message():
    result = subprocess.run(  # noqa: S603  (our own interpreter and arguments)
        [sys.executable, "-m", "pytest", "tests/e2e", "-p", "no:cacheprovider", "-q"],
        cwd=ROOT,
        env={**os.environ, "CHROMIUM_PATH": "/nonexistent/chromium"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "no tests ran" in result.stdout
    assert result.stdout.count("CHROMIUM_PATH is /nonexistent/chromium, which does not exist") == 1
