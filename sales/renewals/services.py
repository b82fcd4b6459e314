"""Renewals: a won deal with a contract term gets its renewal deal ahead of the term's end."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from crm.models import NotificationKind
from crm.timeline.events import event_record
from crm.timeline.notifications import notification_send
from sales import events
from sales.models import (
    Deal,
    DealLine,
    DealStatus,
    DealType,
    SalesSettings,
    StageVisit,
)
from sales.services.deals import default_pipeline, first_open_stage

# Deals renewed per transaction: a failure costs one batch's retry, and locks stay short.
RENEWAL_BATCH_SIZE = 100


def renewals_create_due(*, today: date | None = None) -> int:
    """Creates every renewal that has come due; two beats or workers never create one twice
    (SKIP LOCKED claims, and one renewal per deal is a unique constraint)."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=SalesSettings.current().renewal_lead_days)
    created = 0
    while True:
        with transaction.atomic():
            due = list(
                Deal.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    status=DealStatus.WON,
                    contract_end__isnull=False,
                    contract_end__lte=horizon,
                    renewal__isnull=True,
                )
                .select_related("owner", "account")
                .order_by("contract_end", "id")[:RENEWAL_BATCH_SIZE]
            )
            for won in due:
                if renewal_create(won=won) is not None:
                    created += 1
        if len(due) < RENEWAL_BATCH_SIZE:
            return created


def renewal_create(*, won: Deal) -> Deal | None:
    """The renewal of `won`: same account (or none), contact, owner and products, for the next term."""
    if won.contract_end is None:
        return None
    term = (won.contract_end - won.contract_start) if won.contract_start else timedelta(days=364)
    pipeline = default_pipeline()
    stage = first_open_stage(pipeline)
    now = timezone.now()
    try:
        with transaction.atomic():
            renewal = Deal.objects.create(
                name=f"Renewal: {won.name}",
                account_id=won.account_id,
                primary_contact_id=won.primary_contact_id,
                pipeline=pipeline,
                stage=stage,
                amount=won.amount,
                currency=won.currency,
                close_date=max(won.contract_end, timezone.localdate()),
                owner_id=won.owner_id,
                type=DealType.RENEWAL,
                renewal_of=won,
                contract_start=won.contract_end + timedelta(days=1),
                contract_end=won.contract_end + timedelta(days=1) + term,
                stage_changed_at=now,
            )
    except IntegrityError:
        return None  # renewed meanwhile by another worker
    DealLine.objects.bulk_create(
        DealLine(
            deal=renewal,
            product_id=line.product_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            position=line.position,
        )
        for line in won.lines.all()
    )
    StageVisit.objects.create(deal=renewal, stage=stage, entered_at=now)
    data = {"renewal_id": renewal.pk, "renews_id": won.pk, "contract_end": won.contract_end.isoformat()}
    event_record(
        actor=None,
        target=renewal,
        type=events.DEAL_CREATED,
        data={"name": renewal.name, "type": renewal.type},
    )
    event_record(actor=None, target=won, type=events.RENEWAL_CREATED, data=data)
    notification_send(
        recipient=won.owner,
        kind=NotificationKind.RENEWAL_DUE,
        message=f"{_contract_of(won)} ends on {date_format(won.contract_end, 'j M Y')}: "
        "the renewal deal is ready.",
        url=renewal.get_absolute_url(),
    )
    return renewal


def _contract_of(won: Deal) -> str:
    """Whose contract a renewal notice names: the account's, else the deal's own."""
    return f"{won.account}'s contract" if won.account is not None else f"The contract of {won}"
