"""What the load generators request, derived from the scenario registry, and as whom.

A request scenario is a function of a Django test client. Called with a RecordingClient instead, it
hands over the method, path, headers and body it would send; a scenario that cycles through records
(the rep's 50 newest leads) is called until its cycle repeats. The load generators then replay those
requests with the session cookie of a user of the scenario's role, written here as `force_login`
would write it. Writes carry a header on which the bench server rolls them back (bench.serve).

The same scenario also runs a few times in process (`probe`): SQL queries per request and the
slowest query, whose EXPLAIN the report shows when the scenario misses a goal.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection, reset_queries, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.crypto import get_random_string

from bench.scenarios import Scenario
from bench.serve import ROLLBACK_HEADER
from crm.models import Role, User
from sales.models import Deal, DealStatus

# Calls of a scenario to record: the longest cycle of records a scenario goes through is 50.
RECORDED_CALLS = 50
PROBE_REQUESTS = 3
# Deals the move scenario spreads its load over: eight users moving one deal would queue on its lock.
MOVE_POOL = 50


@dataclass(frozen=True)
class Target:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""

    @property
    def kind(self) -> str:
        """json, html or write: which goal the scenario's throughput is held to."""
        if self.method != "GET":
            return "write"
        accept = {name.lower(): value for name, value in self.headers}.get("accept", "")
        return "json" if "json" in accept else "html"

    def signed_in(self, login: Login) -> Target:
        """The request with the user's session; a write also with its CSRF token and the rollback mark."""
        headers = [*self.headers, ("Cookie", login.cookie)]
        if self.method != "GET":
            headers += [(login.csrf_header, login.csrf_token), (ROLLBACK_HEADER, "1")]
        return replace(self, headers=tuple(headers))

    def as_lua(self) -> str:
        headers = ", ".join(f"[{lua_string(name)}] = {lua_string(value)}" for name, value in self.headers)
        body = lua_string(self.body) if self.body else "nil"
        method, path = lua_string(self.method), lua_string(self.path)
        return f"{{method = {method}, path = {path}, headers = {{{headers}}}, body = {body}}}"

    def as_json(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "headers": dict(self.headers), "body": self.body}


def lua_string(text: str) -> str:
    """A Lua string literal: printable ASCII as is, every other byte as a decimal escape."""
    escaped = (
        chr(byte) if 32 <= byte < 127 and byte not in (ord('"'), ord("\\")) else f"\\{byte:03d}"
        for byte in text.encode()
    )
    return '"' + "".join(escaped) + '"'


def write_lua(targets: list[Target], path: Path) -> None:
    path.write_text("return {\n" + "".join(f"  {target.as_lua()},\n" for target in targets) + "}\n")


class RecordingClient:
    """Stands in for django.test.Client in a scenario: records each request instead of making it."""

    def __init__(self, status: int) -> None:
        self.recorded: list[Target] = []
        self.status = status

    def get(
        self,
        path: str,
        data: Mapping[str, Any] | None = None,
        follow: bool = False,
        secure: bool = False,
        *,
        headers: Mapping[str, Any] | None = None,
        query_params: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> HttpResponse:
        query = urlencode({**(data or {}), **(query_params or {})}, doseq=True)
        if query:
            path = f"{path}{'&' if '?' in path else '?'}{query}"
        return self._record("GET", path, headers, extra, body="")

    def post(
        self,
        path: str,
        data: Mapping[str, Any] | str | None = None,
        content_type: str = "application/x-www-form-urlencoded",
        follow: bool = False,
        secure: bool = False,
        *,
        headers: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> HttpResponse:
        if isinstance(data, str):
            body = data
        elif content_type.startswith("application/json"):
            body = json.dumps(data or {})
        else:
            body, content_type = urlencode(data or {}, doseq=True), "application/x-www-form-urlencoded"
        return self._record("POST", path, {**(headers or {}), "Content-Type": content_type}, extra, body=body)

    def _record(
        self,
        method: str,
        path: str,
        headers: Mapping[str, Any] | None,
        extra: Mapping[str, Any],
        *,
        body: str,
    ) -> HttpResponse:
        named = {name: str(value) for name, value in (headers or {}).items()}
        # The test client's WSGI-style keywords: HTTP_HX_REQUEST="true" is the header HX-Request.
        named |= {
            key.removeprefix("HTTP_").replace("_", "-").title(): str(value)
            for key, value in extra.items()
            if key.startswith("HTTP_")
        }
        self.recorded.append(Target(method, path, tuple(named.items()), body))
        return HttpResponse(status=self.status)


@dataclass
class Probe:
    queries: list[int] = field(default_factory=list)
    request_ms: list[float] = field(default_factory=list)  # the whole request, in process
    sql_ms: list[float] = field(default_factory=list)  # the part of it spent in SQL queries
    slowest_sql: str = ""
    slowest_ms: float = 0.0


@dataclass
class LoadScenario:
    """A scenario as the load runs see it: its requests, and what one request costs in SQL."""

    name: str
    role: str
    description: str
    expected_status: int
    targets: list[Target] = field(default_factory=list)
    probe: Probe = field(default_factory=Probe)
    error: str = ""

    @property
    def kind(self) -> str:
        return self.targets[0].kind if self.targets else "html"


def bench_user(role: Role) -> User | None:
    """The user the in-process runner times a role as: the first seeded bench user of that role."""
    return User.objects.filter(role=role, username__startswith="bench_").order_by("id").first()


def _deal_move_pool(registered: Scenario, user: User) -> list[dict[str, Any]]:
    """The scenario's move, made on each of the rep's newest deals in its first stage in turn."""
    first = registered.prepare(user)
    # Deals like the scenario's own (one with a primary contact), so that every move makes its queries.
    deals = Deal.objects.filter(
        owner=user, stage_id=first["from_stage"], status=DealStatus.OPEN, primary_contact__isnull=False
    )
    pks = deals.order_by("-created_at", "-id").values_list("pk", flat=True)[:MOVE_POOL]
    return [{**first, "pk": pk} for pk in pks] or [first]


# Scenarios whose load is spread over several records where the in-process run uses one.
POOLS: dict[str, Callable[[Scenario, User], list[dict[str, Any]]]] = {
    "deal-move": _deal_move_pool,
    "api-deal-move": _deal_move_pool,
}


def prepare(registered: Scenario) -> tuple[LoadScenario, User | None]:
    """The scenario's requests and its in-process probe; a scenario that cannot run says why in .error."""
    found = LoadScenario(
        registered.name, registered.role.value, registered.description, registered.expected_status
    )
    user = bench_user(registered.role)
    if user is None:
        found.error = f"no seeded user with role {registered.role.value}"
        return found, None
    try:
        pool = POOLS[registered.name](registered, user) if registered.name in POOLS else []
        prepared = pool[0] if pool else registered.prepare(user)
        recorder = RecordingClient(registered.expected_status)
        for kwargs in pool or [prepared] * RECORDED_CALLS:
            registered.request(recorder, user, **kwargs)
        found.targets = list(dict.fromkeys(recorder.recorded))
        found.probe = probe(registered, user, prepared)
    except Exception as error:  # a broken scenario is a failed scenario, not a crashed benchmark
        found.error = f"{type(error).__name__}: {error}"
    return found, user


def probe(registered: Scenario, user: User, prepared: dict[str, Any]) -> Probe:
    client = Client()
    client.force_login(user)
    found = Probe()
    try:
        registered.request(client, user, **prepared)  # warm-up
        for _ in range(PROBE_REQUESTS):
            reset_queries()
            timer = QueryTimer()
            with connection.execute_wrapper(timer), CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = registered.request(client, user, **prepared)
                found.request_ms.append((time.perf_counter() - began) * 1000)
            if response.status_code != registered.expected_status:
                raise LookupError(f"answered {response.status_code}, expected {registered.expected_status}")
            found.queries.append(len(captured))
            found.sql_ms.append(sum(timer.milliseconds))
            # The timer keeps each query's own SQL: the query log also lists BEGIN, COMMIT and
            # ROLLBACK, which no execute wrapper sees, so pairing the two by position drifts.
            for sql, milliseconds in timer.queries:
                if milliseconds > found.slowest_ms:
                    found.slowest_sql, found.slowest_ms = sql, round(milliseconds, 2)
    finally:
        client.logout()
    return found


class QueryTimer:
    """A connection.execute_wrapper that times each query it runs, with its SQL as sent (parameters
    bound), so that the slowest one can be EXPLAINed as it ran."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, float]] = []

    @property
    def milliseconds(self) -> list[float]:
        return [milliseconds for _, milliseconds in self.queries]

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            milliseconds = (time.perf_counter() - began) * 1000
            sent = context["connection"].ops.last_executed_query(context["cursor"], sql, params)
            self.queries.append((sent, milliseconds))


@dataclass(frozen=True)
class Login:
    session_key: str
    csrf_token: str

    @property
    def cookie(self) -> str:
        session, csrf = settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME
        return f"{session}={self.session_key}; {csrf}={self.csrf_token}"

    @property
    def csrf_header(self) -> str:
        return settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-")


def log_in(user: User) -> Login:
    """A session for `user` in the bench database, holding what django.contrib.auth.login stores."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    # The backend that loads users (django-axes' comes first and only guards sign-ins).
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    # The CSRF cookie holds the secret itself; a header with the same 32 characters passes the check.
    return Login(store.session_key, get_random_string(32))


def log_out(logins: list[Login]) -> None:
    engine = import_module(settings.SESSION_ENGINE)
    for login in logins:
        engine.SessionStore(login.session_key).delete()


def explain(sql: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a read, in a transaction rolled back; nothing for a write."""
    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
        return ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan
