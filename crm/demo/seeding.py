"""Demo data for `make run`: a user for every role, and a year of customers with their history.

The kernel seeds the people, forty accounts with their contacts, and their timeline; each app above it
adds its own book through `register_demo_seeder` (AppConfig.ready), reading the customers back from the
database. Every choice comes from a fixed random.Random and every date is relative to today, so the
book is the same, and current, whenever it is seeded.

Rows are written in bulk the way the services write them one at a time (history rows, lifecycle
events, the account each timeline row rolls up to, due reminders already sent), because the services
take tens of seconds for a few thousand rows. Each record has a natural key (username, account domain,
contact email; the apps: lead email, deal name): a record that exists is skipped with its timeline, so
seeding twice writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from crm.demo.customers import seed_customers
from crm.demo.people import seed_people
from crm.models import User

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
    people, created = seed_people()
    created = seed_customers(people) or created
    for seeder in _seeders:
        created = seeder(people) or created
    return created
