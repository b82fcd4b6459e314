"""Writing the planned deals the way the sales services would have: the deals with their history and stage
visits, lines, events and the reps' activities, converted leads, new customers and their onboarding."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Case, Value, When
from django.utils import timezone

from crm.demo.writing import Dated, DemoTimeline, change_dated, insert_dated
from crm.models import (
    Account,
    Activity,
    ActivityKind,
    Contact,
    EngagementEvent,
    LifecycleEvent,
    LifecycleStage,
    Role,
    Task,
    User,
)
from crm.timeline import events as kernel_events
from leads.models import Lead, LeadStatus
from leads.scoring.engine import chunk_of
from leads.scoring.services import leads_rescore_chunk

from .. import events
from ..models import (
    Deal,
    DealLine,
    DealStatus,
    DealType,
    Onboarding,
    OnboardingRole,
    OnboardingStep,
    OnboardingTemplate,
    StageKind,
    StageVisit,
)
from .plan import STAGE_WORK, DealBook, PlannedDeal


def write_book(book: DealBook) -> None:
    timeline = DemoTimeline(book.clock)
    _write_conversion_contacts(book)
    for planned in book.deals:
        if planned.deal.is_open:
            _plan_next_step(book, timeline, planned)
    # A renewal is written after the deal it renews (its row must exist to be pointed at).
    first = [d for d in book.deals if d.deal.renewal_of is None]
    insert_dated(Deal, [_dated(d) for d in first])
    later = [d for d in book.deals if d.deal.renewal_of is not None and d.deal.renewal_of.pk is not None]
    insert_dated(Deal, [_dated(d) for d in later])
    book.deals = [d for d in book.deals if d.deal.pk is not None]
    DealLine.objects.bulk_create([line for d in book.deals for line in d.lines])
    visits = []
    for planned in book.deals:
        deal, owner = planned.deal, planned.deal.owner
        for index, stage in enumerate(planned.path):
            left = planned.entered[index + 1] if index + 1 < len(planned.entered) else None
            visits.append(
                StageVisit(
                    deal=deal,
                    stage=stage,
                    entered_at=planned.entered[index],
                    left_at=left,
                    entered_by=owner,
                )
            )
        _plan_deal_history(book, timeline, planned)
    StageVisit.objects.bulk_create(visits)
    _write_conversions(book, timeline)
    _write_customers(book, timeline)
    onboardings = _plan_onboardings(book, timeline)
    timeline.save()
    OnboardingStep.objects.bulk_create(
        OnboardingStep(onboarding=onboarding, task=task, role=role, position=position)
        for onboarding, steps in onboardings
        for position, (task, role) in enumerate(steps)
    )


def _dated(planned: PlannedDeal) -> Dated[Deal]:
    """The deal with its history: created in its first stage, then as it is now."""
    initially: dict[str, object] = {}
    if len(planned.path) > 1:
        first = planned.path[0]
        initially = {
            "stage_id": first.pk,
            "status": DealStatus.OPEN,
            "closed_at": None,
            "lost_reason_id": None,
            "lost_note": "",
            "contract_start": None,
            "contract_end": None,
        }
    return Dated(planned.deal, planned.created_at, planned.deal.owner, planned.last_move, initially)


def _plan_next_step(book: DealBook, timeline: DemoTimeline, planned: PlannedDeal) -> None:
    """An open deal's next step, with its task for the owner: overdue, due today or coming up."""
    rng, clock, deal = book.rng, book.clock, planned.deal
    when = rng.choices(("overdue", "today", "upcoming"), weights=(1, 1, 5))[0]
    due_at = max(clock.due(rng, when), planned.last_move + timedelta(hours=1))
    deal.next_step_due = timezone.localdate(due_at)
    timeline.task(
        title=f"{deal.next_step}: {deal.account}",
        assignee=deal.owner,
        created_by=deal.owner,
        created_at=clock.between(rng, planned.last_move, min(due_at, clock.now)),
        due_at=due_at,
        target=deal,
    )


def _plan_deal_history(book: DealBook, timeline: DemoTimeline, planned: PlannedDeal) -> None:
    """The events the deal services write, and the work the reps logged in each stage."""
    rng, clock, deal, owner = book.rng, book.clock, planned.deal, planned.deal.owner
    first = planned.path[0]
    data = {"name": deal.name, "type": deal.type, "stage": first.name, "amount": str(deal.amount)}
    timeline.event(deal, events.DEAL_CREATED, at=planned.created_at, actor=owner, data=data)
    for index, stage in enumerate(planned.path):
        at = planned.entered[index]
        left = planned.entered[index + 1] if index + 1 < len(planned.entered) else clock.now
        if index:
            before = planned.path[index - 1]
            move = {"from": before.name, "to": stage.name, "from_id": before.pk, "to_id": stage.pk}
            timeline.event(deal, events.DEAL_STAGE_CHANGED, at=at, actor=owner, data=move)
        if stage.kind == StageKind.OPEN:
            kind, subject, body, _ = STAGE_WORK[index % len(STAGE_WORK)]
            if left < clock.now or rng.random() < 0.6:
                timeline.activity(
                    deal, kind, subject, author=owner, at=clock.between(rng, at, left), body=body
                )
            if rng.random() < 0.3:
                timeline.activity(
                    deal,
                    ActivityKind.EMAIL,
                    "Follow-up email",
                    author=owner,
                    at=clock.between(rng, at, left),
                    body="Sent the notes from our call.",
                )
    closed = deal.closed_at
    if closed is None:
        return
    if deal.status == DealStatus.WON:
        timeline.event(deal, events.DEAL_WON, at=closed, actor=owner, data={"amount": str(deal.amount)})
        timeline.activity(
            deal,
            ActivityKind.NOTE,
            "Order form signed",
            author=owner,
            at=closed,
            body="Countersigned and sent to finance.",
        )
        timeline.task(
            title=f"Send the order form to {deal.account}",
            assignee=owner,
            created_by=owner,
            created_at=closed - timedelta(days=5),
            due_at=closed - timedelta(days=1),
            completed_at=closed - timedelta(days=2),
            target=deal,
        )
    else:
        lost = {"reason": str(deal.lost_reason), "note": deal.lost_note}
        timeline.event(deal, events.DEAL_LOST, at=closed, actor=owner, data=lost)
        timeline.activity(deal, ActivityKind.NOTE, "Lost", author=owner, at=closed, body=deal.lost_note)


def _write_conversion_contacts(book: DealBook) -> None:
    """The contact each converted lead became (lead_convert's contact_create)."""
    rows = []
    for planned in book.deals:
        lead = planned.lead
        if lead is None:
            continue
        contact = Contact(
            first_name=lead.first_name if lead.last_name else "",
            last_name=lead.last_name or lead.first_name or lead.email.partition("@")[0],
            email=lead.email,
            phone=lead.phone,
            title=lead.title,
            account=planned.deal.account,
            owner=lead.owner,
        )
        planned.deal.primary_contact = contact
        rows.append(Dated(contact, planned.created_at, lead.owner))
    insert_dated(Contact, rows)


def _write_conversions(book: DealBook, timeline: DemoTimeline) -> None:
    """What lead_convert writes besides the contact and the deal: the lead converted, its history on the
    account's timeline, and its activities, tasks and engagement moved to the contact."""
    rows: list[Dated[Lead]] = []
    accounts: list[When] = []
    contacts: list[When] = []
    for planned in book.deals:
        lead, deal, contact = planned.lead, planned.deal, planned.deal.primary_contact
        if lead is None or contact is None:
            continue
        at = planned.created_at
        lead.status, lead.converted_at = LeadStatus.CONVERTED, at
        account = planned.account
        lead.converted_account, lead.converted_contact = account, contact
        rows.append(Dated(lead, at, lead.owner))
        accounts.append(When(object_id=lead.pk, then=Value(account.pk)))
        contacts.append(When(object_id=lead.pk, then=Value(contact.pk)))
        data = {"name": contact.full_name}
        timeline.event(contact, kernel_events.CONTACT_CREATED, at=at, actor=lead.owner, data=data)
        converted = {
            "account_id": account.pk,
            "account": account.name,
            "contact_id": contact.pk,
            "contact": contact.full_name,
            "deal_id": deal.pk,
            "deal": deal.name,
        }
        timeline.event(lead, events.LEAD_CONVERTED, at=at, actor=lead.owner, data=converted)
    if not rows:
        return
    change_dated(Lead, rows, ["status", "converted_at", "converted_account", "converted_contact"])
    # One statement per kind of row for all the leads (each lead to its own account and contact).
    on_leads = {
        "content_type": ContentType.objects.get_for_model(Lead),
        "object_id__in": [r.record.pk for r in rows],
    }
    account_of = Case(*accounts, output_field=BigIntegerField())
    to_contact = {
        "content_type": ContentType.objects.get_for_model(Contact),
        "object_id": Case(*contacts, output_field=BigIntegerField()),
    }
    LifecycleEvent.objects.filter(**on_leads).update(account_id=account_of)
    Activity.objects.filter(**on_leads).update(**to_contact, account_id=account_of)
    Task.objects.filter(**on_leads).update(**to_contact)
    EngagementEvent.objects.filter(**on_leads).update(**to_contact)
    # Their engagement is the contacts' now: what the hourly reconcile would score them.
    for chunk in sorted({chunk_of(row.record.pk) for row in rows}):
        leads_rescore_chunk(chunk=chunk, now=book.clock.now)


def _write_customers(book: DealBook, timeline: DemoTimeline) -> None:
    """A first win makes the account a customer (deal_move's _after_win); Wayne then churned."""
    became: dict[int, PlannedDeal] = {}
    for planned in sorted(book.deals, key=lambda d: d.deal.closed_at or book.clock.now):
        account = planned.account
        won = planned.deal.status == DealStatus.WON
        if won and account.pk not in became and account.lifecycle_stage == LifecycleStage.PROSPECT:
            became[account.pk] = planned
    rows = []
    for planned in became.values():
        account, deal = planned.account, planned.deal
        account.lifecycle_stage = LifecycleStage.CUSTOMER
        at = deal.closed_at or book.clock.now
        rows.append(Dated(account, at, deal.owner))
        data = {"from": LifecycleStage.PROSPECT, "to": LifecycleStage.CUSTOMER, "deal": deal.name}
        timeline.event(account, kernel_events.ACCOUNT_STAGE_CHANGED, at=at, actor=deal.owner, data=data)
    change_dated(Account, rows, ["lifecycle_stage"])
    churned = [d for d in book.deals if d.deal.type == DealType.RENEWAL and d.deal.status == DealStatus.LOST]
    rows = []
    for planned in churned:
        account = planned.account
        if account.lifecycle_stage != LifecycleStage.CUSTOMER:
            continue
        at = (planned.deal.closed_at or book.clock.now) + timedelta(days=3)
        manager = (
            book.people["manager"]
            if account.owner and account.owner.team and account.owner.team.name == "East"
            else book.people["west"]
        )
        account.lifecycle_stage = LifecycleStage.CHURNED
        rows.append(Dated(account, at, manager))
        data = {"from": LifecycleStage.CUSTOMER, "to": LifecycleStage.CHURNED}
        timeline.event(account, kernel_events.ACCOUNT_STAGE_CHANGED, at=at, actor=manager, data=data)
    change_dated(Account, rows, ["lifecycle_stage"])


def _plan_onboardings(
    book: DealBook, timeline: DemoTimeline
) -> list[tuple[Onboarding, list[tuple[Task, str]]]]:
    """Every win's checklist from its product line's template: done for older wins, under way for the
    recent ones, where the support agent's setup item of the latest one is overdue."""
    clock, rng = book.clock, book.rng
    templates = {
        t.product_line: t for t in OnboardingTemplate.objects.filter(is_active=True).prefetch_related("items")
    }
    agent = User.objects.filter(role=Role.SUPPORT_AGENT, is_active=True).order_by("id").first()
    wins = sorted(
        (d for d in book.deals if d.deal.status == DealStatus.WON),
        key=lambda d: d.deal.closed_at or clock.now,
    )

    def support_item_overdue(planned: PlannedDeal) -> bool:
        started = planned.deal.closed_at or clock.now
        template = templates.get(_main_line(planned)) or templates.get("")
        items = template.items.all() if template else []
        return any(
            i.role == OnboardingRole.SUPPORT_AGENT and started + timedelta(days=i.due_offset_days) < clock.now
            for i in items
        )

    # The latest win whose support item is already past due (which one depends on today's date).
    overdue_one = next((d for d in reversed(wins) if support_item_overdue(d)), None)
    result: list[tuple[Onboarding, list[tuple[Task, str]]]] = []
    onboardings = []
    for planned in wins:
        deal, started = planned.deal, planned.deal.closed_at or clock.now
        template = templates.get(_main_line(planned)) or templates.get("")
        if template is None:
            continue
        account = planned.account
        onboarding = Onboarding(
            account=account,
            deal=deal,
            template=template,
            name=f"{template.name}: {account}",
            started_at=started,
        )
        steps = []
        finished: list[datetime] = []
        for item in template.items.all():
            assignee = _assignee(item.role, deal, agent)
            due_at = started + timedelta(days=item.due_offset_days)
            keep_open = planned is overdue_one and item.role == OnboardingRole.SUPPORT_AGENT
            done = (
                None
                if keep_open or due_at > clock.now
                else clock.between(rng, started + timedelta(hours=3), due_at + timedelta(days=1))
            )
            task = timeline.task(
                title=item.title,
                assignee=assignee,
                created_by=None,
                created_at=started,
                due_at=due_at,
                target=account,
                completed_at=done,
                notes=f"Onboarding of {account} after winning {deal}.",
            )
            steps.append((task, item.role))
            finished.append(done) if done else None
        data = {"onboarding_id": onboarding, "template": template.name, "deal": deal.name}
        timeline.event(account, events.ONBOARDING_STARTED, at=started, actor=deal.owner, data=data)
        if len(finished) == len(steps):
            onboarding.completed_at = max(finished)
            done_data = {"onboarding_id": onboarding, "name": onboarding.name}
            timeline.event(account, events.ACCOUNT_ONBOARDED, at=onboarding.completed_at, data=done_data)
        onboardings.append(onboarding)
        result.append((onboarding, steps))
    Onboarding.objects.bulk_create(onboardings)
    return result


def _main_line(planned: PlannedDeal) -> str:
    """The product line with the largest share of the deal (onboarding's template_for)."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for line in planned.lines:
        if line.product.product_line:
            sums[line.product.product_line] += line.quantity * line.unit_price
    return max(sums, key=lambda name: sums[name]) if sums else ""


def _assignee(role: str, deal: Deal, agent: User | None) -> User:
    owner = deal.owner
    if role == OnboardingRole.ACCOUNT_OWNER and deal.account is not None and deal.account.owner is not None:
        return deal.account.owner
    if role == OnboardingRole.OWNER_MANAGER and owner.team is not None and owner.team.manager is not None:
        return owner.team.manager
    if role == OnboardingRole.SUPPORT_AGENT and agent is not None:
        return agent
    return owner
