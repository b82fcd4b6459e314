from typing import Any

from django.core.management.base import BaseCommand

from crm.demo.seeding import seed_demo


class Command(BaseCommand):
    help = (
        "Creates demo users for every role and a year of customers, leads and deals dated from today; "
        "running it twice changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = seed_demo()
        self.stdout.write("Demo data created." if changed else "Demo data already present; nothing changed.")
