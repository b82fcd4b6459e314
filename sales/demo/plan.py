"""The demo's deals as planned before anything is written: who sells what to whom, and when each deal
entered each stage, won, lost or is still open (see sales.demo.seeding)."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from crm.demo.writing import DemoClock
from crm.models import Account, ActivityKind, Contact, LifecycleEvent, User
from leads.events import LEAD_QUALIFIED
from leads.models import Lead, LeadStatus

from ..models import (
    Deal,
    DealLine,
    DealStatus,
    DealType,
    ForecastCategory,
    LostReason,
    Product,
    Stage,
    StageKind,
    line_total,
)

# Deals won and lost in each month, from this month back to eleven months ago.
WON_PER_MONTH = (3, 3, 2, 3, 2, 3, 2, 3, 2, 2, 3, 2)
LOST_PER_MONTH = (2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 1, 2)
# Open deals per stage (the pipeline's order) and the months ahead (0: this one) they expect to close in.
OPEN_DEALS = ((11, (2, 6)), (10, (1, 4)), (10, (0, 3)), (9, (0, 2)), (8, (0, 1)))
# Days a deal stays in each open stage, at least and at most.
STAGE_DAYS = ((3, 12), (4, 15), (5, 14), (6, 21), (4, 18))
CONVERTED_LEADS = 10
# name, (sku, most units) ...: what a deal sells; the first line is its main product.
PACKAGES = [
    ("Platform Starter", (("PLT-START", 3), ("SRV-TRAIN", 2))),
    ("Platform Pro", (("PLT-PRO", 2), ("SRV-IMPL", 1))),
    ("Enterprise rollout", (("PLT-ENT", 1), ("SRV-IMPL", 1), ("SRV-TRAIN", 3))),
    ("Analytics add-on", (("ADD-ANALYTICS", 3),)),
    ("Implementation", (("SRV-IMPL", 1), ("SRV-TRAIN", 2))),
    ("Premium support", (("SUP-PREMIUM", 1),)),
]
# How often each package is sold: enterprise rollouts are rare.
PACKAGE_WEIGHTS = (3, 3, 1, 2, 2, 2)
# per open stage: activity kind, subject, body; the next step while a deal sits there
STAGE_WORK = [
    (ActivityKind.CALL, "Qualification call", "Budget, timing and who decides.", "Book the discovery call"),
    (ActivityKind.MEETING, "Discovery workshop", "Mapped their sales process.", "Book the product demo"),
    (ActivityKind.MEETING, "Product demo", "Showed the board, forecast and onboarding.", "Send the proposal"),
    (
        ActivityKind.EMAIL,
        "Sent the proposal",
        "Proposal and order form attached.",
        "Walk the buyer through it",
    ),
    (ActivityKind.CALL, "Pricing call", "Discussed the discount and the term.", "Get the order form signed"),
]
LOST_NOTES = {
    "Price": "Went with a cheaper tool.",
    "Chose a competitor": "Picked a competitor with a local partner.",
    "No budget": "Budget frozen until next year.",
    "No decision": "Project stalled; the sponsor left.",
    "Timing": "Not before their ERP migration.",
    "Missing feature": "Needed offline mobile access.",
}
STORY_ACCOUNTS = ("northwind.example", "wayne-analytics.example")
SELLER_TURNS = ("rep", "alex", "sam", "nina", "manager", "rep", "alex", "sam", "nina", "west")


@dataclass
class PlannedDeal:
    """One deal of the book: the stages it went through and when, before it is written."""

    deal: Deal
    path: list[Stage]
    entered: list[datetime]
    lines: list[DealLine] = field(default_factory=list)
    lead: Lead | None = None

    @property
    def account(self) -> Account:
        """The deal's account: every deal of the demo book is planned with one."""
        account = self.deal.account
        if account is None:
            raise ValueError(f"The demo deal {self.deal} has no account.")
        return account

    @property
    def created_at(self) -> datetime:
        return self.entered[0]

    @property
    def last_move(self) -> datetime:
        return self.entered[-1]


@dataclass
class DealBook:
    clock: DemoClock
    rng: random.Random
    people: dict[str, User]
    stages: list[Stage]  # the open ones, in order
    won: Stage
    lost: Stage
    products: dict[str, Product]
    reasons: list[LostReason]
    currency: str
    contacts: dict[int, list[Contact]]
    deals: list[PlannedDeal] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    packages: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)


def plan_book(book: DealBook, accounts: list[Account]) -> None:
    rng, clock = book.rng, book.clock
    mine: dict[str, list[Account]] = defaultdict(list)
    for account in accounts:
        if account.domain not in STORY_ACCOUNTS and account.owner is not None:
            mine[account.owner.username].append(account)
    # Deals go round the sellers (the reps twice as often), so each has a pipeline and a history.
    turns = [name for name in SELLER_TURNS if mine[name]]
    turn = iter(range(10**6))

    def next_account(seller: str | None = None) -> Account:
        return rng.choice(mine[seller or turns[next(turn) % len(turns)]])

    for months_ago, count in enumerate(WON_PER_MONTH):
        for _ in range(count):
            _plan_closed(
                book, next_account(), _closed_in(rng, clock, months_ago), book.won, len(book.stages) - 1
            )
    for months_ago, count in enumerate(LOST_PER_MONTH):
        for _ in range(count):
            weights = (15, 25, 25, 20, 15)[: len(book.stages)]
            reached = rng.choices(range(len(book.stages)), weights=weights)[0]
            _plan_closed(book, next_account(), _closed_in(rng, clock, months_ago), book.lost, reached)
    for index, (count, (first, last)) in enumerate(OPEN_DEALS[: len(book.stages)]):
        for number in range(count):
            # The rep's first deals in the late stages close this month: the quarter has a pipeline.
            this_month = index >= 3 and number < 2
            account = next_account("rep" if this_month and mine["rep"] else None)
            _plan_open(
                book, account, index, _day_in(rng, clock, 0 if this_month else rng.randint(first, last))
            )
    _plan_conversions(book, accounts)
    _plan_stories(book, {account.domain: account for account in accounts})
    book.deals.sort(key=lambda d: (d.created_at, d.deal.name))
    _settle_types(book)


def _closed_in(rng: random.Random, clock: DemoClock, months_ago: int) -> datetime:
    """A working moment in the month `months_ago` months back; this month, no later than now."""
    first = month_start(clock.today, -months_ago)
    last = clock.today if months_ago == 0 else month_start(clock.today, 1 - months_ago) - timedelta(days=1)
    return clock.work_time(rng, first + timedelta(days=rng.randint(0, (last - first).days)))


def _day_in(rng: random.Random, clock: DemoClock, months_ahead: int) -> date:
    """An expected close date in the month `months_ahead` months on; this month, from today on."""
    first = max(month_start(clock.today, months_ahead), clock.today)
    last = month_start(clock.today, months_ahead + 1) - timedelta(days=1)
    return first + timedelta(days=rng.randint(0, (last - first).days))


def month_start(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _new_deal(
    book: DealBook,
    account: Account,
    *,
    owner: User | None = None,
    label: str = "",
    package: int | None = None,
) -> Deal:
    rng = book.rng
    chosen = package if package is not None else rng.choices(range(len(PACKAGES)), weights=PACKAGE_WEIGHTS)[0]
    package_name, lines = PACKAGES[chosen]
    label = label or package_name
    name, number = f"{account.name}: {label}", 2
    while name in book.names:
        name, number = f"{account.name}: {label} (phase {number})", number + 1
    book.names.add(name)
    contacts = book.contacts.get(account.pk, [])
    deal = Deal(
        name=name,
        account=account,
        primary_contact=rng.choice(contacts) if contacts else None,
        pipeline=book.stages[0].pipeline,
        owner=owner or account.owner,
        currency=book.currency,
    )
    book.packages[name] = lines
    return deal


def _lines(book: DealBook, deal: Deal) -> list[DealLine]:
    rng = book.rng
    lines: list[DealLine] = []
    for position, (sku, most) in enumerate(book.packages[deal.name]):
        product = book.products[sku]
        if position and rng.random() < 0.4:
            continue  # the extras are optional
        line = DealLine(
            deal=deal,
            product=product,
            quantity=Decimal(rng.randint(1, most)),
            unit_price=product.unit_price,
            discount=Decimal(rng.choice((0, 0, 5, 10))),
            position=len(lines),
        )
        lines.append(line)
    return lines


def _entries(book: DealBook, stages: int, last: date, closed: datetime | None = None) -> list[datetime]:
    """When a deal entered each of its first `stages` open stages (and, closed, its end stage at
    `closed`): a few days apart, as each stage takes, in working hours."""
    rng, clock = book.rng, book.clock
    days = [rng.randint(*STAGE_DAYS[i % len(STAGE_DAYS)]) for i in range(stages)]
    day = last
    entered = [] if closed is None else [closed]
    for stay in reversed(days if closed is not None else days[:-1]):
        day -= timedelta(days=stay)
        entered.insert(0, clock.work_time(rng, day))
    if closed is None:  # the stage it is in now, entered some days ago (today at the earliest)
        entered.append(clock.work_time(rng, last))
    return entered


def _plan_closed(
    book: DealBook,
    account: Account,
    closed: datetime,
    end: Stage,
    reached: int,
    deal: Deal | None = None,
) -> PlannedDeal:
    """A deal won or lost at `closed`, after going through the open stages up to index `reached`."""
    rng = book.rng
    deal = deal or _new_deal(book, account)
    entered = _entries(book, reached + 1, timezone.localdate(closed), closed)
    planned = PlannedDeal(deal, [*book.stages[: reached + 1], end], entered)
    won = end.kind == StageKind.WON
    planned.lines = _lines(book, deal) if won or reached >= 3 or rng.random() < 0.5 else []
    deal.amount = _amount(book, planned)
    deal.stage, deal.status, deal.closed_at, deal.stage_changed_at = end, end.kind, closed, closed
    # The rep's plan: the deal closed on that day or a little after it (deals slip), in the same month.
    day = timezone.localdate(closed)
    deal.close_date = max(day - timedelta(days=rng.randint(0, 8)), day.replace(day=1))
    if won and any(line.product.product_line == "Platform" for line in planned.lines):
        deal.contract_start, deal.contract_end = day, day + timedelta(days=364)
    elif not won:
        reason = rng.choice(book.reasons)
        deal.lost_reason, deal.lost_note = reason, LOST_NOTES.get(reason.name, "")
    book.deals.append(planned)
    return planned


def _month_end(day: date) -> date:
    return month_start(day, 1) - timedelta(days=1)


def _amount(book: DealBook, planned: PlannedDeal) -> Decimal:
    if planned.lines:
        return sum(
            (line_total(line.quantity, line.unit_price, line.discount) for line in planned.lines), Decimal(0)
        )
    if len(planned.path) == 1 and book.rng.random() < 0.3:
        return Decimal(0)  # too early to say
    return Decimal(book.rng.choice((6, 12, 18, 24, 36, 48, 60)) * 1000)


def _plan_open(
    book: DealBook, account: Account, index: int, close: date, deal: Deal | None = None
) -> PlannedDeal:
    """A deal now in the open stage `index`, expected to close on `close`."""
    rng, clock = book.rng, book.clock
    deal = deal or _new_deal(book, account)
    in_stage = rng.randint(0, STAGE_DAYS[index % len(STAGE_DAYS)][1])
    entered = _entries(book, index + 1, clock.today - timedelta(days=in_stage))
    planned = PlannedDeal(deal, book.stages[: index + 1], entered)
    planned.lines = _lines(book, deal) if index >= 3 or (index >= 1 and rng.random() < 0.4) else []
    deal.amount = _amount(book, planned)
    deal.stage, deal.status, deal.close_date = book.stages[index], DealStatus.OPEN, close
    deal.stage_changed_at = entered[-1]
    if index >= 4:
        deal.forecast_category = ForecastCategory.COMMIT
    elif index == 3 or (index == 2 and rng.random() < 0.4):
        deal.forecast_category = ForecastCategory.BEST_CASE
    elif index == 0 and rng.random() < 0.15:
        deal.forecast_category = ForecastCategory.OMITTED
    deal.next_step = STAGE_WORK[index % len(STAGE_WORK)][3]
    book.deals.append(planned)
    return planned


def _plan_conversions(book: DealBook, accounts: list[Account]) -> None:
    """Qualified leads at demo accounts, converted into a contact and a deal a few days after qualifying."""
    rng, clock = book.rng, book.clock
    by_name = {account.name: account for account in accounts if account.domain not in STORY_ACCOUNTS}
    # Those converted by an earlier seeding are planned again (and skipped with their deal by its name).
    statuses = [LeadStatus.QUALIFIED, LeadStatus.CONVERTED]
    leads = Lead.objects.filter(status__in=statuses, company__in=list(by_name), owner__isnull=False)
    qualified = dict(
        LifecycleEvent.objects.filter(
            type=LEAD_QUALIFIED,
            content_type=ContentType.objects.get_for_model(Lead),
            object_id__in=leads.values("pk"),
        )
        .order_by("occurred_at")
        .values_list("object_id", "occurred_at")
    )
    converted_at: set[str] = set()
    for lead in leads.select_related("owner").order_by("created_at", "id"):
        if lead.company in converted_at or lead.pk not in qualified or len(converted_at) == CONVERTED_LEADS:
            continue
        converted_at.add(lead.company)
        account = by_name[lead.company]
        start = clock.between(
            rng, qualified[lead.pk] + timedelta(hours=2), qualified[lead.pk] + timedelta(days=5)
        )
        deal = _new_deal(book, account, owner=lead.owner, label="new business")
        deal.source_lead = lead
        age = clock.now - start
        if age > timedelta(days=75):
            won = rng.random() < 0.6
            end = book.won if won else book.lost
            closed = clock.between(rng, start + timedelta(days=30), start + min(age, timedelta(days=120)))
            reached = len(book.stages) - 1 if won else rng.randint(0, len(book.stages) - 1)
            planned = _plan_closed(book, account, closed, end, reached, deal)
        else:
            index = min(int(age / timedelta(days=12)), len(book.stages) - 1)
            planned = _plan_open(book, account, index, _day_in(rng, clock, rng.randint(1, 3)), deal)
        planned.lead = lead
        planned.entered = _fit(book, planned.entered, start, closed=planned.deal.closed_at is not None)
        planned.deal.stage_changed_at = planned.entered[-1]


def _fit(book: DealBook, entered: list[datetime], start: datetime, closed: bool) -> list[datetime]:
    """The stage entries spread again from `start` (the conversion) to the last one (to now for an open
    deal), in working hours and in order."""
    clock, rng = book.clock, book.rng
    end = entered[-1] if closed else clock.now
    fitted = [start]
    for index in range(1, len(entered)):
        if closed and index == len(entered) - 1:
            fitted.append(end)
            break
        at = clock.work_time(rng, timezone.localdate(start + (end - start) * index / len(entered)))
        fitted.append(max(at, fitted[-1] + timedelta(hours=1)))
    return fitted


def _plan_stories(book: DealBook, accounts: dict[str, Account]) -> None:
    """Northwind renews soon and just bought more; Wayne Analytics let its pilot lapse and churned."""
    clock, rng, last = book.clock, book.rng, len(book.stages) - 1
    northwind, wayne = accounts.get("northwind.example"), accounts.get("wayne-analytics.example")
    if northwind is not None:
        deal = _new_deal(book, northwind, package=1)
        first = _plan_closed(book, northwind, clock.days_ago(rng, 320), book.won, last, deal)
        day = timezone.localdate(first.deal.closed_at or clock.now)
        first.deal.contract_start, first.deal.contract_end = day, day + timedelta(days=364)
        _plan_closed(
            book, northwind, clock.days_ago(rng, 12), book.won, last, _new_deal(book, northwind, package=3)
        )
    if wayne is not None:
        deal = _new_deal(book, wayne, label="Platform Starter pilot", package=0)
        pilot = _plan_closed(book, wayne, clock.days_ago(rng, 330), book.won, last, deal)
        day = timezone.localdate(pilot.deal.closed_at or clock.now)
        pilot.deal.contract_start, pilot.deal.contract_end = day, day + timedelta(days=299)
        deal = _new_deal(book, wayne, label="Renewal of the pilot", package=0)
        deal.type, deal.renewal_of = DealType.RENEWAL, pilot.deal
        renewal = _plan_closed(book, wayne, clock.days_ago(rng, 40), book.lost, 2, deal)
        renewal.deal.lost_reason = next(
            (r for r in book.reasons if r.name == "Chose a competitor"), book.reasons[0]
        )
        renewal.deal.lost_note = "Moved to a cheaper tool when the pilot ended."
        renewal.lines, renewal.deal.amount = [], pilot.deal.amount


def _settle_types(book: DealBook) -> None:
    """A deal at an account that had bought before is an upsell, or a cross-sell of another product line."""
    wins = [
        (d.deal.account, d.deal.closed_at, _product_lines(d)) for d in book.deals if d.deal.status == "won"
    ]
    for planned in book.deals:
        deal = planned.deal
        bought: set[str] = set()
        for account, closed_at, lines in wins:
            if account == deal.account and closed_at is not None and closed_at < planned.created_at:
                bought |= lines
        if bought and deal.type != DealType.RENEWAL:
            deal.type = DealType.UPSELL if _product_lines(planned) & bought else DealType.CROSS_SELL


def _product_lines(planned: PlannedDeal) -> set[str]:
    return {line.product.product_line for line in planned.lines}
