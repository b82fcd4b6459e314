"""Browser tests: Playwright drives Debian's chromium against Django's live server.

`playwright install` cannot download browsers here, so the system chromium is used; as root it
needs --no-sandbox, and the background-networking switches keep it off the closed network.
"""

import os
import shutil
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from crm.models import User
from tests.factories.people import PASSWORD

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make there are
# ordinary blocking calls, not async ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Browser tests need Debian's chromium at {CHROMIUM}: `apt-get install chromium`.")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
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
