"""Demo leads for `make run`: a rep's own pipeline, the unassigned queue and a team's queue."""

from __future__ import annotations

from crm.models import Team, User
from crm.services.engagement import FORM_SUBMITTED

from .models import Lead, LeadSource, LeadStatus, RuleKind, ScoringRule
from .scoring.services import rule_create as scoring_rule_create
from .services import lead_change_status, lead_create

# email, first, last, company, title, industry, employees, country, source, campaign, owner, team, status
DEMO_LEADS = [
    (
        "olivia@brightwave.example",
        "Olivia",
        "Hart",
        "Brightwave",
        "Head of Sales Ops",
        "Software",
        240,
        "United States",
        LeadSource.WEB_FORM,
        "spring-webinar",
        "rep",
        None,
        LeadStatus.WORKING,
    ),
    (
        "marco@fattoria.example",
        "Marco",
        "Bianchi",
        "Fattoria Verde",
        "Owner",
        "Food & Beverage",
        35,
        "Italy",
        LeadSource.REFERRAL,
        "",
        "rep",
        None,
        LeadStatus.NEW,
    ),
    (
        "li.wei@lumen.example",
        "Li",
        "Wei",
        "Lumen Robotics",
        "CTO",
        "Manufacturing",
        800,
        "Singapore",
        LeadSource.IMPORT,
        "",
        "rep",
        None,
        LeadStatus.QUALIFIED,
    ),
    (
        "ana@gmail.example",
        "Ana",
        "Souza",
        "",
        "",
        "",
        None,
        "Brazil",
        LeadSource.WEB_FORM,
        "pricing-page",
        None,
        None,
        LeadStatus.NEW,
    ),
    (
        "jonas@nordfjord.example",
        "Jonas",
        "Berg",
        "Nordfjord Shipping",
        "Procurement",
        "Logistics",
        1200,
        "Norway",
        LeadSource.CAMPAIGN,
        "q4-logistics",
        None,
        "East",
        LeadStatus.NEW,
    ),
    (
        "priya@tandem.example",
        "Priya",
        "Nair",
        "Tandem Health",
        "COO",
        "Healthcare",
        150,
        "India",
        LeadSource.MANUAL,
        "",
        "alex",
        None,
        LeadStatus.NURTURING,
    ),
    (
        "tom@oldmill.example",
        "Tom",
        "Reed",
        "Old Mill Bakery",
        "Owner",
        "Food & Beverage",
        8,
        "United Kingdom",
        LeadSource.WEB_FORM,
        "",
        "sam",
        None,
        LeadStatus.NEW,
    ),
]


# name, kind, field, operator, value, event type, points: the examples the issue itself gives.
DEMO_SCORING_RULES = [
    ("Software companies", RuleKind.ATTRIBUTE, "industry", "eq", "Software", "", 10),
    ("200 or more employees", RuleKind.ATTRIBUTE, "employee_count", "gte", "200", "", 15),
    ("Free-mail address", RuleKind.ATTRIBUTE, "email", "free_mail", "", "", -10),
    ("Filled in a web form", RuleKind.BEHAVIOUR, "", "", "", FORM_SUBMITTED, 20),
]


def seed_demo_leads(people: dict[str, User]) -> bool:
    created = False
    for name, kind, field, operator, value, event_type, points in DEMO_SCORING_RULES:
        if not ScoringRule.objects.filter(name=name).exists():
            scoring_rule_create(
                actor=people["admin"],
                name=name,
                kind=kind,
                field=field,
                operator=operator,
                value=value,
                event_type=event_type,
                points=points,
            )
            created = True
    for (
        email,
        first,
        last,
        company,
        title,
        industry,
        employees,
        country,
        source,
        campaign,
        owner,
        team,
        status,
    ) in DEMO_LEADS:
        if Lead.objects.filter(email=email).exists():
            continue
        lead = lead_create(
            actor=people[owner] if owner else people["admin"],
            fields={
                "email": email,
                "first_name": first,
                "last_name": last,
                "company": company,
                "title": title,
                "industry": industry,
                "employee_count": employees,
                "country": country,
                "source": source,
                "utm_source": "newsletter" if campaign else "",
                "utm_campaign": campaign,
                "owner": people[owner] if owner else None,
                "team": Team.objects.get(name=team) if team else None,
            },
        )
        if status != LeadStatus.NEW:
            lead_change_status(actor=people["admin"], lead_id=lead.pk, status=status)
        created = True
    return created
