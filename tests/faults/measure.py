"""What every fault case measures and promises: waits with a bound, and the recovery figures printed
past pytest's capture (and again in the summary, by conftest's hooks)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

# What every case promises: the work is moving again this soon after the fault clears.
RECOVERY_LIMIT_S = 60
# How long a case waits for the work to move again, and then to finish: past the promise, so that a
# slow recovery is measured and reported (see `expect_recovery`) rather than cut off.
RESUME_WAIT_S = 240
FINISH_LIMIT_S = 240
STARTUP_LIMIT_S = 60


def wait_until(what: str, condition: Callable[[], Any], *, seconds: float, poll: float = 0.1) -> float:
    """Polls `condition` until it is true; returns the seconds it took, fails the test after `seconds`."""
    started = time.monotonic()
    deadline = started + seconds
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic() - started
        time.sleep(poll)
    pytest.fail(f"Not within {seconds:.0f} s: {what}")


def report(case: str, **figures: float) -> None:
    """One line per case with its measured recovery, on the terminal whatever pytest captures."""
    text = ", ".join(f"{name.replace('_', ' ')} {value:.1f} s" for name, value in figures.items())
    say(f"[faults] {case}: {text}")


def expect_recovery(case: str, seconds: float) -> None:
    """Called once the work was checked whole: fails the case if it moved again later than promised."""
    if seconds > RECOVERY_LIMIT_S:
        pytest.fail(
            f"{case}: the work ended whole but moved again only {seconds:.0f} s after the fault cleared "
            f"(promise: {RECOVERY_LIMIT_S} s).",
            pytrace=False,
        )


def say(line: str) -> None:
    """Shows `line` at once, past pytest's capture, and again in the summary at the end of the run."""
    _said.append(line)
    config = _config[0] if _config else None
    if config is None:
        return
    capture = config.pluginmanager.get_plugin("capturemanager")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if capture is None or reporter is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


_said: list[str] = []
_config: list[pytest.Config] = []
