"""The importer of a record matched by keys (accounts, contacts, deals...): what every such import does.

A row names the record it updates by its keys, strongest first: the external id (source and id), then
the record type's own (a domain, an email address, a name...). The external id and the keys the record
type calls unique are never doubled: under "create anyway" a row that matches one updates its record.
A row whose external id an earlier row of the file had is an error (one id, one record); any other
repeat updates, or skips, the record of the earlier row. Per chunk: one query for the records the rows
name, one per kind of reference (a parent account, a contact's account...), then inserts and updates
with their history rows and one "created" event per new record naming the file, each COPied into a
staging table and written from it (crm.imports.copying): a few statements whatever the chunk's size.
No per-record notification: each owner hears once, at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db.models import ForeignKey, Model, Q, QuerySet
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone

from crm import access
from crm.models import DuplicatePolicy, LifecycleEvent, NotificationKind, RecordImport, User
from crm.models.imports import FileImportProblem
from crm.timeline.notifications import notification_send
from crm.timeline.rollup import rollup_account_id

from .cells import CellError, Reference, shown, whole_number
from .copying import records_insert, records_update
from .mapping import ImportField
from .parsing import Row
from .people import people_values
from .rows import CheckedRow, RowChecker
from .running import Tally, problems_save, row_problems
from .storage import stored_table
from .values import ValueReader, ValueSet

Key = tuple[str, str]  # ("external", "salesforce\x1f001A"), ("domain", "example.com")...
M = TypeVar("M", bound=Model)


# The column an export of this CRM writes, so that the file imports back as updates of those records.
RECORD_ID = ImportField("record_id", "CRM record ID (updates that record)", ("crmrecordid",))


def present_keys(*keys: Key) -> list[Key]:
    """The keys a row or a record has (an empty cell names nothing)."""
    return [(kind, value) for kind, value in keys if value]


class KeyedRowChecker(RowChecker):
    """Reads the CRM record ID column every keyed record type has."""

    read_record_id = staticmethod(whole_number("record id", smallest=1, largest=2**63 - 1))

    def clean(self, name: str, value: str) -> Any:
        return str(self.read_record_id(value)) if name == "record_id" else super().clean(name, value)


class ReferenceProblem(CellError):
    """A cell naming another record that cannot be found; `field` says which column to blame."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Plan(Generic[M]):
    creates: list[M] = field(default_factory=list)
    updates: dict[int, M] = field(default_factory=dict)
    links: list[tuple[M, str, Model]] = field(default_factory=list)  # (record, field, a new record)
    notes: list[FileImportProblem] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)


class KeyedImporter(Generic[M]):
    model: ClassVar[type[Model]]
    record: ClassVar[str]  # "account"
    checker_class: ClassVar[type[KeyedRowChecker]]
    created_event: ClassVar[str | None]  # None: the record type has no lifecycle events (people, teams)
    list_url: ClassVar[str]
    key_names: ClassVar[dict[str, str]]  # {"external": "external id", "domain": "domain", ...}
    unique_keys: ClassVar[frozenset[str]] = frozenset({"external"})
    lock_key: ClassVar[int]

    def __init__(self, record_import: RecordImport) -> None:
        self.record_import = record_import
        self.actor = record_import.created_by
        self.owner = record_import.owner or self.actor
        self.checker: RowChecker | None = None
        self.lines: dict[Key, int] = {}  # the file's earlier rows by key, across chunks

    # What a record type says -------------------------------------------------------------------------

    def row_keys(self, row: CheckedRow) -> list[Key]:
        """The row's own keys, strongest first (the CRM record ID comes before them)."""
        raise NotImplementedError

    def record_keys(self, record: M) -> list[Key]:
        raise NotImplementedError

    def _row_keys(self, row: CheckedRow) -> list[Key]:
        record_id = row.fields.get("record_id")
        return [("pk", record_id), *self.row_keys(row)] if record_id else self.row_keys(row)

    def _record_keys(self, record: M) -> list[Key]:
        return [("pk", str(record.pk)), *self.record_keys(record)] if record.pk else self.record_keys(record)

    def key_condition(self, kind: str, values: list[str]) -> Q:
        """The records whose key of `kind` is one of `values` (external ids are the kernel's)."""
        raise NotImplementedError

    def new_record(self, row: CheckedRow) -> M:
        return self.model(owner=self.owner)  # type: ignore[return-value]

    def prefetch(self, rows: Sequence[CheckedRow]) -> None:
        """Loads the records the chunk's rows refer to (one query per kind of reference)."""

    def references(self, row: CheckedRow, new_records: dict[Key, M]) -> dict[str, Model]:
        """{field: record} for the row's references; raises ReferenceProblem."""
        return {}

    def written_fields(self) -> list[str]:
        """The fields a bulk update writes."""
        raise NotImplementedError

    def may_see(self, record: M) -> bool:
        return access.can(self.actor, "view", record)

    def refusal(self, record: M) -> str:
        """Why the import may not change `record` ("" when it may)."""
        return "" if access.can(self.actor, "change", record) else "which you may not change"

    def event_data(self, record: M) -> dict[str, Any]:
        """What the record's "created" event says besides its name and the file."""
        return {}

    def event_time(self, record: M) -> datetime:
        """When the record's "created" event happened (an imported deal's own created date)."""
        return timezone.now()

    def after_write(self, plan: Plan[M]) -> None:
        """What the record type writes besides the records (a deal's lines and stage history)."""

    def value_sets(self) -> dict[str, ValueSet]:
        """The choice columns' options (crm.imports.values): the owner's by default."""
        return {"owner": people_values(self.actor)}

    # The machinery -----------------------------------------------------------------------------------

    def check(self, row: Row) -> CheckedRow:
        if self.checker is None:
            headers = stored_table(self.record_import).headers
            chosen = self.record_import.values
            readers = {
                name: ValueReader(values, chosen.get(name, {})) for name, values in self.value_sets().items()
            }
            self.checker = self.checker_class(
                headers,
                self.record_import.mapping,
                values=readers,
                date_order=self.record_import.date_order,
                time_zone=ZoneInfo(self.actor.time_zone),
            )
        return self.checker.check(row)

    def key_name(self, key: Key) -> str:
        return "CRM record ID" if key[0] == "pk" else self.key_names[key[0]]

    def header(self, name: str) -> str:
        return self.checker.headers.get(name, "") if self.checker else ""

    def named(self, record: M) -> str:
        """The record as a message names it; one the importer may not see is not named."""
        if not self.may_see(record):
            return f"a {self.record} you may not see"
        return f"{self.record} #{record.pk} ({record})"

    def find(self, keys: Sequence[Key], *, lock: bool = False, visible: bool = False) -> dict[Key, list[M]]:
        """The records the keys name, in one query; `visible`: only those the importer may see (what a
        row refers to; the records a row updates are matched among all, so that none is doubled)."""
        condition = Q(pk__in=[])
        by_kind: dict[str, list[str]] = {}
        for kind, value in keys:
            by_kind.setdefault(kind, []).append(value)
        for kind, values in by_kind.items():
            if kind == "pk":
                condition |= Q(pk__in=[int(value) for value in values])
            elif kind == "external":  # one index scan per source, not one per id
                ids_by_source: dict[str, list[str]] = {}
                for value in values:
                    source, external_id = value.split("\x1f")
                    ids_by_source.setdefault(source, []).append(external_id)
                for source, ids in ids_by_source.items():
                    # "Not empty" lets PostgreSQL use the external key's partial unique index.
                    condition |= Q(external_source=source, external_id__in=ids) & ~Q(external_id="")
            else:
                condition |= self.key_condition(kind, values)
        records: QuerySet[M] = self.queryset().filter(condition).order_by("pk")
        if visible:
            records = access.visible(self.actor, records)
        if lock:
            records = records.select_for_update(of=("self",))
        found: dict[Key, list[M]] = {}
        for record in records:
            for key in self._record_keys(record):
                found.setdefault(key, []).append(record)
        return found

    def queryset(self) -> QuerySet[M]:
        return self.model._default_manager.all()  # type: ignore[return-value]

    def duplicates(self, rows: Sequence[CheckedRow]) -> list[str]:
        existing = self.find([key for row in rows if row.ok for key in self._row_keys(row)])
        seen: dict[Key, int] = {}
        found = []
        for row in rows:
            keys = self._row_keys(row) if row.ok else []
            earlier = next((key for key in keys if key in seen), None)
            known = next((key for key in keys if key in existing), None)
            if earlier is not None:
                found.append(f"same {self.key_name(earlier)} as line {seen[earlier]}")
            elif known is not None:
                found.append(f"same {self.key_name(known)} as {self.named(existing[known][0])}")
            else:
                found.append("")
            for key in keys:
                seen.setdefault(key, row.line)
        return found

    def write(self, rows: Sequence[CheckedRow]) -> Tally:
        ok = [row for row in rows if row.ok]
        lock = self.record_import.duplicate_policy != DuplicatePolicy.SKIP
        existing = self.find([key for row in ok for key in self._row_keys(row)], lock=lock)
        self.prefetch(ok)
        plan: Plan[M] = Plan()
        new_records: dict[Key, M] = {}  # this chunk's new records by key
        for row in rows:
            if not row.ok:
                plan.notes.extend(row_problems(self.record_import, row))
                plan.tally.errors += 1
                continue
            keys = self._row_keys(row)
            earlier = next((key for key in keys if key in self.lines), None)
            if earlier is not None and earlier[0] in ("pk", "external"):
                message = (
                    f"Not imported: same {self.key_name(earlier)} as line {self.lines[earlier]}; "
                    f"it names one {self.record}, so give it one row."
                )
                self._error(plan, row, "", message)
                continue
            try:
                references = self.references(row, new_records)
            except ReferenceProblem as problem:
                self._error(plan, row, self.header(problem.field), str(problem))
                continue
            for key in keys:
                self.lines.setdefault(key, row.line)
            record = self._target(plan, row, keys, earlier, existing, new_records)
            if record is not None:
                self._refer(plan, record, references, row)
        self._apply(plan)
        plan.tally.created = len(plan.creates)
        return plan.tally

    def _target(
        self,
        plan: Plan[M],
        row: CheckedRow,
        keys: list[Key],
        earlier: Key | None,
        existing: dict[Key, list[M]],
        new_records: dict[Key, M],
    ) -> M | None:
        """The record the row creates or updates, or None when it is skipped (with its note)."""
        policy = self.record_import.duplicate_policy
        known = next((key for key in keys if key in existing), None)
        pending = next((new_records[key] for key in keys if key in new_records), None)
        unique = known is not None and known[0] in {"pk", *self.unique_keys}
        if (known is None and pending is None) or (
            policy == DuplicatePolicy.CREATE and not unique and pending is None
        ):
            record = self.new_record(row)
            self._set(record, row.fields)
            plan.creates.append(record)
            # By the row's keys, not the record's: a key that reads a reference (a deal's account) is
            # not on the record until the references are set.
            for key in keys:
                new_records.setdefault(key, record)
            return record
        if policy == DuplicatePolicy.SKIP:
            same = earlier or known
            assert same is not None  # noqa: S101  (a pending record comes from an earlier line)
            what = f"line {self.lines[same]}" if same is earlier else self.named(existing[same][0])
            self._skip(plan, row, f"Skipped: same {self.key_name(same)} as {what}.")
            return None
        if pending is not None:
            self._set(pending, row.fields)
            plan.tally.updated += 1
            return pending
        assert known is not None  # noqa: S101  (no pending record, so an existing one)
        matches = existing[known]
        if len(matches) > 1:
            others = [key for key in self.key_names if key != known[0]]
            message = (
                f"Not updated: {len(matches)} {self.record}s have this {self.key_name(known)}; "
                f"give the row the one's {' or '.join(self.key_names[key] for key in others)}."
            )
            self._skip(plan, row, message)
            return None
        record = matches[0]
        if refusal := self.refusal(record):
            self._skip(plan, row, f"Not updated: {self.named(record)}, {refusal}.")
            return None
        if self._set(record, row.fields):
            plan.updates[record.pk] = record
        plan.tally.updated += 1
        return record

    def _set(self, record: M, fields: dict[str, Any]) -> bool:
        """Sets the row's non-empty values (an empty cell never blanks a field); True when one changed.
        References (cells naming other records) are set by `_refer`; other cells (a deal's products) by
        `after_write`."""
        written = set(self.written_fields())
        changed = False
        for name, value in fields.items():
            if name in written and not isinstance(value, Reference) and _differs(record, name, value):
                setattr(record, name, value)
                changed = True
        return changed

    def _refer(self, plan: Plan[M], record: M, references: dict[str, Model], row: CheckedRow) -> None:
        for name, target in references.items():
            if target is record:
                message = f"A {self.record} cannot refer to itself; the rest of the row was imported."
                plan.notes.append(
                    self.record_import.problem(line=row.line, field=self.header(name), message=message)
                )
            elif target.pk is None:
                plan.links.append((record, name, target))  # set once both are saved
            elif getattr(record, f"{name}_id") != target.pk:
                setattr(record, name, target)
                if record.pk is not None:
                    plan.updates[record.pk] = record

    def _error(self, plan: Plan[M], row: CheckedRow, column: str, message: str) -> None:
        plan.notes.append(self.record_import.problem(line=row.line, field=column, message=message))
        plan.tally.errors += 1

    def _skip(self, plan: Plan[M], row: CheckedRow, message: str) -> None:
        plan.notes.append(self.record_import.problem(line=row.line, message=message))
        plan.tally.skipped += 1

    def _apply(self, plan: Plan[M]) -> None:
        """Writes the plan in a few statements (with their history rows); inside the chunk's transaction."""
        if plan.creates:
            self._create(plan.creates)
        if plan.creates and self.created_event:
            content_type = ContentType.objects.get_for_model(self.model)
            records_insert(
                LifecycleEvent,
                [
                    LifecycleEvent(
                        type=self.created_event,
                        actor=self.actor,
                        content_type=content_type,
                        object_id=record.pk,
                        account_id=rollup_account_id(record),
                        occurred_at=self.event_time(record),
                        data={
                            "name": str(record),
                            **self.event_data(record),
                            "file": self.record_import.original_name,
                            "import_id": self.record_import.pk,
                        },
                    )
                    for record in plan.creates
                ],
            )
        for record, name, target in plan.links:
            setattr(record, name, target)
            plan.updates[record.pk] = record
        if plan.updates:
            now = timezone.now()
            for record in plan.updates.values():
                if hasattr(record, "updated_at"):
                    record.updated_at = now
            self._update(list(plan.updates.values()))
        self.after_write(plan)
        problems_save(plan.notes)

    def _create(self, records: list[M]) -> None:
        records_insert(self.model, records, history_user=self.actor)  # its history says who imported it

    def _update(self, records: list[M]) -> None:
        records_update(self.model, records, self.written_fields(), history_user=self.actor)

    def summary(self, tally: Tally) -> str:
        return ""

    def finish(self, tally: Tally) -> None:
        """One notification per owner given records by someone else: how many, never one per record."""
        if self.created_event is None:
            return
        created = LifecycleEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(self.model),
            type=self.created_event,
            data__import_id=self.record_import.pk,
        ).values("object_id")
        owners = self.queryset().filter(pk__in=created).exclude(owner=None).values_list("owner_id", flat=True)
        counts = Counter(owners)
        counts.pop(self.actor.pk, None)
        for owner in User.objects.filter(pk__in=counts):
            count = counts[owner.pk]
            notification_send(
                recipient=owner,
                kind=NotificationKind.ASSIGNED,
                message=f"{self.actor} imported {count:,} {self.record}{pluralize(count)} for you.",
                url=reverse(self.list_url),
            )


def _differs(record: Model, name: str, value: Any) -> bool:
    """Whether setting `value` changes the record; a related record is compared by id, which reading
    the record's own would cost a query per row."""
    field = record._meta.get_field(name)
    if isinstance(field, ForeignKey):
        return bool(getattr(record, field.attname) != (value.pk if value is not None else None))
    return bool(getattr(record, name) != value)


def referenced(
    field: str, cell: str, keys: list[Key], found: dict[Key, list[Any]], pending: dict[Key, Any], record: str
) -> Any:
    """The record a reference cell names: a new record of this chunk first, else one found by `keys` in
    their order (an external id before a name). Raises ReferenceProblem naming the cell."""
    for key in keys:
        if key in pending:
            return pending[key]
        matches = found.get(key, [])
        if len(matches) > 1:
            raise ReferenceProblem(
                field, f"{len(matches)} {record}s are named {shown(cell)}; give the {record}'s external id."
            )
        if matches:
            return matches[0]
    raise ReferenceProblem(field, f"No {record} is named {shown(cell)} or has it as its external id.")
