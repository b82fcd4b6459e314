"""Typed lifecycle events: every app registers the event types its services write, and its services write
them with event_record.

The record's timeline and the lifecycle analytics read the same LifecycleEvent rows; the type key is
validated here so that a typo in a service fails loudly instead of writing an event nobody reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from crm.models import LifecycleEvent, User
from crm.timeline.rollup import rollup_account_id

# How a value in an event's data reads on the page (see crm_ui's event_summary): as written, a moment
# in the reader's time zone, a calendar date, a grouped amount, or Yes/No.
ValueKind = Literal["text", "datetime", "date", "amount", "yes_no"]


@dataclass(frozen=True)
class EventField:
    """How one key of an event's data reads: its label, and the labels of its stored values (a choice
    such as "web_form" reads "Web form") or the kind of value it holds."""

    label: str
    choices: Sequence[tuple[str, str]] = field(default=(), hash=False)
    kind: ValueKind = "text"


@dataclass(frozen=True)
class EventType:
    key: str
    label: str
    icon: str = "bi-record-circle"
    # The labels of the stored values of a "from" → "to" change in the data (e.g. a status's choices).
    change_choices: Sequence[tuple[str, str]] = field(default=(), hash=False)
    # How the other keys of the data read; a key not named here reads as its name, "_id" keys not at all.
    fields: Mapping[str, EventField] = field(default_factory=dict, hash=False)


_registry: dict[str, EventType] = {}


def register_event_type(event_type: EventType) -> None:
    existing = _registry.get(event_type.key)
    if existing is not None and existing != event_type:
        raise ValueError(f"Event type {event_type.key!r} is already registered differently.")
    _registry[event_type.key] = event_type


def event_type(key: str) -> EventType:
    try:
        return _registry[key]
    except KeyError:
        raise LookupError(
            f"Unknown lifecycle event type {key!r}; register it in AppConfig.ready()."
        ) from None


def find_event_type(key: str) -> EventType | None:
    """The registered type, or None for a type nobody registered (an engagement's open string)."""
    return _registry.get(key)


def event_record(
    *, actor: User | None, target: Model, type: str, data: dict[str, Any] | None = None
) -> LifecycleEvent:
    """Writes a typed lifecycle event; call it inside the service's transaction."""
    event_type(type)  # unknown types fail here, not in a report months later
    return LifecycleEvent.objects.create(
        type=type,
        actor=actor,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        data=data or {},
        account_id=rollup_account_id(target),
    )


ACCOUNT_CREATED = "account.created"
ACCOUNT_ASSIGNED = "account.assigned"
ACCOUNT_STAGE_CHANGED = "account.stage_changed"
CONTACT_CREATED = "contact.created"
CONTACT_ASSIGNED = "contact.assigned"
CONTACT_CONSENT_CHANGED = "contact.consent_changed"
TASK_CREATED = "task.created"
TASK_COMPLETED = "task.completed"
TASK_REOPENED = "task.reopened"
TASK_REMINDED = "task.reminded"


def register_kernel_event_types() -> None:
    from crm.models import ConsentStatus, LifecycleStage

    consent = ConsentStatus.choices
    for event in [
        EventType(
            ACCOUNT_CREATED,
            "Account created",
            "bi-building-add",
            fields={"file": EventField("Imported from")},
        ),
        EventType(ACCOUNT_ASSIGNED, "Account assigned", "bi-person-check"),
        EventType(
            ACCOUNT_STAGE_CHANGED,
            "Lifecycle stage changed",
            "bi-signpost-split",
            change_choices=LifecycleStage.choices,
        ),
        EventType(
            CONTACT_CREATED, "Contact created", "bi-person-plus", fields={"file": EventField("Imported from")}
        ),
        EventType(CONTACT_ASSIGNED, "Contact assigned", "bi-person-check"),
        EventType(
            CONTACT_CONSENT_CHANGED,
            "Communication consent changed",
            "bi-envelope-check",
            fields={
                "email_consent": EventField("Email consent", consent),
                "phone_consent": EventField("Phone consent", consent),
            },
        ),
        EventType(TASK_CREATED, "Task added", "bi-check2-square"),
        EventType(TASK_COMPLETED, "Task completed", "bi-check2-circle"),
        EventType(TASK_REOPENED, "Task reopened", "bi-arrow-counterclockwise"),
        EventType(TASK_REMINDED, "Task reminder sent", "bi-bell"),
    ]:
        register_event_type(event)
