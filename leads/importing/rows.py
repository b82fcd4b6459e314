"""One row of a file checked against the lead's rules: the fields it sets, or what is wrong and where.

Text is stored as the file gives it, as the lead form stores what a person types: "=SUM(A1)" in a name
or company stays "=SUM(A1)". Such formula-looking text is made harmless where it leaves the CRM for a
spreadsheet (the export and the rejected-rows file, see leads.exporting.spreadsheet), not here. A cell
with the apostrophe those files put before formula-looking text ("'=SUM(A1)") is read back without it,
so that a file exported or rejected by the CRM imports again as it was. Fields with a format (email,
phone, website, employees, source) accept no formula: such a cell fails its format check and the row is
reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db.models import CharField

from crm.lists.exporting import spreadsheet_safe
from leads.models import Lead
from leads.services.leads import normalize_email, normalize_phone

from .mapping import IGNORE, implied_source, source_names, source_value
from .parsing import Row

FORMULA_STARTS = ("=", "+", "-", "@")
PHONE = re.compile(r"^\+?[\d(][\d\s().\-/]*$")
PHONE_DIGITS = range(7, 16)
THOUSANDS_SEPARATORS = re.compile(r"[\s,'’]")
WHOLE_NUMBER = re.compile(r"^\d+(?:\.0+)?$")
LARGEST_EMPLOYEE_COUNT = 2_147_483_647  # PostgreSQL's integer
TAG_SEPARATORS = re.compile(r"[,;|]")
SHOWN_CHARS = 60
IDENTITY = ("first_name", "last_name", "email", "company")


class Invalid(ValueError):
    """A cell's value breaks its field's rule; the message says how, for the person who typed it."""


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
    def email_key(self) -> str:
        return normalize_email(self.fields.get("email", ""))

    @property
    def phone_key(self) -> str:
        return normalize_phone(self.fields.get("phone", ""))

    @property
    def external_key(self) -> str:
        """Source and id together, "" without an id: the key that names one lead in any import."""
        return external_key(self.fields.get("external_source", ""), self.fields.get("external_id", ""))

    @property
    def name_key(self) -> str:
        """Only for rows with neither email nor phone: their name and company are all there is to match."""
        if self.email_key or self.phone_key:
            return ""
        return name_key(*(self.fields.get(name, "") for name in ("first_name", "last_name", "company")))


def external_key(source: str, external_id: str) -> str:
    return f"{source}\x1f{external_id}" if external_id else ""


def name_key(first_name: str, last_name: str, company: str) -> str:
    return "|".join(" ".join(part.casefold().split()) for part in (first_name, last_name, company))


def unguarded(value: str) -> str:
    """The cell without the apostrophe a spreadsheet-safe file puts before formula-looking text."""
    if value.startswith("'") and spreadsheet_safe(value[1:]) == value:
        return value[1:]
    return value


def shown(value: str) -> str:
    """A cell quoted in a message, shortened so that one message never outgrows its column."""
    return f'"{value}"' if len(value) <= SHOWN_CHARS else f'"{value[:SHOWN_CHARS]}…"'


def _max_length(name: str) -> int:
    return int(cast("CharField[Any, Any]", Lead._meta.get_field(name)).max_length or 0)


def _text(name: str) -> Callable[[str], str]:
    limit = _max_length(name)

    def clean(value: str) -> str:
        value = unguarded(value)
        if len(value) > limit:
            raise Invalid(f"Longer than {limit} characters ({len(value)}).")
        return value

    return clean


def _email(value: str) -> str:
    try:
        if value.startswith(FORMULA_STARTS) or len(value) > _max_length("email"):
            raise ValidationError("invalid")
        validate_email(value)
    except ValidationError:
        raise Invalid(f"{shown(value)} is not a valid email address.") from None
    return value


def _phone(value: str) -> str:
    value = unguarded(value)  # a spreadsheet-safe file's "'+49 ...": the apostrophe only guards the cell
    if not PHONE.match(value) or len(normalize_phone(value)) not in PHONE_DIGITS:
        raise Invalid(
            f"{shown(value)} is not a plausible phone number: use 7 to 15 digits, with an optional "
            "leading + and spaces, dashes, dots or brackets."
        )
    if len(value) > _max_length("phone"):
        raise Invalid(f"Longer than {_max_length('phone')} characters ({len(value)}).")
    return value


def _website(value: str) -> str:
    url = value if "://" in value else f"https://{value}"
    try:
        if value.startswith(FORMULA_STARTS) or len(url) > _max_length("website"):
            raise ValidationError("invalid")
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise Invalid(f"{shown(value)} is not a web address (e.g. https://example.com).") from None
    return url


def _employees(value: str) -> int:
    number = THOUSANDS_SEPARATORS.sub("", value)
    if not WHOLE_NUMBER.match(number) or int(float(number)) > LARGEST_EMPLOYEE_COUNT:
        raise Invalid(f"{shown(value)} is not a whole number of employees.")
    return int(float(number))


def _source(value: str) -> str:
    source = source_value(value)
    if source is None:
        raise Invalid(f"{shown(value)} is not a lead source we know; use one of: {source_names()}.")
    return source


def _tags(value: str) -> list[str]:
    limit = int(cast("ArrayField[Any, Any]", Lead._meta.get_field("tags")).base_field.max_length or 0)
    tags: list[str] = []
    for part in TAG_SEPARATORS.split(value):
        tag = unguarded(part.strip())
        if len(tag) > limit:
            raise Invalid(f"The tag {shown(tag)} is longer than {limit} characters.")
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _external_source(value: str) -> str:
    source = unguarded(value).strip().lower()  # one system whatever its spelling's case
    if len(source) > _max_length("external_source"):
        raise Invalid(f"Longer than {_max_length('external_source')} characters ({len(source)}).")
    return source


def _full_name(value: str) -> tuple[str, str]:
    """ "Anna Maria Schmidt" -> ("Anna Maria", "Schmidt"); one word is a last name."""
    first, _, last = unguarded(value).rpartition(" ")
    parts = (first.strip(), last)
    for part, name in zip(parts, ("first_name", "last_name"), strict=True):
        if len(part) > _max_length(name):
            raise Invalid(f"The {name.replace('_', ' ')} is longer than {_max_length(name)} characters.")
    return parts


CLEANERS: dict[str, Callable[[str], Any]] = {
    **{
        name: _text(name)
        for name in (
            "first_name",
            "last_name",
            "company",
            "title",
            "industry",
            "country",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_term",
            "utm_content",
        )
    },
    "external_id": _text("external_id"),
    "external_source": _external_source,
    "full_name": _full_name,
    "email": _email,
    "phone": _phone,
    "website": _website,
    "employee_count": _employees,
    "source": _source,
    "tags": _tags,
}


class RowChecker:
    """Checks the rows of one file under one column mapping ({header: field})."""

    def __init__(self, headers: Sequence[str], mapping: Mapping[str, str]) -> None:
        self.width = len(headers)
        self.columns = [
            (index, header, mapping[header])
            for index, header in enumerate(headers)
            if mapping.get(header, IGNORE) != IGNORE
        ]
        id_header = next((header for _, header, name in self.columns if name == "external_id"), "")
        self.external_id_header = id_header
        self.implied_source = implied_source(id_header)

    def check(self, row: Row) -> CheckedRow:
        values = row.values
        if len(values) > self.width and not any(value.strip() for value in values[self.width :]):
            values = values[: self.width]  # a separator after the last value is harmless
        if len(values) != self.width:
            return CheckedRow(
                line=row.line,
                values=row.values,
                problems=(
                    Problem(
                        "",
                        f"The row has {len(values)} values but the header has {self.width} columns; "
                        "look for a missing or extra separator, or a value with a separator but no quotes.",
                    ),
                ),
            )
        fields: dict[str, Any] = {}
        problems: list[Problem] = []
        for index, header, name in self.columns:
            value = values[index].strip()
            if value:
                try:
                    fields[name] = CLEANERS[name](value)
                except Invalid as error:
                    problems.append(Problem(header, str(error)))
        _split_full_name(fields)
        if fields.get("external_id") and not fields.get("external_source"):
            if self.implied_source:
                fields["external_source"] = self.implied_source
            else:
                problems.append(
                    Problem(
                        self.external_id_header,
                        "An external id needs the system it comes from: map a column to External source, "
                        "or name the system in this column's header (e.g. Salesforce ID).",
                    )
                )
        if not problems and not any(fields.get(name) for name in IDENTITY):
            problems.append(Problem("", "No name, email address or company: a lead needs at least one."))
        return CheckedRow(line=row.line, values=values, fields=fields, problems=tuple(problems))


def _split_full_name(fields: dict[str, Any]) -> None:
    """A full-name column fills the first and last names that their own columns left empty."""
    first, last = fields.pop("full_name", ("", ""))
    if first and not fields.get("first_name"):
        fields["first_name"] = first
    if last and not fields.get("last_name"):
        fields["last_name"] = last
