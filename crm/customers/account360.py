"""Reads of the customer 360 pages: an account's whole history, and a contact's engagement.

An account's timeline merges the activities and lifecycle events of the account, of its contacts, of its
deals and of the leads converted into it (every such row carries the account, see crm.timeline.rollup)
with the tasks on the account itself (completable in place, as on every record's timeline). One UNION
ALL of three index scans finds a page in the order ORDER BY at DESC, kind DESC, id DESC: activities and
events on their partial (account, -occurred_at, -id) indexes, tasks on (content_type, object_id,
-created_at). Whoever may view the account sees all of it: a company's trail is readable by everyone who
serves the customer, and the links to records they may not open answer 404 there.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, F, Model, Q, QuerySet, Value
from django.utils.dateparse import parse_datetime

from crm.lists.pagination import InvalidCursor
from crm.models import Account, Activity, Contact, EngagementEvent, LifecycleEvent, Task
from crm.timeline import events
from crm.timeline.events import EventType, event_type

TIMELINE_PAGE_SIZE = 25
ENGAGEMENT_LIMIT = 20
# The row kinds; at the same instant, "task" sorts before "event" before "activity" (kind DESC).
Kind = Literal["activity", "event", "task"]
KINDS: tuple[Kind, ...] = ("activity", "event", "task")
MAX_CURSOR_LENGTH = 200
Item = Activity | LifecycleEvent | Task
# What an entry prints of an activity or event and of the person behind it (crm.timeline.presenters):
# the rest, their people's passwords and settings among it, stays in the database.
_PERSON = ("first_name", "last_name", "username")
_ON = ("content_type", "object_id")
ACTIVITY_FIELDS = ("kind", "subject", "body", "occurred_at", *_ON, *(f"author__{f}" for f in _PERSON))
EVENT_FIELDS = ("type", "data", "occurred_at", *_ON, *(f"actor__{f}" for f in _PERSON))


@dataclass(frozen=True)
class TimelineCursor:
    """Where a page ends: the sort key (at, kind, id) of its last row."""

    at: datetime
    kind: Kind
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.at.isoformat(), self.kind, self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, text: str | None) -> TimelineCursor | None:
        """The cursor, or None for anything not made by `encode` (the page then starts at the top)."""
        if not text or len(text) > MAX_CURSOR_LENGTH:
            return None
        try:
            at_text, kind, pk = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            at = parse_datetime(at_text) if isinstance(at_text, str) else None
        except (binascii.Error, ValueError, TypeError):
            return None
        if at is None or at.tzinfo is None or kind not in KINDS:
            return None
        try:
            at = at.astimezone(UTC)  # PostgreSQL refuses offsets beyond ±15:59, which Python accepts
        except OverflowError:
            return None
        if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < 2**63:
            return None
        return cls(at=at, kind=kind, id=pk)


@dataclass(frozen=True)
class AccountEntry:
    kind: Kind
    item: Item
    # The record the row is on; None when it is on the account itself or that record is gone.
    on: Model | None
    on_noun: str
    on_account: bool

    @property
    def at(self) -> datetime:
        return self.item.created_at if isinstance(self.item, Task) else self.item.occurred_at

    @property
    def event_type(self) -> EventType | None:
        return event_type(self.item.type) if isinstance(self.item, LifecycleEvent) else None


@dataclass(frozen=True)
class AccountTimeline:
    entries: list[AccountEntry]
    # The cursor of the next (older) page, None on the last page.
    older: str | None
    is_first_page: bool

    @property
    def tasks(self) -> list[Task]:
        return [entry.item for entry in self.entries if isinstance(entry.item, Task)]


def _after(cursor: TimelineCursor, kind: Kind, at: str) -> Q:
    """Rows of `kind` (timed by the field `at`) beyond the cursor in (at, kind, id) descending order."""
    bound = Q(**{f"{at}__lte": cursor.at})  # lets the index scan start at the cursor
    if kind == cursor.kind:
        return bound & (Q(**{f"{at}__lt": cursor.at}) | Q(**{at: cursor.at, "id__lt": cursor.id}))
    if kind < cursor.kind:
        return bound
    return Q(**{f"{at}__lt": cursor.at})


def _branch(kind: Kind, account: Account, cursor: TimelineCursor | None, size: int) -> QuerySet[Any]:
    rows: QuerySet[Any]
    on_account = {"content_type": ContentType.objects.get_for_model(Account), "object_id": account.pk}
    if kind == "task":
        at = "created_at"
        rows = Task.objects.filter(**on_account)
    elif kind == "event":
        at = "occurred_at"
        # A task on the account is a row of its own (tickable in place): its "Task added" event would
        # show it twice. Tasks on the account's contacts and deals are shown by that event alone.
        rows = LifecycleEvent.objects.filter(account_id=account.pk).exclude(
            type=events.TASK_CREATED, **on_account
        )
    else:
        at = "occurred_at"
        rows = Activity.objects.filter(account_id=account.pk)
    if cursor is not None:
        rows = rows.filter(_after(cursor, kind, at))
    return (
        rows.annotate(entry_at=F(at), entry_kind=Value(kind, output_field=CharField()))
        .values("id", "entry_at", "entry_kind")
        .order_by(f"-{at}", "-id")[:size]
    )


def account_timeline_keys(
    *, account: Account, cursor: TimelineCursor | None, size: int, kinds: tuple[Kind, ...] = KINDS
) -> QuerySet[Any]:
    """The page's (id, entry_at, entry_kind) rows: one query, each branch reading its index."""
    first, *others = (_branch(kind, account, cursor, size) for kind in kinds)
    merged = first.union(*others, all=True).order_by("-entry_at", "-entry_kind", "-id")
    return merged[:size]


def account_timeline(
    *,
    account: Account,
    older: str | None = None,
    size: int = TIMELINE_PAGE_SIZE,
    kinds: tuple[Kind, ...] = KINDS,
    strict: bool = False,
) -> AccountTimeline:
    """A page of the account's 360 timeline, newest first (the caller checked that the user sees it).

    `kinds` keeps only those rows (the API leaves the tasks out: they have their own list), the other
    rows staying as the page has them. A strict page (the API's) raises InvalidCursor for an `older`
    cursor not made by `TimelineCursor.encode`, and is empty past the last row instead of starting again.

    Queries: the merged keys, then the page's activities, events and tasks (one query each, when the
    page has any), and one per type of record they are on.
    """
    cursor = TimelineCursor.decode(older)
    if strict and older and cursor is None:
        raise InvalidCursor(older)
    keys = list(account_timeline_keys(account=account, cursor=cursor, size=size + 1, kinds=kinds))
    if cursor is not None and not keys and not strict:
        # Nothing older any more (rows were deleted or moved away): start again from the top.
        return account_timeline(account=account, size=size, kinds=kinds)
    has_older = len(keys) > size
    keys = keys[:size]
    ids: dict[str, list[int]] = defaultdict(list)
    for key in keys:
        ids[key["entry_kind"]].append(key["id"])
    items = _load(ids, account)
    rows: list[tuple[Kind, Item]] = [
        (key["entry_kind"], items[key["entry_kind"]][key["id"]])
        for key in keys
        if key["id"] in items[key["entry_kind"]]
    ]
    targets = _targets([item for _, item in rows], account)
    entries = []
    for kind, item in rows:
        content_type = item.content_type
        model = content_type.model_class() if content_type else None
        on_account = model is Account and item.object_id == account.pk
        entries.append(
            AccountEntry(
                kind=kind,
                item=item,
                on=None if on_account else targets.get((item.content_type_id, item.object_id)),
                on_noun=str(model._meta.verbose_name) if model is not None else "record",
                on_account=on_account,
            )
        )
    last = keys[-1] if keys else None
    return AccountTimeline(
        entries=entries,
        older=TimelineCursor(last["entry_at"], last["entry_kind"], last["id"]).encode()
        if has_older and last
        else None,
        is_first_page=cursor is None,
    )


def _load(ids: dict[str, list[int]], account: Account) -> dict[str, dict[int, Any]]:
    """The page's rows by kind and id, with the people they name and their content type."""
    items: dict[str, dict[int, Any]] = {kind: {} for kind in KINDS}
    if ids["activity"]:
        activities = Activity.objects.select_related("author", "content_type").only(*ACTIVITY_FIELDS)
        items["activity"] = activities.in_bulk(ids["activity"])
    if ids["event"]:
        events = LifecycleEvent.objects.select_related("actor", "content_type").only(*EVENT_FIELDS)
        items["event"] = events.in_bulk(ids["event"])
    if ids["task"]:
        items["task"] = Task.objects.select_related("assignee", "content_type").in_bulk(ids["task"])
        for task in items["task"].values():
            task.target = account  # known already: spares a query per task wherever its target is read
    return items


def _targets(items: list[Item], account: Account) -> dict[tuple[int | None, int | None], Model]:
    """The records the rows are on: one query per record type, however many rows."""
    wanted: dict[ContentType, set[int]] = defaultdict(set)
    for item in items:
        if item.content_type is not None and item.object_id is not None:
            wanted[item.content_type].add(item.object_id)
    found: dict[tuple[int | None, int | None], Model] = {}
    for content_type, object_ids in wanted.items():
        model = content_type.model_class()
        if model is None:
            continue
        if model is Account:
            object_ids = object_ids - {account.pk}
            found[(content_type.pk, account.pk)] = account
        if object_ids:
            for pk, record in model._default_manager.in_bulk(object_ids).items():
                found[(content_type.pk, pk)] = record
    return found


@dataclass(frozen=True)
class EngagementLine:
    event: EngagementEvent

    @property
    def label(self) -> str:
        """ "email_opened" reads "Email opened" (the types are open strings that campaigns add)."""
        return self.event.type.replace(".", " ").replace("_", " ").strip().capitalize()


def contact_engagement(*, contact: Contact, limit: int = ENGAGEMENT_LIMIT) -> list[EngagementLine]:
    """What the person did with us (opened, clicked, submitted, visited), newest first."""
    on_contact = {"content_type": ContentType.objects.get_for_model(Contact), "object_id": contact.pk}
    events = EngagementEvent.objects.filter(**on_contact).order_by("-occurred_at", "-id")[:limit]
    return [EngagementLine(event) for event in events]
