"""One row of a lead file checked against the lead's rules (crm.imports.cells and crm.imports.rows do
the work every import shares): the fields it sets, or what is wrong and where."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from django.contrib.postgres.fields import ArrayField

from crm.imports import cells
from crm.imports.cells import CellError, Cleaner, max_length, shown, unguarded
from crm.imports.rows import CheckedRow, Problem, RowChecker, split_full_name
from leads.models import Lead
from leads.services.leads import normalize_email, normalize_phone

from .mapping import source_names, source_value

TAG_SEPARATORS = re.compile(r"[,;|]")
IDENTITY = ("first_name", "last_name", "email", "company")


@dataclass(frozen=True)
class LeadRow(CheckedRow):
    @property
    def email_key(self) -> str:
        return normalize_email(self.fields.get("email", ""))

    @property
    def phone_key(self) -> str:
        return normalize_phone(self.fields.get("phone", ""))

    @property
    def name_key(self) -> str:
        """Only for rows with neither email nor phone: their name and company are all there is to match."""
        if self.email_key or self.phone_key:
            return ""
        return name_key(*(self.fields.get(name, "") for name in ("first_name", "last_name", "company")))


def name_key(first_name: str, last_name: str, company: str) -> str:
    return "|".join(" ".join(part.casefold().split()) for part in (first_name, last_name, company))


def _max_length(name: str) -> int:
    return max_length(Lead, name)


def _source(value: str) -> str:
    source = source_value(value)
    if source is None:
        raise CellError(f"{shown(value)} is not a lead source we know; use one of: {source_names()}.")
    return source


def _tags(value: str) -> list[str]:
    limit = int(cast("ArrayField[Any, Any]", Lead._meta.get_field("tags")).base_field.max_length or 0)
    tags: list[str] = []
    for part in TAG_SEPARATORS.split(value):
        tag = unguarded(part.strip())
        if len(tag) > limit:
            raise CellError(f"The tag {shown(tag)} is longer than {limit} characters.")
        if tag and tag not in tags:
            tags.append(tag)
    return tags


CLEANERS: dict[str, Cleaner] = {
    **{
        name: cells.text(_max_length(name))
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
            "external_id",
        )
    },
    "external_source": cells.external_source(_max_length("external_source")),
    "full_name": cells.full_name(Lead),
    "email": cells.email(_max_length("email")),
    "phone": cells.phone(_max_length("phone"), digits_of=normalize_phone),
    "website": cells.website(_max_length("website")),
    "employee_count": cells.whole_number("employees"),
    "source": _source,
    "tags": _tags,
}


class LeadRowChecker(RowChecker):
    cleaners: ClassVar[dict[str, Cleaner]] = CLEANERS
    row_class = LeadRow

    def complete(self, fields: dict[str, Any], problems: list[Problem]) -> None:
        split_full_name(fields)
        if not problems and not any(fields.get(name) for name in IDENTITY):
            problems.append(Problem("", "No name, email address or company: a lead needs at least one."))
