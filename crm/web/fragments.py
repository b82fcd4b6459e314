"""Rendered page fragments that change rarely (a list's filter sidebar, its bulk bar), kept in the
shared cache so that every process renders each one once per version.

A fragment's key names the page part and what its HTML depends on (role, teams, query string); the
version in every key is bumped whenever the people or the configuration its choices list change, so
a rename shows on the next request. The cache is CACHES["default"]: Redis in server mode, the
database table in the embedded default, so a bump in one process reaches all of them.

Never cache a fragment that holds a CSRF token or anything else of one session.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe

from crm.models import User

VERSION_KEY = "fragments:version"
# Long enough to outlive a working day; a bump makes the old entries unreachable before that.
TIMEOUT_SECONDS = 24 * 60 * 60
# Keyset cursors page the rows, never the sidebar: leaving them out keeps one entry per filter.
PAGING_PARAMETERS = frozenset({"after", "before"})


def fragments_changed() -> None:
    """Makes every cached fragment stale: call after a write the signals do not see (bulk_update...).

    Bumped now, for the rest of this request, and again on commit: another process that rendered
    between the two saw the old rows, and must not keep them under the new version."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (a fresh cache, or evicted): any new value invalidates
        cache.set(VERSION_KEY, _fresh_version(), timeout=None)


def _fresh_version() -> int:
    return time.time_ns()


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = _fresh_version()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return int(version)


def query_key(query: QueryDict) -> str:
    """The filter part of a query string, in a stable order (the order of the parameters is not
    meaningful, and the key must not grow with what a user types)."""
    items = sorted(
        (name, value) for name, values in query.lists() if name not in PAGING_PARAMETERS for value in values
    )
    return hashlib.sha256(repr(items).encode()).hexdigest()[:32]


def audience(user: User) -> list[object]:
    """What a fragment's choices may depend on of its viewer: the role and the team. (Renaming a team or
    changing its manager saves the team, which bumps the version.)"""
    return [user.role, user.team_id or "-"]


def cached_fragment(name: str, parts: Iterable[Any], render: Callable[[], str]) -> SafeString:
    """The HTML of fragment `name` for `parts`, rendered by `render()` on a miss."""
    key = ":".join(["fragment", name, str(_version()), *map(str, parts)])
    html: str | None = cache.get(key)
    if html is None:
        html = str(render())
        if "csrfmiddlewaretoken" in html:
            raise ValueError(f"fragment {name!r} holds a CSRF token and must not be cached")
        cache.set(key, html, timeout=TIMEOUT_SECONDS)
    return mark_safe(html)  # noqa: S308 - our own rendered template output


# Fields written without changing any choice a fragment lists (a sign-in writes last_login).
IGNORED_FIELDS = frozenset({"last_login", "time_zone"})


def _changed(sender: type, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= IGNORED_FIELDS:
        return
    fragments_changed()


def invalidate_fragments_on_change(*models: type[Model]) -> None:
    """Bumps the fragments' version whenever a row of `models` is saved or deleted."""
    for model in models:
        uid = f"crm.web.fragments:{model._meta.label}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}:save", weak=False)
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}:delete", weak=False)
