"""Demo data for `make run`: a user for every role, and customers with a believable history.

Everything is keyed by a natural key (username, team name, account domain, contact email), so
seeding twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from crm.models import Account, ActivityKind, Contact, LifecycleStage, Role, Team, User
from crm.services.customers import account_create, contact_create
from crm.services.timeline import activity_log, task_create

DEMO_PASSWORD = "demo-pass-123"  # noqa: S105  (printed for every newcomer on purpose)

# (username, first name, last name, role, team)
DEMO_USERS = [
    ("admin", "Ada", "Admin", Role.ADMIN, None),
    ("manager", "Maria", "Lopez", Role.SALES_MANAGER, "East"),
    ("rep", "Ravi", "Patel", Role.SALES_REP, "East"),
    ("alex", "Alex", "Kim", Role.SALES_REP, "East"),
    ("west", "Wendy", "Stone", Role.SALES_MANAGER, "West"),
    ("sam", "Sam", "Okafor", Role.SALES_REP, "West"),
    ("marketer", "Mia", "Chen", Role.MARKETER, None),
    ("support", "Sven", "Berg", Role.SUPPORT_AGENT, None),
]
DEMO_LOGINS = [
    (u, DEMO_PASSWORD, Role(role).label)
    for u, _, _, role, _ in DEMO_USERS
    if u in {"admin", "manager", "rep", "marketer", "support"}
]

# (name, domain, industry, size, city, country, stage, owner)
DEMO_ACCOUNTS = [
    (
        "Northwind Traders",
        "northwind.example",
        "Wholesale",
        "201-1000",
        "Seattle",
        "United States",
        "customer",
        "rep",
    ),
    (
        "Globex Corporation",
        "globex.example",
        "Manufacturing",
        "1001-5000",
        "Springfield",
        "United States",
        "prospect",
        "rep",
    ),
    ("Initech", "initech.example", "Software", "51-200", "Austin", "United States", "prospect", "rep"),
    (
        "Umbrella Health",
        "umbrella-health.example",
        "Healthcare",
        "5000+",
        "London",
        "United Kingdom",
        "customer",
        "alex",
    ),
    (
        "Stark Logistics",
        "stark-logistics.example",
        "Logistics",
        "201-1000",
        "Hamburg",
        "Germany",
        "prospect",
        "alex",
    ),
    (
        "Wayne Analytics",
        "wayne-analytics.example",
        "Software",
        "11-50",
        "Toronto",
        "Canada",
        "churned",
        "manager",
    ),
    ("Soylent Foods", "soylent.example", "Food & Beverage", "51-200", "Lyon", "France", "prospect", "sam"),
    ("Tyrell Robotics", "tyrell.example", "Manufacturing", "1001-5000", "Osaka", "Japan", "customer", "sam"),
    (
        "Cyberdyne Systems",
        "cyberdyne.example",
        "Software",
        "201-1000",
        "Sunnyvale",
        "United States",
        "prospect",
        "west",
    ),
    ("Hooli", "hooli.example", "Software", "5000+", "Palo Alto", "United States", "prospect", None),
]

# (account domain, first, last, title, email)
DEMO_CONTACTS = [
    ("northwind.example", "Nancy", "Davolio", "Head of Purchasing", "nancy@northwind.example"),
    ("northwind.example", "Andrew", "Fuller", "VP Sales", "andrew@northwind.example"),
    ("globex.example", "Hank", "Scorpio", "CEO", "hank@globex.example"),
    ("initech.example", "Bill", "Lumbergh", "Division VP", "bill@initech.example"),
    ("initech.example", "Joanna", "Rivera", "Operations Lead", "joanna@initech.example"),
    ("umbrella-health.example", "Alice", "Abernathy", "CTO", "alice@umbrella-health.example"),
    ("stark-logistics.example", "Pepper", "Potts", "COO", "pepper@stark-logistics.example"),
    ("wayne-analytics.example", "Lucius", "Fox", "Head of R&D", "lucius@wayne-analytics.example"),
    ("soylent.example", "Sol", "Roth", "Procurement", "sol@soylent.example"),
    ("tyrell.example", "Rachael", "Tyrell", "Director", "rachael@tyrell.example"),
    ("cyberdyne.example", "Miles", "Dyson", "Engineering Manager", "miles@cyberdyne.example"),
]


# Apps above the kernel add their own demo data (AppConfig.ready): the kernel never imports them.
DemoSeeder = Callable[[dict[str, User]], bool]
_seeders: list[DemoSeeder] = []


def register_demo_seeder(seeder: DemoSeeder) -> None:
    """`seeder(people)` gets the demo users by username and returns whether it created anything."""
    if seeder not in _seeders:
        _seeders.append(seeder)


@transaction.atomic
def seed_demo() -> bool:
    """Creates the demo data that is missing; returns whether anything was created."""
    created = False
    people = {}
    for username, first, last, role, team_name in DEMO_USERS:
        user, is_new = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "role": role,
                "email": f"{username}@crm.localhost",
            },
        )
        if is_new:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = role == Role.ADMIN
            if team_name:
                user.team, _ = Team.objects.get_or_create(name=team_name)
            user.save()
            created = True
        people[username] = user
    for team in Team.objects.filter(manager__isnull=True, name__in=["East", "West"]):
        team.manager = people["manager" if team.name == "East" else "west"]
        team.save()

    admin = people["admin"]
    now = timezone.now()
    for name, domain, industry, size, city, country, stage, owner in DEMO_ACCOUNTS:
        if Account.objects.filter(domain=domain).exists():
            continue
        actor = people[owner] if owner else admin
        account = account_create(
            actor=actor,
            fields={
                "name": name,
                "domain": domain,
                "industry": industry,
                "size": size,
                "billing_city": city,
                "billing_country": country,
                "lifecycle_stage": LifecycleStage(stage),
                "owner": people[owner] if owner else None,
            },
        )
        activity_log(
            actor=actor,
            target=account,
            kind=ActivityKind.CALL,
            subject="Discovery call",
            body=f"Talked through {name}'s current tooling and who signs off on new software.",
            occurred_at=now - timedelta(days=6),
        )
        activity_log(
            actor=actor,
            target=account,
            kind=ActivityKind.NOTE,
            subject="Next steps",
            body="Send the security questionnaire and a draft proposal.",
            occurred_at=now - timedelta(days=2),
        )
        if owner:
            task_create(
                actor=actor, title=f"Follow up with {name}", due_at=now + timedelta(days=2), target=account
            )
            task_create(
                actor=actor, title=f"Send proposal to {name}", due_at=now - timedelta(days=1), target=account
            )
        created = True

    for domain, first, last, title, email in DEMO_CONTACTS:
        if Contact.objects.filter(email=email).exists():
            continue
        account = Account.objects.select_related("owner").get(domain=domain)
        contact_create(
            actor=account.owner or admin,
            fields={
                "first_name": first,
                "last_name": last,
                "title": title,
                "email": email,
                "account": account,
                "owner": account.owner,
                "email_consent": "granted",
            },
        )
        created = True
    for seeder in _seeders:
        created = seeder(people) or created
    return created
