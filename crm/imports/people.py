"""Owner cells read as people: by email address, username or full name, in any case and spacing."""

from __future__ import annotations

from crm import access
from crm.models import User

from .values import Option, ValueSet


def people_values(actor: User) -> ValueSet:
    """The people `actor` may make owners (a company has few of them: one query, once per import)."""
    return ValueSet(
        "person you may make an owner",
        (
            Option(
                str(person.pk),
                person.get_full_name() or person.username,
                (person.email, person.username),
                person,
            )
            for person in access.assignable_owners(actor).order_by("first_name", "last_name", "username")
        ),
    )
