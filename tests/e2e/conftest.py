"""Browser tests: Playwright drives chromium against Django's live server.

The chromium is chosen once, before the first test runs (tests/e2e/chromium.py): CHROMIUM_PATH,
Debian's chromium, or Playwright's own build. As root it needs --no-sandbox, and the
background-networking switches keep it off the network.
"""

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from crm.models import User
from tests.e2e import chromium
from tests.factories.people import PASSWORD

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make there are
# ordinary blocking calls, not async ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_PATH = pytest.StashKey[str]()


def _chromium(config: pytest.Config) -> str:
    if CHROMIUM_PATH not in config.stash:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        try:
            config.stash[CHROMIUM_PATH] = chromium.find_chromium(
                announce=lambda message: reporter.write_line(message) if reporter else None
            )
        except chromium.BrowserMissing as missing:
            # One message for the whole session, not one failure per browser test.
            pytest.exit(str(missing), returncode=pytest.ExitCode.USAGE_ERROR)
    return config.stash[CHROMIUM_PATH]


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Before the first test of the session, browser or not, so that a missing browser stops it at once.
    if not config.option.collectonly and any(item.get_closest_marker("browser") for item in items):
        _chromium(config)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], pytestconfig: pytest.Config
) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": _chromium(pytestconfig),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def log_in(live_server: Any, page: Page):
    """Logs `user` in through the login form, as a person would; returns the live server's URL."""

    def log_in_as(user: User) -> str:
        page.goto(f"{live_server.url}/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name=str(user))).to_be_visible()
        return str(live_server.url)

    return log_in_as
