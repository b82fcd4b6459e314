"""Importing activities (calls, notes, meetings, emails) with their dates, on any record (crm.imports.keyed
does the matching and writing).

An activity keeps the moment it happened: a date and time as the file gives it (in the uploader's time
zone unless the cell names its own), or a date alone at noon of that day where the uploader is, as a
deal's dates are. Every kind is a record of something that took place, so a moment still to come is
refused. Its kind and author are choice columns (crm.imports.values): "Log a Call" is a call, and the
preview lists the kinds and people it cannot read for the user to choose.

A row is on exactly one record, named in the column of its record type: the kernel's Account (name,
domain or external id) and Contact (email address or external id), and those that upper apps register
in their `AppConfig.ready()` with `register_activity_target` (sales a Deal, leads a Lead). The activity
rolls up to that record's account (crm.timeline.rollup), so the account's 360 view shows it.

A row updates the activity with its external id (source and id), else the one on the same record with
the same kind, moment and subject: a file imported twice never doubles its activities. Imported
activities are history: they neither notify anyone nor start the timers a logged activity does (a lead's
first touch), and only admins import them (no access policy governs activities: whoever may see a
record adds to its timeline one activity at a time).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Model, Q, QuerySet
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from crm import access
from crm.imports import cells
from crm.imports.cells import CellError, Cleaner, max_length, shown
from crm.imports.keyed import (
    Key,
    KeyedImporter,
    KeyedRowChecker,
    Plan,
    ReferenceProblem,
    referenced,
)
from crm.imports.mapping import ImportField, ImportFields, external_id_fields
from crm.imports.people import people_values
from crm.imports.registry import RecordType
from crm.imports.rows import CheckedRow, Problem, external_key
from crm.imports.running import Tally
from crm.imports.values import Option, ValueSet
from crm.models import Account, Activity, ActivityKind, Contact, RecordImport, User
from crm.timeline.rollup import rollup_account_id

# The longest notes a cell may bring (the field itself has no limit).
BODY_LIMIT = 100_000


# The records an activity may be on ------------------------------------------------------------------


@dataclass(frozen=True)
class TargetKey:
    """One way a cell names a record besides its external id: the record's `field`, compared in `case`
    (the case its index is in: Upper, Lower, or None for as stored) with the cell as `reads` gives it
    ("" when the cell cannot be such a key, e.g. a name without a dot is no domain)."""

    kind: str  # "email", "name", "domain"
    field: str
    case: type[Upper] | type[Lower] | None = Upper
    reads: Callable[[str], str] = str.strip

    def of_cell(self, cell: str) -> str:
        value = self.reads(cell)
        if self.case is Upper:
            return value.upper()
        return value.lower() if self.case is Lower else value


@dataclass(frozen=True)
class ActivityTarget:
    """A record type activities can be imported on: the column naming the record, and how a cell names
    one (its external id, from the row's source, then `find_keys` in their order)."""

    field: str  # the column's field: "deal"
    label: str  # "Deal (its external id or name)"
    synonyms: tuple[str, ...]  # compared after crm.imports.mapping.squash
    model: type[Model]  # externally keyed (crm.models.external), with an access policy
    find_keys: tuple[TargetKey, ...] = ()

    @property
    def record(self) -> str:
        return str(self.model._meta.verbose_name)

    def import_field(self) -> ImportField:
        return ImportField(self.field, self.label, self.synonyms)

    def cell_keys(self, cell: str, source: str) -> list[Key]:
        """The keys a cell may be, strongest first."""
        keys: list[Key] = [("external", external_key(source, cell))]
        return [*keys, *((key.kind, value) for key in self.find_keys if (value := key.of_cell(cell)))]

    def find(self, keys: Sequence[Key], *, user: User) -> dict[Key, list[Model]]:
        """The records `user` may see that the keys name, in one query."""
        records = self.model._default_manager.annotate(
            **{_annotation(key): key.case(key.field) if key.case else F(key.field) for key in self.find_keys}
        )
        condition = Q(pk__in=[])
        by_kind: dict[str, list[str]] = {}
        for kind, value in keys:
            by_kind.setdefault(kind, []).append(value)
        for value in by_kind.pop("external", []):
            source, external_id = value.split("\x1f", 1)
            condition |= Q(external_source=source, external_id=external_id)
        for key in self.find_keys:
            if key.kind in by_kind:
                condition |= Q(**{f"{_annotation(key)}__in": by_kind[key.kind]})
        found: dict[Key, list[Model]] = {}
        for record in access.visible(user, records.filter(condition)).order_by("pk"):
            source, external_id = getattr(record, "external_source", ""), getattr(record, "external_id", "")
            record_keys = [("external", external_key(source, external_id))] if external_id else []
            record_keys += [
                (key.kind, value) for key in self.find_keys if (value := getattr(record, _annotation(key)))
            ]
            for record_key in record_keys:
                found.setdefault(record_key, []).append(record)
        return found


def _annotation(key: TargetKey) -> str:
    return f"activity_target_{key.kind}"


def _domain(cell: str) -> str:
    """ "https://www.Example.com/about" -> "example.com"; "" for a cell that is no web address."""
    if "." not in cell or " " in cell.strip():
        return ""
    host = cell.strip().casefold().split("://")[-1].split("/")[0]
    return host.removeprefix("www.")


ACCOUNT_TARGET = ActivityTarget(
    "account",
    "Account (its name, domain or external id)",
    (
        "account",
        "accountname",
        "associatedcompany",
        "company",
        "companyname",
        "activityorganization",
        "organization",
        "organizationname",
        "relatedaccount",
        "accountid",
    ),
    Account,
    (TargetKey("domain", "domain", Upper, _domain), TargetKey("name", "name")),
)
CONTACT_TARGET = ActivityTarget(
    "contact",
    "Contact (their email address or external id)",
    ("contact", "contactemail", "associatedcontact", "activityperson", "person", "personemail"),
    Contact,
    (TargetKey("email", "email", Lower),),
)

# The kernel's own record types first; the upper apps' follow in the order they register theirs.
_targets: dict[str, ActivityTarget] = {target.field: target for target in (ACCOUNT_TARGET, CONTACT_TARGET)}


def register_activity_target(target: ActivityTarget) -> None:
    """Lets activities be imported on `target`'s records, in a column of its own (call it in ready())."""
    _targets[target.field] = target
    FIELDS.rebuild()


def activity_targets() -> list[ActivityTarget]:
    return list(_targets.values())


# The columns -----------------------------------------------------------------------------------------

COLUMNS = (
    ImportField(
        "kind",
        "Kind (call, note, meeting, email)",
        ("activitytype", "type", "activitykind", "kind", "tasksubtype", "subtype", "engagementtype"),
    ),
    ImportField(
        "subject",
        "Subject",
        (
            "subject",
            "activitysubject",
            "title",
            "activitytitle",
            "calltitle",
            "emailsubject",
            "meetingname",
            "meetingtitle",
        ),
    ),
    ImportField(
        "body",
        "Notes",
        (
            "body",
            "comments",
            "description",
            "notes",
            "activitynote",
            "activitynotes",
            "note",
            "comment",
            "activitybody",
            "callnotes",
            "meetingnotes",
            "emailbody",
            "details",
        ),
    ),
    ImportField(
        "occurred_at",
        "Date (a date, or a date and time)",
        (
            "activitydate",
            "date",
            "activityduedate",
            "duedate",
            "occurredat",
            "occurred",
            "activitydatetime",
            "timestamp",
            "calldate",
            "meetingdate",
            "emaildate",
            "startdate",
            "starttime",
            "meetingstarttime",
            "completeddate",
            "createddate",
        ),
    ),
    ImportField(
        "time",
        "Time (when the date column has none)",
        ("time", "activitytime", "activityduetime", "duetime"),
    ),
    ImportField(
        "author",
        "Author (email address or name)",
        (
            "assigned",
            "assignedto",
            "activityassignedto",
            "activityassignedtouser",
            "assignedtouser",
            "owner",
            "activityowner",
            "owneremail",
            "ownername",
            "author",
            "createdby",
            "loggedby",
            "user",
        ),
    ),
)


class ActivityFields(ImportFields):
    """The activity columns: the fixed ones, one per record type an activity may be on (the identity:
    a row needs one), and the external id; rebuilt when an app registers a record type."""

    def __init__(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        targets = activity_targets()
        names = [target.record for target in targets]
        listed = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        super().__init__(
            (
                *COLUMNS,
                *(target.import_field() for target in targets),
                *external_id_fields(
                    "activity", "activityid", "taskid", "eventid", "engagementid", "callid", "meetingid"
                ),
            ),
            record="activity",
            identity=frozenset(target.field for target in targets),
            identity_message=f"Map a column to the record each activity is on: its {listed}.",
        )


FIELDS = ActivityFields()

# What other CRMs call each kind (compared after squash, as the kind's own label and value are).
KIND_ALIASES: dict[str, tuple[str, ...]] = {
    ActivityKind.CALL: (
        "phonecall",
        "logacall",
        "loggedcall",
        "calllog",
        "calls",
        "outboundcall",
        "inboundcall",
    ),
    ActivityKind.NOTE: ("notes", "loggednote", "comment"),
    ActivityKind.MEETING: ("event", "meetings", "loggedmeeting", "appointment"),
    ActivityKind.EMAIL: ("emails", "mail", "loggedemail", "sentemail", "emailsent"),
}


# The cells -------------------------------------------------------------------------------------------

# A date, then optionally a time: "2024-03-31 14:30", "2024-03-31T14:30:00Z", "03/31/2024 2:30 PM",
# "31 Mar 2024 14:30:00 +02:00".
MOMENT = re.compile(
    r"^(?P<date>.*?\d)(?:(?:\s+|T)(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[ap]\.?\s?m\.?)?"
    r"\s*(?:z|utc|gmt|[+-]\d{2}:?\d{2})?))?$",
    re.IGNORECASE,
)
TIME = re.compile(
    r"^(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?\s*"
    r"(?:(?P<half>[ap])\.?\s?m\.?)?\s*(?P<zone>z|utc|gmt|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
NOON = datetime.time(12)


def read_time(value: str) -> tuple[datetime.time, datetime.tzinfo | None]:
    """ "14:30", "2:30 PM", "14:30:00Z", "14:30+02:00" -> the time, and the zone it names (None: none)."""
    match = TIME.match(value.strip())
    if not match:
        raise CellError(f"{shown(value)} is not a time of day (e.g. 14:30 or 2:30 PM).")
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
    if half := (match["half"] or "").lower():
        if not 1 <= hour <= 12:
            raise CellError(f"{shown(value)} is not a time of day (e.g. 14:30 or 2:30 PM).")
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise CellError(f"{shown(value)} is not a time of day (e.g. 14:30 or 2:30 PM).")
    zone = (match["zone"] or "").lower()
    tz: datetime.tzinfo | None = None
    if zone in ("z", "utc", "gmt"):
        tz = datetime.UTC
    elif zone:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tz = datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return datetime.time(hour, minute, second), tz


@dataclass(frozen=True)
class Moment:
    """A date cell as read: the day, and the time of day when the cell gives one."""

    day: datetime.date
    time: datetime.time | None = None
    zone: datetime.tzinfo | None = None


class ActivityRowChecker(KeyedRowChecker):
    cleaners: ClassVar[dict[str, Cleaner]] = {
        "subject": cells.text(max_length(Activity, "subject")),
        "body": cells.text(BODY_LIMIT),
        "external_id": cells.text(max_length(Activity, "external_id")),
        "external_source": cells.external_source(max_length(Activity, "external_source")),
    }
    # A record's name, email address, domain or external id.
    read_reference = staticmethod(cells.reference(254))

    def clean(self, name: str, value: str) -> Any:
        if name == "occurred_at":
            return self._moment(value)
        if name == "time":
            return read_time(value)
        if name in _targets:
            return self.read_reference(value)
        return super().clean(name, value)

    def _moment(self, value: str) -> Moment:
        match = MOMENT.match(value.strip())
        if not match or not match["time"]:
            return Moment(self.read_date(value))
        day = self.read_date(match["date"])
        time, zone = read_time(match["time"])
        if time == datetime.time(0) and zone is None:
            return Moment(day)  # a spreadsheet's date cell ("2024-03-31 00:00:00") is a day
        return Moment(day, time, zone)

    def complete(self, fields: dict[str, Any], problems: list[Problem]) -> None:
        self._one_record(fields, problems)
        self._when(fields, problems)
        if not problems and not (fields.get("subject") or fields.get("body")):
            problems.append(Problem("", "No subject and no notes: an activity needs one of them."))

    def _one_record(self, fields: dict[str, Any], problems: list[Problem]) -> None:
        named = [target for target in activity_targets() if target.field in fields]
        if len(named) == 1:
            return
        if not named:
            columns = [
                f"“{self.headers[target.field]}”"
                for target in activity_targets()
                if target.field in self.headers
            ]
            problems.append(
                Problem(
                    "",
                    f"No record to put the activity on: fill one of {_either(columns)}."
                    if columns
                    else "No record to put the activity on.",
                )
            )
            return
        cells_named = [f"“{self.headers[target.field]}” ({fields[target.field]})" for target in named]
        problems.append(
            Problem(
                "",
                f"An activity is on one record, and this row names {len(named)}: "
                f"{' and '.join(cells_named)}; keep one of them.",
            )
        )

    def _when(self, fields: dict[str, Any], problems: list[Problem]) -> None:
        """`occurred_at` becomes the moment: the day at the row's time, else at noon where the uploader is."""
        time_of_day = fields.pop("time", None)
        moment: Moment | None = fields.pop("occurred_at", None)
        column = self.headers.get("occurred_at", "")
        if moment is None:
            if column and not any(problem.column == column for problem in problems):
                problems.append(Problem(column, "No date: an imported activity keeps the day it took place."))
            elif not column:
                problems.append(Problem("", "No date: map the column of the day each activity took place."))
            return
        time, zone = (moment.time, moment.zone) if moment.time is not None else (time_of_day or (None, None))
        local = timezone.localtime(timezone.now(), self.time_zone)
        if time is None:
            if moment.day > local.date():
                problems.append(
                    Problem(
                        column, f"{moment.day:%Y-%m-%d} is still to come: log an activity once it took place."
                    )
                )
            fields["occurred_at"] = datetime.datetime.combine(moment.day, NOON, self.time_zone)
            return
        at = datetime.datetime.combine(moment.day, time, zone or self.time_zone)
        if at > timezone.now():
            shown_at = timezone.localtime(at, self.time_zone)
            problems.append(
                Problem(
                    column, f"{shown_at:%Y-%m-%d %H:%M} is still to come: log an activity once it took place."
                )
            )
        fields["occurred_at"] = at


def _either(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


# The importer ----------------------------------------------------------------------------------------


class ActivityImporter(KeyedImporter[Activity]):
    model = Activity
    record = "activity"
    checker_class = ActivityRowChecker
    list_url = "account-list"  # no list of activities: they show on each record and its account
    key_names = {"external": "external id", "same": "record, kind, date and subject"}
    # An activity is a timeline row itself: no "created" event, no notification, and no signal either
    # (a lead's first touch is not a call imported from years ago).
    created_event = None
    lock_key = 6

    def __init__(self, record_import: RecordImport) -> None:
        super().__init__(record_import)
        self.targets: dict[int, Model | ReferenceProblem] = {}  # the chunk's rows' records, by line
        self.content_types: dict[type[Model], int] = {}

    # The records the rows are on, found before anything else is (the rows' keys name them).

    def _resolve(self, rows: Sequence[CheckedRow]) -> None:
        """Finds the record each row is on: one query per record type the chunk names."""
        targets = activity_targets()
        named: dict[
            int, tuple[ActivityTarget, str, list[Key]]
        ] = {}  # line -> its record's column, cell, keys
        wanted: dict[str, list[Key]] = {}
        for row in rows:
            target = next((target for target in targets if row.ok and target.field in row.fields), None)
            if target is not None:
                cell = str(row.fields[target.field])
                keys = target.cell_keys(cell, row.fields.get("external_source", ""))
                named[row.line] = (target, cell, keys)
                wanted.setdefault(target.field, []).extend(keys)
        found = {field: _targets[field].find(keys, user=self.actor) for field, keys in wanted.items()}
        self.targets = {}
        for line, (target, cell, keys) in named.items():
            try:
                self.targets[line] = referenced(
                    target.field, cell, keys, found[target.field], {}, target.record
                )
            except ReferenceProblem as problem:
                self.targets[line] = problem

    def duplicates(self, rows: Sequence[CheckedRow]) -> list[str]:
        self._resolve(rows)
        return super().duplicates(rows)

    def write(self, rows: Sequence[CheckedRow]) -> Tally:
        self._resolve(rows)
        return super().write(rows)

    def references(self, row: CheckedRow, new_records: dict[Key, Activity]) -> dict[str, Model]:
        target = self.targets[row.line]
        if isinstance(target, ReferenceProblem):
            raise target
        return {"target": target}

    def _content_type_id(self, model: type[Model]) -> int:
        if model not in self.content_types:
            self.content_types[model] = ContentType.objects.get_for_model(model).pk
        return self.content_types[model]

    def _put_on(self, activity: Activity, target: Model) -> bool:
        """Puts the activity on `target`, rolled up to its account; True when that changed anything."""
        on = (self._content_type_id(type(target)), target.pk, rollup_account_id(target))
        if (activity.content_type_id, activity.object_id, activity.account_id) == on:
            return False
        activity.content_type_id, activity.object_id, activity.account_id = on
        return True

    # The keys: the external id, else the record, kind, moment and subject.

    def row_keys(self, row: CheckedRow) -> list[Key]:
        keys: list[Key] = [("external", row.external_key)] if row.external_key else []
        target = self.targets.get(row.line)
        if isinstance(target, Model) and "occurred_at" in row.fields:
            kind = row.fields.get("kind", ActivityKind.NOTE)
            at, subject = row.fields["occurred_at"], row.fields.get("subject", "")
            keys.append(("same", _same(self._content_type_id(type(target)), target.pk, kind, at, subject)))
        return keys

    def record_keys(self, record: Activity) -> list[Key]:
        external = external_key(record.external_source, record.external_id)
        keys: list[Key] = [("external", external)] if external else []
        if record.content_type_id is not None:
            same = _same(
                record.content_type_id, record.object_id, record.kind, record.occurred_at, record.subject
            )
            keys.append(("same", same))
        return keys

    def key_condition(self, kind: str, values: list[str]) -> Q:
        """The activities on the rows' records at the rows' moments (a few more, whose keys then differ)."""
        parts = [value.split("\x1f", 4) for value in values]
        return Q(
            content_type_id__in={int(part[0]) for part in parts},
            object_id__in={int(part[1]) for part in parts},
            occurred_at__in={datetime.datetime.fromisoformat(part[3]) for part in parts},
        )

    # What the kernel's importer writes, for a record with neither owner nor history.

    def new_record(self, row: CheckedRow) -> Activity:
        activity = Activity(author=self.owner)
        target = self.targets[row.line]
        assert isinstance(target, Model)  # noqa: S101  (references() refused the row otherwise)
        self._put_on(activity, target)
        return activity

    def queryset(self) -> QuerySet[Activity]:
        return Activity.objects.select_related("author")  # compared with the rows' authors

    def written_fields(self) -> list[str]:
        return [
            "kind",
            "subject",
            "body",
            "occurred_at",
            "author",
            "external_id",
            "external_source",
            "content_type",
            "object_id",
            "account",
        ]

    def value_sets(self) -> dict[str, ValueSet]:
        return {
            "kind": ValueSet(
                "kind of activity",
                (
                    Option(value, str(label), KIND_ALIASES.get(value, ()))
                    for value, label in ActivityKind.choices
                ),
            ),
            "author": people_values(self.actor),
        }

    def may_see(self, record: Activity) -> bool:
        on = record.target
        return self.actor.is_admin or (on is not None and access.can(self.actor, "view", on))

    def refusal(self, record: Activity) -> str:
        """An activity has no access policy of its own: whoever may change its record may change it."""
        on = record.target
        if self.actor.is_admin or (on is not None and access.can(self.actor, "change", on)):
            return ""
        return "on a record you may not change"

    def _refer(
        self, plan: Plan[Activity], record: Activity, references: dict[str, Model], row: CheckedRow
    ) -> None:
        """The record an activity is on is a generic target (content type and id), not a foreign key."""
        if self._put_on(record, references["target"]) and record.pk is not None:
            plan.updates[record.pk] = record


def _same(content_type_id: int, object_id: int, kind: str, at: datetime.datetime, subject: str) -> str:
    """The key of an activity without an external id: its record, kind, moment and subject (any case)."""
    moment = at.astimezone(datetime.UTC).isoformat()
    return f"{content_type_id}\x1f{object_id}\x1f{kind}\x1f{moment}\x1f{subject.casefold()}"


ACTIVITIES = RecordType(
    kind="activities",
    label="Activities",
    model=Activity,
    fields=FIELDS,
    importer=ActivityImporter,
    list_url="account-list",
    admins_only=True,
    date_fields=frozenset({"occurred_at"}),
)
