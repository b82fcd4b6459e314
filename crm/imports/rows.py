"""One row of a file checked under a column mapping: the fields it sets, or what is wrong and where."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any, ClassVar

from .cells import CellError, Cleaner, date
from .mapping import IGNORE, implied_source
from .parsing import Row
from .values import ValueReader


@dataclass(frozen=True)
class Problem:
    column: str  # the file's own column name; "" when the problem is the whole row
    message: str

    def __str__(self) -> str:
        return f"{self.column}: {self.message}" if self.column else self.message


@dataclass(frozen=True)
class CheckedRow:
    line: int
    values: tuple[str, ...]
    fields: dict[str, Any] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def external_key(self) -> str:
        """Source and id together, "" without an id: the key that names one record in any import."""
        return external_key(self.fields.get("external_source", ""), self.fields.get("external_id", ""))


def external_key(source: str, external_id: str) -> str:
    return f"{source}\x1f{external_id}" if external_id else ""


class RowChecker:
    """Checks the rows of one file under one column mapping ({header: field}) with the record type's
    `cleaners` ({field: cell -> value}); `complete` adds the checks that read several fields."""

    cleaners: ClassVar[Mapping[str, Cleaner]]
    date_fields: ClassVar[frozenset[str]] = frozenset()
    row_class: ClassVar[type[CheckedRow]] = CheckedRow

    def __init__(
        self,
        headers: Sequence[str],
        mapping: Mapping[str, str],
        *,
        values: Mapping[str, ValueReader] = {},
        date_order: str = "",
        time_zone: tzinfo = UTC,
    ) -> None:
        self.values = values  # the choice columns' readers (crm.imports.values)
        self.read_date = date(date_order)
        self.time_zone = time_zone  # where a date without a time is a day (the uploader's)
        self.width = len(headers)
        self.columns = [
            (index, header, mapping[header])
            for index, header in enumerate(headers)
            if mapping.get(header, IGNORE) != IGNORE
        ]
        self.headers = {name: header for _, header, name in self.columns}
        self.implied_source = implied_source(self.headers.get("external_id", ""))

    def check(self, row: Row) -> CheckedRow:
        values = row.values
        if len(values) > self.width and not any(value.strip() for value in values[self.width :]):
            values = values[: self.width]  # a separator after the last value is harmless
        if len(values) != self.width:
            message = (
                f"The row has {len(values)} values but the header has {self.width} columns; "
                "look for a missing or extra separator, or a value with a separator but no quotes."
            )
            return self.row_class(line=row.line, values=row.values, problems=(Problem("", message),))
        fields: dict[str, Any] = {}
        problems: list[Problem] = []
        for index, header, name in self.columns:
            value = values[index].strip()
            if value:
                try:
                    fields[name] = self.clean(name, value)
                except CellError as error:
                    problems.append(Problem(header, str(error)))
        self._external_source(fields, problems)
        self.complete(fields, problems)
        return self.row_class(line=row.line, values=values, fields=fields, problems=tuple(problems))

    def clean(self, name: str, value: str) -> Any:
        if name in self.date_fields:
            return self.read_date(value)
        reader = self.values.get(name) or self.cleaners[name]
        return reader(value)

    def complete(self, fields: dict[str, Any], problems: list[Problem]) -> None:
        """The record type's checks across fields; appends to `problems`."""

    def _external_source(self, fields: dict[str, Any], problems: list[Problem]) -> None:
        if not fields.get("external_id") or fields.get("external_source"):
            return
        if self.implied_source:
            fields["external_source"] = self.implied_source
        else:
            problems.append(
                Problem(
                    self.headers["external_id"],
                    "An external id needs the system it comes from: map a column to External source, "
                    "or name the system in this column's header (e.g. Salesforce ID).",
                )
            )


def split_full_name(fields: dict[str, Any]) -> None:
    """A full-name column fills the first and last names that their own columns left empty."""
    first, last = fields.pop("full_name", ("", ""))
    if first and not fields.get("first_name"):
        fields["first_name"] = first
    if last and not fields.get("last_name"):
        fields["last_name"] = last
