"""Every write to accounts and contacts."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from crm import access
from crm.models import Account, Contact, NotificationKind, User
from crm.records import (
    apply_changes,
    check_owner_assignable,
    delete_with_audit,
    lock_for_change,
    save_with_audit,
)
from crm.timeline import events
from crm.timeline.events import event_record
from crm.timeline.notifications import notification_send
from crm.timeline.rollup import rollup_reassign


def _notify_new_owner(*, actor: User, record: Account | Contact) -> None:
    owner = record.owner
    if owner is not None and owner != actor:
        notification_send(
            recipient=owner,
            kind=NotificationKind.ASSIGNED,
            message=f"{actor} assigned {record._meta.verbose_name} {record} to you.",
            url=record.get_absolute_url(),
        )


def _record_reassignment(
    *, actor: User, record: Account | Contact, type: str, change: tuple[Any, Any]
) -> None:
    old, new = change
    data = {"from": str(old) if old else None, "to": str(new) if new else None}
    event_record(actor=actor, target=record, type=type, data=data)
    _notify_new_owner(actor=actor, record=record)


@transaction.atomic
def account_create(*, actor: User, fields: dict[str, Any]) -> Account:
    access.ensure_can_create(actor, Account)
    fields = {"owner": actor, **fields}
    check_owner_assignable(actor=actor, owner=fields["owner"])
    account = save_with_audit(Account(**fields), actor=actor)
    event_record(actor=actor, target=account, type=events.ACCOUNT_CREATED, data={"name": account.name})
    _notify_new_owner(actor=actor, record=account)
    return account


@transaction.atomic
def account_update(*, actor: User, account_id: int, fields: dict[str, Any]) -> Account:
    account = lock_for_change(actor=actor, model=Account, pk=account_id)
    if "owner" in fields and fields["owner"] != account.owner:
        check_owner_assignable(actor=actor, owner=fields["owner"])
    changes = apply_changes(account, fields)
    if not changes:
        return account
    save_with_audit(account, actor=actor)
    if "owner" in changes:
        _record_reassignment(
            actor=actor, record=account, type=events.ACCOUNT_ASSIGNED, change=changes["owner"]
        )
    if "lifecycle_stage" in changes:
        old, new = changes["lifecycle_stage"]
        event_record(
            actor=actor, target=account, type=events.ACCOUNT_STAGE_CHANGED, data={"from": old, "to": new}
        )
    return account


@transaction.atomic
def account_delete(*, actor: User, account_id: int) -> None:
    account = lock_for_change(actor=actor, model=Account, pk=account_id)
    delete_with_audit(account, actor=actor)


@transaction.atomic
def contact_create(*, actor: User, fields: dict[str, Any]) -> Contact:
    access.ensure_can_create(actor, Contact)
    fields = {"owner": actor, **fields}
    check_owner_assignable(actor=actor, owner=fields["owner"])
    _check_account_visible(actor=actor, account=fields.get("account"))
    contact = Contact(**fields)
    if contact.email_consent != "unknown" or contact.phone_consent != "unknown":
        contact.consent_changed_at = timezone.now()
    save_with_audit(contact, actor=actor)
    event_record(actor=actor, target=contact, type=events.CONTACT_CREATED, data={"name": contact.full_name})
    _notify_new_owner(actor=actor, record=contact)
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact_id: int, fields: dict[str, Any]) -> Contact:
    contact = lock_for_change(actor=actor, model=Contact, pk=contact_id)
    if "owner" in fields and fields["owner"] != contact.owner:
        check_owner_assignable(actor=actor, owner=fields["owner"])
    if "account" in fields and fields["account"] != contact.account:
        _check_account_visible(actor=actor, account=fields["account"])
    changes = apply_changes(contact, fields)
    if not changes:
        return contact
    consent = {name: change for name, change in changes.items() if name in ("email_consent", "phone_consent")}
    if consent:
        contact.consent_changed_at = timezone.now()
    save_with_audit(contact, actor=actor)
    if "account" in changes:
        rollup_reassign(target=contact, account_id=contact.account_id)
    if "owner" in changes:
        _record_reassignment(
            actor=actor, record=contact, type=events.CONTACT_ASSIGNED, change=changes["owner"]
        )
    if consent:
        event_record(
            actor=actor,
            target=contact,
            type=events.CONTACT_CONSENT_CHANGED,
            data={name: {"from": old, "to": new} for name, (old, new) in consent.items()},
        )
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact_id: int) -> None:
    contact = lock_for_change(actor=actor, model=Contact, pk=contact_id)
    delete_with_audit(contact, actor=actor)


def _check_account_visible(*, actor: User, account: Account | None) -> None:
    if account is not None:
        access.ensure_can_view(actor, account)
