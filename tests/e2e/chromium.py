"""Which chromium the browser tests drive, decided once before any of them runs.

In order: CHROMIUM_PATH; Debian's chromium; Playwright's own build if `playwright install chromium`
already downloaded it; otherwise that download, tried once. When there is still none, the session
stops before its first test with the one command that gets a browser on this machine.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

DEBIAN_CHROMIUM = "/usr/bin/chromium"
# A download of about 150 MB; without internet access it fails within seconds.
INSTALL_TIMEOUT_S = 600
INSTALL_ARGS = ("-m", "playwright", "install", "chromium")

# What the choice looks at, as module attributes so that tests can describe another machine.
_exists: Callable[[str], bool] = os.path.exists
_which: Callable[[str], str | None] = shutil.which
OS_RELEASE = Path("/etc/os-release")


class BrowserMissing(Exception):
    pass


def _playwright_chromium() -> str:
    """Where Playwright keeps its own chromium build, whether or not it was downloaded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        return playwright.chromium.executable_path


def _download() -> str:
    """Runs `playwright install chromium`; returns "" on success, otherwise why it failed."""
    try:
        result = subprocess.run(  # noqa: S603  (our own interpreter and arguments)
            [sys.executable, *INSTALL_ARGS],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"it did not finish within {INSTALL_TIMEOUT_S} s"
    except OSError as error:
        return str(error)
    if result.returncode == 0:
        return ""
    lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    return next((line for line in lines if line.startswith("Error")), lines[-1] if lines else "no output")


def installed_chromium() -> str | None:
    """A chromium that is already on this machine, or None."""
    for candidate in (_which("chromium"), DEBIAN_CHROMIUM):
        if candidate and _exists(candidate):
            return candidate
    playwright_build = _playwright_chromium()
    return playwright_build if _exists(playwright_build) else None


def install_command() -> str:
    """The one command that gets a chromium here: Debian's package, or Playwright's download."""
    if _is_debian():
        return "apt-get install chromium" if os.geteuid() == 0 else "sudo apt-get install chromium"
    python = Path(sys.executable)
    shown = python.relative_to(Path.cwd()) if python.is_relative_to(Path.cwd()) else python
    return f"{shown} {' '.join(INSTALL_ARGS)}"


def _is_debian() -> bool:
    # Ubuntu has no `chromium` deb (only a snap wrapper), so Playwright's download is its command.
    try:
        fields = dict(line.split("=", 1) for line in OS_RELEASE.read_text().splitlines() if "=" in line)
    except OSError:
        return False
    family = {fields.get("ID", "").strip('"'), *fields.get("ID_LIKE", "").strip('"').split()}
    return "debian" in family and "ubuntu" not in family


def find_chromium(*, announce: Callable[[str], None]) -> str:
    """The chromium to drive; raises BrowserMissing with the one thing to do when there is none."""
    configured = os.environ.get("CHROMIUM_PATH", "")
    if configured:
        if not _exists(configured):
            raise BrowserMissing(f"CHROMIUM_PATH is {configured}, which does not exist: fix or unset it.")
        return configured
    found = installed_chromium()
    if found:
        return found
    announce(f"No chromium on this machine: trying `python {' '.join(INSTALL_ARGS)}` once...")
    failure = _download()
    found = None if failure else installed_chromium()
    if found:
        return found
    why = f" (the download failed: {failure})" if failure else ""
    raise BrowserMissing(f"The browser tests need chromium{why}. Run: {install_command()}")
