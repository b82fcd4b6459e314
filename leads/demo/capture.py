"""Who the demo's leads are and how they came in: from which source, when, and whose they became (the
assignment rules' round robin by country, a manager from the queue, their typist, or nobody yet)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from crm.demo.people import FIRST_NAMES, LAST_NAMES, SELLERS
from crm.demo.writing import DemoClock, demo_phone, table
from crm.models import Account, Team, User
from leads.services.leads import normalize_email, normalize_phone

from ..models import Authority, Lead, LeadSource, LeadStatus, PurchaseTimeline, WebForm

LEAD_COUNT = 310
# The newest leads, by design rather than by chance: every queue has work in it, and first-touch
# timers run (captured minutes ago) or ran out (hours ago: the owner's manager was alerted).
RECENT_LEADS = (("timer", 4), ("missed", 3), ("team queue", 12), ("default queue", 12))
# Leads at the demo accounts, qualified and waiting for conversion (the sales demo converts most).
ACCOUNT_LEAD_COUNT = 18
EAST = ("United States", "Canada")
WEST = ("Germany", "Austria", "Switzerland", "Norway", "Sweden", "Denmark")
ELSEWHERE = ("United Kingdom", "France", "Brazil", "India", "Spain", "Netherlands", "Japan", "Australia")
# rule name, countries, team: the assignment rules the captured leads went through.
DEMO_ASSIGNMENT_RULES = [
    ("North America to the East team", EAST, "East"),
    ("DACH and the Nordics to the West team", WEST, "West"),
]
CAPTURED = (LeadSource.WEB_FORM, LeadSource.API, LeadSource.CAMPAIGN)
SOURCE_WEIGHTS = {
    LeadSource.WEB_FORM: 30,
    LeadSource.IMPORT: 18,
    LeadSource.CAMPAIGN: 16,
    LeadSource.MANUAL: 14,
    LeadSource.REFERRAL: 12,
    LeadSource.API: 10,
}
COMPANY_STEMS = (
    "Brightwave", "Lumen", "Nordwind", "Silverline", "Redstone", "Bluepeak", "Greenleaf", "Ironbridge",
    "Clearwater", "Suncrest", "Oakline", "Starling", "Riverbend", "Highland", "Northgate", "Westbrook",
    "Goldcrest", "Cobalt", "Falcon", "Juniper", "Kestrel", "Meridian", "Nimbus", "Polaris", "Quartz",
    "Tandem", "Fattoria", "Old Mill", "Harborline", "Vantage",
)  # fmt: skip
# company suffix | industry
COMPANY_KINDS = table("""
Labs | Software
Systems | Software
Analytics | Software
Logistics | Logistics
Shipping | Logistics
Health | Healthcare
Clinics | Healthcare
Foods | Food & Beverage
Retail | Retail
Energy | Energy
Robotics | Manufacturing
Works | Manufacturing
Media | Media
Finance | Financial services
Partners | Professional services
""")
# job title | authority
TITLES = table("""
CEO | decision_maker
Founder | decision_maker
CTO | decision_maker
COO | decision_maker
VP Operations | decision_maker
Head of Sales Ops | influencer
IT Director | influencer
Head of Procurement | influencer
Marketing Director | influencer
Operations Manager | user
IT Manager | user
Office Manager | user
Business Analyst | user
""")
SIZES = (4, 12, 30, 45, 80, 150, 240, 400, 750, 1200, 3000, 8000)
# A demo account's size band, as a head count for its people's leads.
ACCOUNT_SIZES = {"1-10": 8, "11-50": 35, "51-200": 120, "201-1000": 450, "1001-5000": 2400, "5000+": 9000}
# Matched by the free-mail rule's patterns (hotmail.*, yahoo.* ...), and undeliverable.
FREE_MAIL = ("outlook.example", "yahoo.example", "hotmail.example", "gmx.example")
# utm source | medium | campaign | tag
CAMPAIGNS = table("""
google | cpc | search-brand | -
linkedin | social | spring-webinar | webinar
newsletter | email | product-update | newsletter
partner-site | referral | partner-directory | partner
google | cpc | pricing-page | -
event | offline | trade-show-berlin | trade-show
""")


@dataclass
class PlannedLead:
    """One lead of the book and what happened to it, before it is written."""

    lead: Lead
    created_at: datetime
    hot: float  # 0 to 1: how much the lead engages with us
    kind: str = ""  # one of RECENT_LEADS, or "" for the year's others
    created_by: User | None = None
    rule: str | None = None  # the assignment rule that routed it
    handed_out_by: User | None = None  # the manager who gave it out from the default queue
    updated_at: datetime | None = None
    initially: dict[str, object] = field(default_factory=dict)


def plan_leads(
    rng: random.Random, clock: DemoClock, people: dict[str, User], webform: WebForm
) -> list[PlannedLead]:
    """The leads in the order they came in; owners by the rules' round robin, or by hand."""
    emails: set[str] = set()
    specs = [_new_lead(rng, clock, emails, webform) for _ in range(LEAD_COUNT)]
    for kind, count in RECENT_LEADS:
        specs += [_new_lead(rng, clock, emails, webform, kind) for _ in range(count)]
    accounts = list(
        Account.objects.filter(owner__username__in=SELLERS)
        .select_related("owner")
        .order_by("name")[:ACCOUNT_LEAD_COUNT]
    )
    for account in accounts:
        specs.append(_account_lead(rng, clock, emails, account))
    specs.sort(key=lambda item: (item.created_at, item.lead.email))
    teams = {team.name: team for team in Team.objects.filter(name__in=["East", "West"])}
    members = {
        "East": [people[name] for name in ("manager", "rep", "alex")],
        "West": [people[name] for name in ("west", "sam", "nina")],
    }
    turn = {"East": 0, "West": 0}
    for item in specs:
        _route(rng, clock, item, people, teams, members, turn)
    return specs


def _new_lead(
    rng: random.Random, clock: DemoClock, emails: set[str], webform: WebForm, kind: str = ""
) -> PlannedLead:
    """A lead that came in over the year (more lately, as marketing ramped up), or one of RECENT_LEADS."""
    created_at = clock.days_ago(rng, int(365 * rng.random() ** 1.4))
    region = rng.choices((EAST, WEST, ELSEWHERE), weights=(42, 28, 30))[0]
    source = rng.choices(list(SOURCE_WEIGHTS), weights=list(SOURCE_WEIGHTS.values()))[0]
    if kind in ("timer", "missed"):
        hours = rng.uniform(0.2, 3) if kind == "timer" else rng.uniform(5, 20)
        created_at, region, source = (
            clock.now - timedelta(hours=hours),
            rng.choice((EAST, WEST)),
            rng.choice(CAPTURED),
        )
    elif kind == "team queue":
        region, source = rng.choice((EAST, WEST)), rng.choice((LeadSource.IMPORT, LeadSource.REFERRAL))
        created_at = clock.days_ago(rng, rng.randint(0, 20))
    elif kind == "default queue":
        region, created_at = ELSEWHERE, clock.days_ago(rng, rng.randint(0, 20))
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    suffix, industry = rng.choice(COMPANY_KINDS)
    company = f"{rng.choice(COMPANY_STEMS)} {suffix}"
    domain = company.lower().replace(" ", "") + ".example"
    title, authority = rng.choice(TITLES)
    free_mail = rng.random() < 0.12
    email = _unique_email(emails, f"{first}.{last}".lower(), rng.choice(FREE_MAIL) if free_mail else domain)
    lead = Lead(
        first_name=first,
        last_name=last,
        email=email,
        phone=demo_phone(rng) if rng.random() < 0.6 else "",
        company="" if free_mail and rng.random() < 0.5 else company,
        title=title,
        website=f"https://www.{domain}" if not free_mail else "",
        industry=industry,
        employee_count=rng.choice(SIZES),
        country=rng.choice(region),
        source=source,
        authority=authority if rng.random() < 0.5 else Authority.UNKNOWN,
    )
    tags: list[str] = []
    if source in (LeadSource.WEB_FORM, LeadSource.CAMPAIGN, LeadSource.API) and rng.random() < 0.75:
        utm_source, medium, campaign, tag = rng.choice(CAMPAIGNS)
        lead.utm_source, lead.utm_medium, lead.utm_campaign = utm_source, medium, campaign
        tags += [tag] if tag != "-" else []
    if source == LeadSource.WEB_FORM:
        lead.web_form = webform
        lead.utm_source = lead.utm_source or "website"
        tags += webform.tags
    if source == LeadSource.IMPORT:
        tags.append(rng.choice(("trade-show", "partner-list")))
    if source == LeadSource.REFERRAL:
        tags.append("partner")
    if (lead.employee_count or 0) >= 1000:
        tags.append("enterprise")
    lead.tags = list(dict.fromkeys(tags))
    _normalise(lead)
    return PlannedLead(lead, created_at, rng.random(), kind=kind)


def _account_lead(rng: random.Random, clock: DemoClock, emails: set[str], account: Account) -> PlannedLead:
    """Someone at a demo account who asked for an offer: qualified, decision maker, buying soon."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    created_at = clock.days_ago(rng, rng.randint(120, 330))
    lead = Lead(
        first_name=first,
        last_name=last,
        email=_unique_email(emails, f"{first}.{last}".lower(), account.domain),
        company=account.name,
        title=rng.choice(("CEO", "COO", "VP Operations", "CTO")),
        website=f"https://www.{account.domain}",
        industry=account.industry,
        employee_count=ACCOUNT_SIZES.get(account.size),
        country=account.billing_country,
        source=rng.choice((LeadSource.REFERRAL, LeadSource.MANUAL)),
        authority=Authority.DECISION_MAKER,
        timeline=PurchaseTimeline.THIS_QUARTER,
        budget=Decimal(rng.choice((15000, 25000, 40000, 60000))),
        need="Replace spreadsheets and an old CRM for the sales team.",
        owner=account.owner,
        status=LeadStatus.QUALIFIED,
    )
    _normalise(lead)
    return PlannedLead(lead, created_at, 0.9, created_by=account.owner)


def _normalise(lead: Lead) -> None:
    """What the lead services store for duplicate matching."""
    lead.email_normalized = normalize_email(lead.email)
    lead.phone_normalized = normalize_phone(lead.phone)


def _unique_email(emails: set[str], local: str, domain: str) -> str:
    email, number = f"{local}@{domain}", 2
    while email in emails:
        email, number = f"{local}{number}@{domain}", number + 1
    emails.add(email)
    return email


def _route(
    rng: random.Random,
    clock: DemoClock,
    item: PlannedLead,
    people: dict[str, User],
    teams: dict[str, Team],
    members: dict[str, list[User]],
    turn: dict[str, int],
) -> None:
    """Who got the lead: the rule's team in turn, a manager from the queue, its typist, or nobody yet."""
    lead = item.lead
    age = (clock.now - item.created_at).days
    if lead.owner is not None:  # a lead at a demo account, typed in by the account's owner
        return
    team_name = "East" if lead.country in EAST else "West" if lead.country in WEST else None
    manager = people["manager" if team_name == "East" else "west"]
    if item.kind == "team queue":  # typed in or imported by the manager, for whoever in the team is free
        item.created_by, lead.team = manager, teams[team_name or "East"]
        return
    if lead.source == LeadSource.IMPORT:
        item.created_by = people["marketer"]
    if item.kind == "default queue":
        return
    if lead.source in (LeadSource.MANUAL, LeadSource.REFERRAL):
        item.created_by = lead.owner = people[rng.choice(SELLERS)]
    elif team_name is not None:
        team = members[team_name]
        lead.owner, lead.team = team[turn[team_name] % len(team)], teams[team_name]
        turn[team_name] += 1
        item.rule = next(name for name, _, t in DEMO_ASSIGNMENT_RULES if t == team_name)
        item.initially.update(owner_id=None, team_id=None)
    elif age > 21:  # no rule matched: a manager handed it out from the default queue a day or two later
        lead.owner = people[rng.choice(SELLERS)]
        item.handed_out_by = people["manager" if lead.owner.team == teams["East"] else "west"]
        item.initially.update(owner_id=None)
