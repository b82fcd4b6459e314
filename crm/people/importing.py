"""Importing the company's people and teams (admins only), before the records they own.

A user row matches the user with its email address, else its username; a new user gets no password
(they set one through "Forgot your password?", or an admin sets it). A team row matches the team with
its name. An admin's own row is never changed by an import: a file cannot lock its importer out.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from crm.imports import cells
from crm.imports.cells import Cleaner, max_length
from crm.imports.keyed import Key, KeyedImporter, KeyedRowChecker, present_keys
from crm.imports.mapping import ImportField, ImportFields
from crm.imports.people import people_values
from crm.imports.registry import RecordType
from crm.imports.rows import CheckedRow, Problem, split_full_name
from crm.imports.values import Option, ValueSet
from crm.models import Role, Team, User

USER_FIELDS = ImportFields(
    (
        ImportField("username", "Username", ("username", "login", "userid", "alias")),
        ImportField("first_name", "First name", ("firstname", "first", "givenname")),
        ImportField("last_name", "Last name", ("lastname", "last", "surname", "familyname")),
        ImportField("full_name", "Full name (split into first and last name)", ("fullname", "name", "user")),
        ImportField("email", "Email", ("email", "emailaddress", "workemail")),
        ImportField("role", "Role", ("role", "profile", "userrole", "permissionset", "usertype")),
        ImportField("team", "Team", ("team", "teamname", "salesteam", "group")),
    ),
    record="user",
    identity=frozenset({"email"}),
    identity_message="Map a column to the email address: every user needs one.",
)
ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    Role.ADMIN: ("administrator", "systemadministrator", "superadmin", "superuser"),
    Role.SALES_MANAGER: ("manager", "salesmanager", "teamlead", "teamleader", "salesdirector"),
    Role.SALES_REP: (
        "rep",
        "salesrep",
        "salesperson",
        "accountexecutive",
        "ae",
        "sdr",
        "bdr",
        "standarduser",
    ),
    Role.MARKETER: ("marketing", "marketinguser", "marketingmanager"),
    Role.SUPPORT_AGENT: ("support", "agent", "supportagent", "serviceagent", "customerservice"),
}


class UserRowChecker(KeyedRowChecker):
    cleaners: ClassVar[dict[str, Cleaner]] = {
        "username": cells.text(max_length(User, "username")),
        "first_name": cells.text(max_length(User, "first_name")),
        "last_name": cells.text(max_length(User, "last_name")),
        "full_name": cells.full_name(User),
        "email": cells.email(max_length(User, "email")),
    }

    def complete(self, fields: dict[str, Any], problems: list[Problem]) -> None:
        split_full_name(fields)
        if not problems and not fields.get("email"):
            problems.append(
                Problem("", "No email address: every user needs one, to sign in and be told things.")
            )
        elif "username" not in fields and fields.get("email"):
            fields["username"] = fields["email"].lower()  # their email signs them in until they choose


class UserImporter(KeyedImporter[User]):
    model = User
    record = "user"
    checker_class = UserRowChecker
    created_event = None
    list_url = "admin:crm_user_changelist"
    key_names = {"email": "email address", "username": "username"}
    unique_keys = frozenset({"email", "username"})
    lock_key = 4

    def row_keys(self, row: CheckedRow) -> list[Key]:
        return present_keys(
            ("email", row.fields.get("email", "").casefold()), ("username", row.fields.get("username", ""))
        )

    def record_keys(self, record: User) -> list[Key]:
        return present_keys(("email", record.email.casefold()), ("username", record.username))

    def queryset(self) -> QuerySet[User]:
        return User.objects.annotate(email_lower=Lower("email"))

    def key_condition(self, kind: str, values: list[str]) -> Q:
        return Q(email_lower__in=values) if kind == "email" else Q(username__in=values)

    def written_fields(self) -> list[str]:
        return ["username", "first_name", "last_name", "email", "role", "team"]

    def value_sets(self) -> dict[str, ValueSet]:
        return {
            "role": ValueSet(
                "role", (Option(value, str(label), ROLE_ALIASES[value]) for value, label in Role.choices)
            ),
            "team": ValueSet(
                "team", (Option(str(team.pk), team.name, (), team) for team in Team.objects.order_by("name"))
            ),
        }

    def new_record(self, row: CheckedRow) -> User:
        user = User(role=Role.SALES_REP)
        user.set_unusable_password()
        return user

    def may_see(self, record: User) -> bool:
        return True  # the import is an admin's

    def refusal(self, record: User) -> str:
        return (
            "who is you: change your own account on your settings page" if record.pk == self.actor.pk else ""
        )


TEAM_FIELDS = ImportFields(
    (
        ImportField("name", "Team name", ("teamname", "name", "team")),
        ImportField(
            "manager", "Manager (email address or name)", ("manager", "teammanager", "lead", "teamlead")
        ),
    ),
    record="team",
    identity=frozenset({"name"}),
    identity_message="Map a column to the team name: every team needs one.",
)


class TeamRowChecker(KeyedRowChecker):
    cleaners: ClassVar[dict[str, Cleaner]] = {"name": cells.text(max_length(Team, "name"))}

    def complete(self, fields: dict[str, Any], problems: list[Problem]) -> None:
        if not problems and not fields.get("name"):
            problems.append(Problem("", "No team name: every team needs one."))


class TeamImporter(KeyedImporter[Team]):
    model = Team
    record = "team"
    checker_class = TeamRowChecker
    created_event = None
    list_url = "admin:crm_team_changelist"
    key_names = {"name": "name"}
    unique_keys = frozenset({"name"})
    lock_key = 5

    def row_keys(self, row: CheckedRow) -> list[Key]:
        return [("name", row.fields["name"].casefold())] if row.fields.get("name") else []

    def record_keys(self, record: Team) -> list[Key]:
        return [("name", record.name.casefold())]

    def queryset(self) -> QuerySet[Team]:
        return Team.objects.annotate(name_lower=Lower("name"))

    def key_condition(self, kind: str, values: list[str]) -> Q:
        return Q(name_lower__in=values)

    def written_fields(self) -> list[str]:
        return ["name", "manager"]

    def value_sets(self) -> dict[str, ValueSet]:
        managers = people_values(self.actor)
        return {"manager": ValueSet("manager", managers.options)}

    def new_record(self, row: CheckedRow) -> Team:
        return Team()

    def may_see(self, record: Team) -> bool:
        return True  # the import is an admin's

    def refusal(self, record: Team) -> str:
        return ""


USERS = RecordType(
    kind="users",
    label="Users",
    model=User,
    fields=USER_FIELDS,
    importer=UserImporter,
    list_url="admin:crm_user_changelist",
    admins_only=True,
)
TEAMS = RecordType(
    kind="teams",
    label="Teams",
    model=Team,
    fields=TEAM_FIELDS,
    importer=TeamImporter,
    list_url="admin:crm_team_changelist",
    admins_only=True,
)
