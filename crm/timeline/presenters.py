"""Timeline entries as the record pages print them (see crm.web.presenters): each entry's icon, labels,
author and time formatted once in Python, so timeline/_entries.html needs no include or filter per
activity or event. A task keeps timeline/_task.html, which carries its "Mark done" form and is also the
htmx answer of that form."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Model
from django.template.defaultfilters import linebreaksbr

from crm.customers.account360 import AccountEntry
from crm.models import Activity, ActivityKind, LifecycleEvent, Task
from crm.templatetags.crm_ui import activity_icon, event_summary
from crm.timeline.events import event_type
from crm.timeline.selectors import TimelineEntry
from crm.web.presenters import Moment, clock_moment

ACTIVITY_LABELS: dict[str, str] = dict(ActivityKind.choices)


@dataclass(frozen=True, slots=True)
class EntryOn:
    """What an account 360 entry is on (a contact, a deal, a lead); no name or URL once it is deleted."""

    noun: str
    name: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class EntryLine:
    """One activity or lifecycle event of a timeline, or a task (printed by its own template)."""

    kind: str  # "activity", "event" or "task"
    task: Task | None = None
    icon: str = ""
    label: str = ""  # the activity's kind, the event's type
    subject: str = ""
    summary: str = ""  # the event's data, e.g. "New → Working"
    body: str = ""  # the activity's text, its line breaks as <br> (escaped, safe to print)
    by: str = ""
    at: Moment | None = None
    on: EntryOn | None = None


def _line(item: Activity | LifecycleEvent | Task, on: EntryOn | None) -> EntryLine:
    if isinstance(item, Task):
        return EntryLine("task", task=item)
    if isinstance(item, Activity):
        return EntryLine(
            "activity",
            icon=activity_icon(item.kind),
            label=ACTIVITY_LABELS.get(item.kind, item.kind),
            subject=item.subject,
            body=linebreaksbr(item.body, autoescape=True) if item.body else "",
            by=str(item.author) if item.author else "Someone",
            at=clock_moment(item.occurred_at),
            on=on,
        )
    kind = event_type(item.type)
    return EntryLine(
        "event",
        icon=kind.icon,
        label=kind.label,
        summary=event_summary(item),
        by=str(item.actor) if item.actor else "System",
        at=clock_moment(item.occurred_at),
        on=on,
    )


def timeline_lines(entries: Iterable[TimelineEntry]) -> list[EntryLine]:
    """A record's own timeline: every entry is on the record, so none says what it is on."""
    return [_line(entry.item, None) for entry in entries]


def account_timeline_lines(entries: Iterable[AccountEntry]) -> list[EntryLine]:
    """A page of the account 360 timeline, each entry naming the contact, deal or lead it is on."""
    urls: dict[tuple[type[Model], object], str] = {}  # a deal with ten entries is reversed once
    lines = []
    for entry in entries:
        on = None
        if entry.on is not None:
            key = (type(entry.on), entry.on.pk)
            if key not in urls:
                urls[key] = entry.on.get_absolute_url()  # type: ignore[attr-defined]  # every record type has one
            on = EntryOn(entry.on_noun, str(entry.on), urls[key])
        elif not entry.on_account:
            on = EntryOn(entry.on_noun)
        lines.append(_line(entry.item, on))
    return lines
