"""Saved mappings (crm.models.SavedMapping) applied to a file: which of the file's headers a saved mapping
knows, and the column mapping, values and date order the file gets from it.

A header matches a saved one exactly or, failing that, as `mapping.squash` compares headers ("Account
Name" and "account_name"), so a source that changed its export's spelling still matches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crm.models import SavedMapping, User

from .mapping import IGNORE, ImportFields, squash
from .values import ValueSet


@dataclass(frozen=True)
class SavedMappingMatch:
    """A saved mapping measured against one file's headers."""

    saved: SavedMapping
    matched: int  # the file's headers the saved mapping knows
    headers: int  # the file's headers in all

    @property
    def covers(self) -> bool:
        return self.matched == self.headers

    @property
    def columns(self) -> int:
        return len(self.saved.mapping)


@dataclass(frozen=True)
class Applied:
    """A file's mapping, values and date order once a saved mapping is applied to them."""

    match: SavedMappingMatch
    mapping: dict[str, str]
    values: dict[str, dict[str, str]]
    date_order: str


def saved_field(saved: SavedMapping, header: str) -> str | None:
    """The field the saved mapping gives `header` ("" for a column it leaves out), or None if it does not
    know the header."""
    known: dict[str, str] = saved.mapping
    if header in known:
        return known[header]
    squashed = squash(header)
    return next((field for name, field in known.items() if squash(name) == squashed), None)


def saved_mapping_match(saved: SavedMapping, headers: Sequence[str]) -> SavedMappingMatch:
    matched = sum(1 for header in headers if saved_field(saved, header) is not None)
    return SavedMappingMatch(saved, matched, len(headers))


def saved_mapping_apply(
    saved: SavedMapping,
    *,
    fields: ImportFields,
    headers: Sequence[str],
    mapping: Mapping[str, str],
    values: Mapping[str, Mapping[str, str]],
    date_order: str,
    value_sets: Mapping[str, ValueSet],
) -> Applied:
    """The headers the saved mapping knows take its fields; the others keep theirs from `mapping` (the
    guess), unless the saved mapping gives that field to another column. Its values are added to
    `values`, except those naming an option the importing user does not have (another user's people);
    the file's own date order, when known, wins over the saved one."""
    known = {header: field for header in headers if (field := saved_field(saved, header)) is not None}
    known = {header: field if field in fields.labels else IGNORE for header, field in known.items()}
    taken = set(known.values()) - {IGNORE}
    applied = {
        header: known[header] if header in known else _unless_taken(mapping.get(header, IGNORE), taken)
        for header in headers
    }
    merged = {name: dict(cells) for name, cells in values.items()}
    for name, cells in saved.values.items():
        options = value_sets.get(name)
        if options is not None:
            usable = {cell: key for cell, key in cells.items() if options.option(key) is not None}
            if usable:
                merged.setdefault(name, {}).update(usable)
    match = SavedMappingMatch(saved, len(known), len(headers))
    return Applied(match, applied, merged, date_order or saved.date_order)


def _unless_taken(field: str, taken: set[str]) -> str:
    return IGNORE if field in taken else field


def saved_mapping_changeable(user: User, saved: SavedMapping) -> bool:
    """Everyone who may import the record type uses its saved mappings; only the person who saved one, or
    an admin, changes or deletes it."""
    return user.is_admin or (saved.created_by_id is not None and saved.created_by_id == user.pk)
