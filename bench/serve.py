"""Serving the app for the load runs: gunicorn on a free port of 127.0.0.1, stopped however the run ends.

    with Server(workers=2, threads=1) as server:
        wrk(server.url)

Gunicorn runs bench.settings_serve (production settings on crm_bench) in a session of its own, so a
Ctrl-C in the terminal reaches the harness, which stops it; it is also told to stop if the harness
dies without cleaning up (Linux's parent-death signal). Its output goes to a log file whose tail is
shown when it fails to start.
"""

from __future__ import annotations

import ctypes
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase

if TYPE_CHECKING:
    from bench.load_targets import Target

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "bench.settings_serve"
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 10
# A request the harness marks with this header is rolled back once its view has run (bench writes).
ROLLBACK_HEADER = "X-Bench-Rollback"
PR_SET_PDEATHSIG = 1


class ServerError(RuntimeError):
    pass


class RollbackBenchWrites:
    """Middleware of the bench server only: runs a marked request's view, then rolls its writes back.

    Every repetition of a write scenario then makes the same write on the same data (as the in-process
    deal-move scenario does), and the data stays as seeded. The commit is the part not measured.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.meta_key = "HTTP_" + ROLLBACK_HEADER.upper().replace("-", "_")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.META.get(self.meta_key) != "1":
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            transaction.set_rollback(True)
        return response


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the harness process dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Server:
    def __init__(self, *, workers: int, threads: int) -> None:
        self.workers = workers
        self.threads = threads
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.gettempdir()) / f"crm-bench-gunicorn-{os.getpid()}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def description(self) -> str:
        if self.threads > 1:
            return f"gunicorn, {self.workers} gthread workers x {self.threads} threads"
        return f"gunicorn, {self.workers} sync workers"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn", "crm.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", "gthread" if self.threads > 1 else "sync",
            "--threads", str(self.threads),
            "--timeout", "120", "--graceful-timeout", "5",
            "--no-control-socket", "--log-level", "warning",
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        # The resolved database URL, so that the workers neither start nor attach to an embedded server.
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DATABASE_URL": str(settings.DATABASE_URL),
            "SECRET_KEY": settings.SECRET_KEY,
            "PYTHONUNBUFFERED": "1",
            # The load generators drive one user's session at thousands of requests a second, on purpose.
            "API_THROTTLE_ANON_RATE": "off",
            "API_THROTTLE_USER_RATE": "off",
        }

    def start(self) -> None:
        self.port = free_port()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                self.command(),
                cwd=BASE_DIR,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            if self._answers():
                return
            time.sleep(0.2)
        self.stop()
        raise ServerError(f"gunicorn did not answer within {START_TIMEOUT_S} s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        from bench.urls_serve import CEILING_PATH

        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            connection.request("GET", CEILING_PATH)
            return connection.getresponse().status == 200
        except OSError:
            return False

    def check(self, targets: list[Target], expected_status: int) -> str:
        """Makes each request once (which warms the workers up too): what went wrong, or ""."""
        for target in targets:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                connection.request(
                    target.method,
                    target.path,
                    body=target.body.encode() or None,
                    headers=dict(target.headers),
                )
                status = connection.getresponse().status
            except OSError as error:
                return f"{target.method} {target.path} failed: {error}"
            finally:
                connection.close()
            if status != expected_status:
                return (
                    f"answered {status} to {target.method} {target.path}, expected {expected_status} "
                    f"(server log: {self.log_path})"
                )
        return ""

    def stop(self) -> None:
        """SIGTERM to the master (it stops its workers), then SIGKILL to its process group if it lingers."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.log_path.exists() and not self.log_path.stat().st_size:
            self.log_path.unlink()  # a log with anything in it stays, for whoever reads the error

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
