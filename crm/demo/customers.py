"""The demo's customers: forty accounts created a year or two ago, their contacts and their history,
and everyone's open work on them."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Model
from django.utils import timezone

from crm.demo.people import FIRST_NAMES, LAST_NAMES, SELLERS
from crm.demo.writing import Dated, DemoClock, DemoTimeline, demo_clock, demo_phone, insert_dated, table
from crm.models import Account, ActivityKind, ConsentStatus, Contact, User
from crm.timeline import events

KERNEL_SEED = 1001


@dataclass(frozen=True)
class DemoAccount:
    name: str
    domain: str
    industry: str
    size: str
    city: str
    country: str
    owner: str | None


# name | domain | industry | size | city | country | owner ("-": nobody's yet)
DEMO_ACCOUNTS = [
    DemoAccount(name, domain, industry, size, city, country, None if owner == "-" else owner)
    for name, domain, industry, size, city, country, owner in table(
        """
Northwind Traders | northwind.example | Wholesale | 201-1000 | Seattle | United States | rep
Globex Corporation | globex.example | Manufacturing | 1001-5000 | Springfield | United States | rep
Initech | initech.example | Software | 51-200 | Austin | United States | rep
Umbrella Health | umbrella-health.example | Healthcare | 5000+ | London | United Kingdom | alex
Stark Logistics | stark-logistics.example | Logistics | 201-1000 | Hamburg | Germany | alex
Wayne Analytics | wayne-analytics.example | Software | 11-50 | Toronto | Canada | manager
Soylent Foods | soylent.example | Food & Beverage | 51-200 | Lyon | France | sam
Tyrell Robotics | tyrell.example | Manufacturing | 1001-5000 | Osaka | Japan | sam
Cyberdyne Systems | cyberdyne.example | Software | 201-1000 | Sunnyvale | United States | west
Hooli | hooli.example | Software | 5000+ | Palo Alto | United States | -
Acme Supplies | acme-supplies.example | Wholesale | 51-200 | Denver | United States | rep
Blue Harbor Insurance | blueharbor.example | Insurance | 1001-5000 | Boston | United States | rep
Pinecrest Clinics | pinecrest.example | Healthcare | 201-1000 | Portland | United States | rep
Redwood Legal | redwood-legal.example | Legal services | 11-50 | San Francisco | United States | rep
Lakeside Hotels | lakeside-hotels.example | Hospitality | 201-1000 | Chicago | United States | rep
Greenfield Schools | greenfield.example | Education | 201-1000 | Manchester | United Kingdom | rep
Summit Outdoor | summit-outdoor.example | Retail | 201-1000 | Salt Lake City | United States | alex
Brightline Energy | brightline.example | Energy | 1001-5000 | Houston | United States | alex
Maplewood Grocers | maplewood.example | Retail | 51-200 | Vancouver | Canada | alex
Harbourview Bank | harbourview.example | Financial services | 5000+ | Edinburgh | United Kingdom | alex
Cedar Point Software | cedarpoint.example | Software | 11-50 | Raleigh | United States | alex
Oakridge University | oakridge.example | Education | 1001-5000 | Oxford | United Kingdom | manager
Quill & Ink Publishing | quill-ink.example | Media | 11-50 | Dublin | Ireland | manager
Vertex Telecom | vertex-telecom.example | Telecommunications | 5000+ | New York | United States | manager
Nordlicht Energie | nordlicht.example | Energy | 201-1000 | Munich | Germany | sam
Alpenrose Pharma | alpenrose.example | Pharmaceuticals | 1001-5000 | Basel | Switzerland | sam
Casa Verde Hotels | casaverde.example | Hospitality | 51-200 | Madrid | Spain | sam
Danube Logistics | danube.example | Logistics | 201-1000 | Vienna | Austria | sam
Baltic Freight | baltic-freight.example | Logistics | 51-200 | Tallinn | Estonia | sam
Fjord Maritime | fjord-maritime.example | Logistics | 201-1000 | Oslo | Norway | nina
Delft Instruments | delft-instruments.example | Manufacturing | 51-200 | Rotterdam | Netherlands | nina
Lumière Cosmetics | lumiere.example | Consumer goods | 201-1000 | Paris | France | nina
Vistula Software | vistula.example | Software | 51-200 | Warsaw | Poland | nina
Aurora Biotech | aurora-bio.example | Biotechnology | 51-200 | Copenhagen | Denmark | nina
Sakura Electronics | sakura-electronics.example | Electronics | 5000+ | Tokyo | Japan | west
Kiwi Analytics | kiwi-analytics.example | Software | 11-50 | Auckland | New Zealand | west
Copperfield Mining | copperfield.example | Mining | 1001-5000 | Perth | Australia | west
Helios Solar | helios-solar.example | Energy | 201-1000 | Athens | Greece | west
Pampas Agro | pampas-agro.example | Agriculture | 201-1000 | Buenos Aires | Argentina | -
Marlow Architects | marlow.example | Architecture | 11-50 | Bristol | United Kingdom | -
"""
    )
]

# (account domain, first, last, title): the people the demo's story names; the rest are generated.
DEMO_CONTACTS = [
    ("northwind.example", "Nancy", "Davolio", "Head of Purchasing"),
    ("northwind.example", "Andrew", "Fuller", "VP Sales"),
    ("globex.example", "Hank", "Scorpio", "CEO"),
    ("initech.example", "Bill", "Lumbergh", "Division VP"),
    ("initech.example", "Joanna", "Rivera", "Operations Lead"),
    ("umbrella-health.example", "Alice", "Abernathy", "CTO"),
    ("stark-logistics.example", "Pepper", "Potts", "COO"),
    ("wayne-analytics.example", "Lucius", "Fox", "Head of R&D"),
    ("soylent.example", "Sol", "Roth", "Procurement"),
    ("tyrell.example", "Rachael", "Tyrell", "Director"),
    ("cyberdyne.example", "Miles", "Dyson", "Engineering Manager"),
]
CONTACT_TITLES = (
    "Head of Operations", "IT Director", "Procurement Manager", "CFO", "Office Manager", "Sales Director",
    "Head of Customer Success", "Project Manager", "CIO", "Finance Controller", "Systems Administrator",
)  # fmt: skip

# kind, subject, body ({account} is the account's name)
ACCOUNT_ACTIVITIES = [
    (ActivityKind.CALL, "Intro call", "First call with {account}: who buys, who signs, and when."),
    (ActivityKind.CALL, "Quarterly check-in", "Went through {account}'s plans for the next quarter."),
    (
        ActivityKind.EMAIL,
        "Sent the product overview",
        "Sent {account} the overview deck and two case studies.",
    ),
    (ActivityKind.EMAIL, "Follow-up on open questions", "Answered {account}'s questions on data residency."),
    (ActivityKind.MEETING, "Account planning meeting", "Mapped {account}'s org chart and the budget cycle."),
    (ActivityKind.MEETING, "On-site visit", "Visited {account}'s head office; met the operations team."),
    (ActivityKind.NOTE, "Budget cycle", "{account} sets next year's budget in September."),
    (ActivityKind.NOTE, "Buying process", "{account} needs a security review before any contract."),
]
CONTACT_ACTIVITIES = [
    (ActivityKind.EMAIL, "Intro email", "Introduced ourselves and offered a short call."),
    (ActivityKind.CALL, "Catch-up call", "Talked about their current tooling and pain points."),
    (ActivityKind.EMAIL, "Shared the case study", "Sent the logistics case study they asked for."),
]
# title, overdue/today/upcoming/done: each person's open work on their accounts.
SELLER_TASKS = [
    ("Send the security questionnaire to {account}", "overdue"),
    ("Call {account} about next year's budget", "today"),
    ("Check in with {account}", "upcoming"),
    ("Book an on-site visit at {account}", "upcoming"),
    ("Send {account} the case study", "done"),
    ("Introduce {account} to our solutions engineer", "done"),
    ("Log {account}'s budget cycle", "done"),
]
# username, title, when, target kind ("account", "contact", "withdrawn" contact), created by
ROLE_TASKS = [
    ("admin", "Review who can see the West team's deals", "overdue", "account", "admin"),
    ("admin", "Merge the duplicate contacts at {account}", "today", "account", "admin"),
    ("admin", "Give Nina access to the lead rotation", "today", "account", "admin"),
    ("admin", "Archive unused lost reasons", "upcoming", "account", "admin"),
    ("admin", "Check the SSO settings for {account}", "done", "account", "admin"),
    ("marketer", "Remove {contact} from the newsletter list", "overdue", "withdrawn", "marketer"),
    ("marketer", "Ask {contact} for a customer quote", "today", "contact", "marketer"),
    ("marketer", "Invite {contact} to the spring webinar", "today", "contact", "marketer"),
    ("marketer", "Send {contact} the product newsletter", "upcoming", "contact", "marketer"),
    ("marketer", "Plan a case study with {contact}", "upcoming", "contact", "admin"),
    ("marketer", "Tag {contact}'s segment", "done", "contact", "marketer"),
    ("support", "Answer {account}'s question about API limits", "overdue", "account", "support"),
    ("support", "Check {account}'s SSO login errors", "today", "account", "support"),
    ("support", "Walk {account} through the reporting module", "today", "account", "admin"),
    ("support", "Review {account}'s open support questions", "upcoming", "account", "support"),
    ("support", "Close the import issue for {account}", "done", "account", "support"),
    ("rep", "Prepare the pipeline review with Maria", "today", "account", "manager"),
    ("sam", "Prepare the pipeline review with Wendy", "today", "account", "west"),
]


def seed_customers(people: dict[str, User]) -> bool:
    """Forty accounts created a year or two ago, their contacts, their history and everyone's tasks."""
    clock = demo_clock()
    rng = random.Random(KERNEL_SEED)  # noqa: S311  (a fixed seed: the same book everywhere)
    timeline = DemoTimeline(clock)
    accounts: list[Dated[Account]] = []
    contacts: list[Dated[Contact]] = []
    for spec in DEMO_ACCOUNTS:
        by = people[spec.owner] if spec.owner else people["admin"]
        created_at = clock.days_ago(rng, rng.randint(450, 750))
        account = Account(
            name=spec.name,
            domain=spec.domain,
            industry=spec.industry,
            size=spec.size,
            billing_city=spec.city,
            billing_country=spec.country,
            owner=people[spec.owner] if spec.owner else None,
        )
        accounts.append(Dated(account, created_at, by))
        timeline.event(account, events.ACCOUNT_CREATED, at=created_at, actor=by, data={"name": spec.name})
        for _ in range(rng.randint(2, 5)):
            kind, subject, body = rng.choice(ACCOUNT_ACTIVITIES)
            at = clock.between(rng, created_at + timedelta(days=3), clock.now)
            timeline.activity(account, kind, subject, author=by, at=at, body=body.format(account=spec.name))
        for row in _plan_contacts(rng, clock, account, created_at, by):
            contacts.append(row)
            _plan_contact_history(rng, clock, timeline, row, people["marketer"])
    _plan_tasks(
        rng, clock, timeline, people, [row.record for row in accounts], [row.record for row in contacts]
    )

    # What exists already stays as it is: its planned people and history are dropped unwritten.
    domains = [row.record.domain for row in accounts]
    taken = set(Account.objects.filter(domain__in=domains).values_list("domain", flat=True))
    accounts = [row for row in accounts if row.record.domain not in taken]
    emails = [row.record.email for row in contacts]
    taken |= set(Contact.objects.filter(email__in=emails).values_list("email", flat=True))
    contacts = [row for row in contacts if not {row.record.email, _domain_of(row.record)} & taken]
    insert_dated(Account, accounts)
    insert_dated(Contact, contacts)
    timeline.save()
    return bool(accounts or contacts)


def _domain_of(contact: Contact) -> str:
    return contact.account.domain if contact.account else ""


def _plan_contact_history(
    rng: random.Random, clock: DemoClock, timeline: DemoTimeline, row: Dated[Contact], marketer: User
) -> None:
    contact = row.record
    timeline.event(contact, events.CONTACT_CREATED, at=row.at, actor=row.by, data={"name": contact.full_name})
    if contact.email_consent == ConsentStatus.WITHDRAWN:
        change = {"email_consent": {"from": ConsentStatus.GRANTED, "to": ConsentStatus.WITHDRAWN}}
        at = contact.consent_changed_at or row.at
        timeline.event(contact, events.CONTACT_CONSENT_CHANGED, at=at, actor=marketer, data=change)
    for kind, subject, body in rng.sample(CONTACT_ACTIVITIES, rng.randint(0, 2)):
        timeline.activity(
            contact, kind, subject, author=row.by, at=clock.between(rng, row.at, clock.now), body=body
        )


def _plan_contacts(
    rng: random.Random, clock: DemoClock, account: Account, account_created: datetime, creator: User
) -> list[Dated[Contact]]:
    named = [(first, last, title) for domain, first, last, title in DEMO_CONTACTS if domain == account.domain]
    wanted = rng.randint(2, 3)
    while len(named) < wanted:
        person = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), rng.choice(CONTACT_TITLES))
        if all(person[:2] != other[:2] for other in named):
            named.append(person)
    rows = []
    for first, last, title in named:
        created_at = clock.between(
            rng, account_created, account_created + timedelta(days=rng.randint(1, 200))
        )
        consent = rng.choices(ConsentStatus.values, weights=(3, 6, 1))[0]
        contact = Contact(
            first_name=first,
            last_name=last,
            title=title,
            email=f"{first}.{last}@{account.domain}".lower().replace(" ", ""),
            phone=demo_phone(rng),
            account=account,
            owner=account.owner,
            email_consent=consent,
            phone_consent=rng.choice((ConsentStatus.UNKNOWN, ConsentStatus.GRANTED)),
        )
        if consent != ConsentStatus.UNKNOWN or contact.phone_consent != ConsentStatus.UNKNOWN:
            contact.consent_changed_at = (
                clock.between(rng, created_at, clock.now)
                if consent == ConsentStatus.WITHDRAWN
                else created_at
            )
        rows.append(Dated(contact, created_at, creator))
    return rows


def _plan_tasks(
    rng: random.Random,
    clock: DemoClock,
    timeline: DemoTimeline,
    people: dict[str, User],
    accounts: list[Account],
    contacts: list[Contact],
) -> None:
    """Every seller's work on their accounts, and each other role's own: overdue, today and upcoming."""
    if not accounts:
        return
    for username in SELLERS:
        seller = people[username]
        mine = [account for account in accounts if account.owner == seller]
        for index, (title, when) in enumerate(SELLER_TASKS if mine else []):
            _plan_task(rng, clock, timeline, seller, seller, title, when, mine[index % len(mine)])
    withdrawn = [c for c in contacts if c.email_consent == ConsentStatus.WITHDRAWN] or contacts
    for index, (username, title, when, kind, creator) in enumerate(ROLE_TASKS):
        pool: Sequence[Model] = (
            accounts if kind == "account" else withdrawn if kind == "withdrawn" else contacts
        )
        if username in SELLERS:
            pool = [account for account in accounts if account.owner == people[username]] or accounts
        target = pool[(index * 7) % len(pool)]
        _plan_task(rng, clock, timeline, people[username], people[creator], title, when, target)


def _plan_task(
    rng: random.Random,
    clock: DemoClock,
    timeline: DemoTimeline,
    assignee: User,
    creator: User,
    title: str,
    when: str,
    target: Model,
) -> None:
    if when == "done":
        due_at = clock.days_ago(rng, rng.randint(10, 90))
        completed_at: datetime | None = due_at - timedelta(hours=rng.randint(1, 48))
        created_at = due_at - timedelta(days=rng.randint(5, 20))
    else:
        due_at = clock.due(rng, when)
        completed_at = None
        created_at = clock.days_ago(
            rng, rng.randint(2, 10) + max((clock.today - timezone.localdate(due_at)).days, 0)
        )
    label = title.format(account=target, contact=target)
    timeline.task(
        title=label,
        assignee=assignee,
        created_by=creator,
        created_at=created_at,
        due_at=due_at,
        target=target,
        completed_at=completed_at,
    )
