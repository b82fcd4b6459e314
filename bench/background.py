"""Background scenarios: bulk work timed once (an import, a rescore), with rows per second and memory.

A background scenario calls the app's services directly, as a worker would, and returns an Outcome:
how many rows it handled, how long the timed part took, and details worth printing. Each runs in a
forked child process, so the peak resident memory it reports (getrusage's ru_maxrss) is its own and not
the benchmark's high-water mark so far. Afterwards the parent deletes every row the scenario inserted
(bench.undo), so the seeded data can be reused by the next run.

    @background("lead-import", description="...")
    def lead_import(scale: Scale) -> Outcome: ...
"""

from __future__ import annotations

import json
import os
import resource
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from django.db import connections

from bench import seed_state, undo
from bench.scales import Scale


@dataclass(frozen=True)
class Outcome:
    rows: int
    seconds: float  # the timed part only
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Background:
    name: str
    description: str
    run: Callable[[Scale], Outcome]
    # Tables whose new rows stay (e.g. score rows a rescore inserted, which the kept scores count).
    keep: tuple[str, ...] = ()
    # Tables it updates in place: vacuumed afterwards, with those it inserted into, so that the next
    # run (which may reuse the data) meets tables as freshly vacuumed as after seeding.
    updates: tuple[str, ...] = ()


@dataclass
class BackgroundResult:
    name: str
    description: str
    error: str = ""
    rows: int = 0
    seconds: float = 0.0
    peak_rss_mb: float | None = None
    rss_growth_mb: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "result": "ok" if self.ok else "failed",
            "error": self.error,
            "rows": self.rows,
            "seconds": round(self.seconds, 2),
            "rows_per_s": round(self.rows / self.seconds) if self.seconds else None,
            "peak_rss_mb": self.peak_rss_mb,
            "rss_growth_mb": self.rss_growth_mb,
            "details": self.details,
        }


BACKGROUND: dict[str, Background] = {}


def background(
    name: str, *, description: str = "", keep: tuple[str, ...] = (), updates: tuple[str, ...] = ()
) -> Callable[[Callable[[Scale], Outcome]], Callable[[Scale], Outcome]]:
    def register(run: Callable[[Scale], Outcome]) -> Callable[[Scale], Outcome]:
        if name in BACKGROUND:
            raise ValueError(f"Two background scenarios are named {name!r}.")
        summary = description or (run.__doc__ or name).strip().splitlines()[0]
        BACKGROUND[name] = Background(name=name, description=summary, run=run, keep=keep, updates=updates)
        return run

    return register


@contextmanager
def held_tasks(*names: str) -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """Celery tasks `names` are recorded instead of run (the settings run tasks eagerly), so that the
    scenario times the service it calls and runs the follow-up work itself."""
    from crm.celery import app

    app.loader.import_default_modules()  # every app's tasks module, so that each task is registered
    calls: list[tuple[str, tuple[Any, ...]]] = []
    with ExitStack() as stack:
        for name in names:
            task = app.tasks[name]

            def record(
                args: Any = None, kwargs: Any = None, *rest: Any, _name: str = name, **opts: Any
            ) -> None:
                calls.append((_name, tuple(args or ())))

            stack.enter_context(mock.patch.object(task, "apply_async", record))
        yield calls


def measure(registered: Background, scale: Scale) -> BackgroundResult:
    result = BackgroundResult(registered.name, registered.description)
    before = undo.watermarks()
    seed_state.set_clean(False)
    connections.close_all()  # the child opens its own connection; none may be shared across the fork
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, report through the pipe, and leave without the parent's exit hooks
        code = 1
        try:
            os.close(reader)
            payload = _child(registered, scale)
            code = 1 if "error" in payload else 0
            connections.close_all()
            with os.fdopen(writer, "w") as stream:
                json.dump(payload, stream, default=str)
        finally:
            os._exit(code)
    os.close(writer)
    with os.fdopen(reader) as stream:
        raw = stream.read()
    os.waitpid(pid, 0)
    try:
        payload = json.loads(raw) if raw else {"error": "the child process died without a report"}
    except ValueError:
        payload = {"error": f"unreadable report from the child process: {raw[:200]!r}"}
    result.error = payload.get("error", "")
    result.rows = payload.get("rows", 0)
    result.seconds = payload.get("seconds", 0.0)
    result.details = payload.get("details", {})
    result.peak_rss_mb = payload.get("peak_rss_mb")
    result.rss_growth_mb = payload.get("rss_growth_mb")
    undone = undo.delete_above(before, keep=registered.keep)
    if undone:
        result.details["undone_rows"] = undone
    undo.vacuum([*undone, *registered.keep, *registered.updates])
    seed_state.set_clean(True)
    return result


def _child(registered: Background, scale: Scale) -> dict[str, Any]:
    start_rss_kb = _status_kb("VmRSS")
    try:
        began = time.perf_counter()
        outcome = registered.run(scale)
        wall = time.perf_counter() - began
    except Exception as error:
        traceback.print_exc()
        return {"error": f"{type(error).__name__}: {error}"}
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {
        "rows": outcome.rows,
        "seconds": outcome.seconds,
        "details": {**outcome.details, "wall_s": round(wall, 2)},
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "rss_growth_mb": round((peak_kb - start_rss_kb) / 1024, 1) if start_rss_kb else None,
    }


def _status_kb(key: str) -> int:
    """A line of /proc/self/status in kilobytes (0 where there is no /proc)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{key}:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
