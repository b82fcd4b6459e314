"""The demo's people: a login for every role, two sales teams with their managers."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from crm.models import Role, Team, User

DEMO_PASSWORD = "demo-pass-123"  # noqa: S105  (printed for every newcomer on purpose)

# (username, first name, last name, role, team)
DEMO_USERS = [
    ("admin", "Ada", "Admin", Role.ADMIN, None),
    ("manager", "Maria", "Lopez", Role.SALES_MANAGER, "East"),
    ("rep", "Ravi", "Patel", Role.SALES_REP, "East"),
    ("alex", "Alex", "Kim", Role.SALES_REP, "East"),
    ("west", "Wendy", "Stone", Role.SALES_MANAGER, "West"),
    ("sam", "Sam", "Okafor", Role.SALES_REP, "West"),
    ("nina", "Nina", "Weber", Role.SALES_REP, "West"),
    ("marketer", "Mia", "Chen", Role.MARKETER, None),
    ("support", "Sven", "Berg", Role.SUPPORT_AGENT, None),
]
DEMO_LOGINS = [
    (u, DEMO_PASSWORD, Role(role).label)
    for u, _, _, role, _ in DEMO_USERS
    if u in {"admin", "manager", "rep", "marketer", "support"}
]
SELLERS = ("manager", "rep", "alex", "west", "sam", "nina")
# What the generated people (contacts, leads) are called.
FIRST_NAMES = (
    "Aisha", "Ben", "Carla", "Diego", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemal", "Lena",
    "Mateo", "Nora", "Omar", "Paula", "Quentin", "Rosa", "Stefan", "Tara", "Umar", "Vera", "Wim", "Ximena",
    "Yusuf", "Zoe", "Amara", "Bruno", "Chloe", "Dmitri", "Erin", "Felix", "Greta", "Hassan", "Ivy", "Jamal",
    "Kaito", "Lucia", "Milan", "Nadia", "Oscar", "Priya", "Rahul", "Sofia", "Tomas", "Uma", "Viktor", "Wen",
)  # fmt: skip
LAST_NAMES = (
    "Andersen", "Baptiste", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hoffmann", "Ito", "Jensen",
    "Kowalski", "Laurent", "Moreau", "Nakamura", "Okonkwo", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka",
    "Urban", "Varga", "Walsh", "Xu", "Yilmaz", "Zimmermann", "Adeyemi", "Bauer", "Chen", "Delgado", "Evans",
    "Fontaine", "Gallagher", "Haddad", "Ibrahim", "Jovanovic", "Keller", "Lindqvist", "Murphy", "Novak",
)  # fmt: skip


def seed_people() -> tuple[dict[str, User], bool]:
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in ("East", "West")}
    usernames = [row[0] for row in DEMO_USERS]
    missing = set(usernames) - set(
        User.objects.filter(username__in=usernames).values_list("username", flat=True)
    )
    # One hash for every demo login: hashing takes a third of a second each, and they share the password
    # printed for everyone anyway.
    password = make_password(DEMO_PASSWORD) if missing else ""
    people = {}
    for username, first, last, role, team_name in DEMO_USERS:
        people[username], _ = User.objects.get_or_create(
            username=username,
            defaults={
                "password": password,
                "first_name": first,
                "last_name": last,
                "role": role,
                "email": f"{username}@crm.localhost",
                "team": teams[team_name] if team_name else None,
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
            },
        )
    for name, team in teams.items():
        if team.manager_id is None:
            team.manager = people["manager" if name == "East" else "west"]
            team.save(update_fields=["manager"])
    return people, bool(missing)
