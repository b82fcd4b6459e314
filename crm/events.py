"""Typed lifecycle events: every app registers the event types its services write.

The record's timeline and the lifecycle analytics read the same LifecycleEvent rows; the type key is
validated here so that a typo in a service fails loudly instead of writing an event nobody reads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    key: str
    label: str
    icon: str = "bi-record-circle"


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


def event_types() -> list[EventType]:
    return sorted(_registry.values(), key=lambda t: t.key)


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
    for key, label, icon in [
        (ACCOUNT_CREATED, "Account created", "bi-building-add"),
        (ACCOUNT_ASSIGNED, "Account assigned", "bi-person-check"),
        (ACCOUNT_STAGE_CHANGED, "Lifecycle stage changed", "bi-signpost-split"),
        (CONTACT_CREATED, "Contact created", "bi-person-plus"),
        (CONTACT_ASSIGNED, "Contact assigned", "bi-person-check"),
        (CONTACT_CONSENT_CHANGED, "Communication consent changed", "bi-envelope-check"),
        (TASK_CREATED, "Task added", "bi-check2-square"),
        (TASK_COMPLETED, "Task completed", "bi-check2-circle"),
        (TASK_REOPENED, "Task reopened", "bi-arrow-counterclockwise"),
        (TASK_REMINDED, "Task reminder sent", "bi-bell"),
    ]:
        register_event_type(EventType(key, label, icon))
