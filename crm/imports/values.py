"""Values mapped, not refused: the cells of a choice column (a stage, an owner, a product...) read as the
product's values.

A cell is its value when it names exactly one option, compared without case, spaces or punctuation
(its label or one of its aliases: "Closed Won" is the won stage, "ann@example.com" is Ann). Otherwise the
preview lists the column's distinct cells, suggests the nearest option for a near miss (a product spelled
with other spacing, an industry with a typo) and lets the user choose; a suggestion is never applied
until the user starts the import with it. A cell still unmapped is a row error naming the value.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .cells import CellError, shown
from .mapping import squash

# A near miss: the share of matching characters (difflib's ratio) of the squashed forms.
NEAR = 0.8
# The distinct cells a column's list shows (a file has a handful of stages or owners, not thousands).
MOST_DISTINCT = 200


def comparable(name: str) -> str:
    """A name as cells are compared: squashed, or as it is when it is all symbols ("€", "$")."""
    return squash(name) or name.strip()


@dataclass(frozen=True)
class Option:
    key: str  # what the import stores: a primary key or a choice's value
    label: str  # what the user reads
    aliases: tuple[str, ...] = ()
    value: Any = None  # what the record gets (the Stage, the User...); the key itself when None


class ValueSet:
    """The options a choice column maps to; `what` names one option in messages ("stage")."""

    def __init__(
        self, what: str, options: Iterable[Option], *, split: Callable[[str], list[str]] | None = None
    ) -> None:
        self.what = what
        self.split = split  # a cell that lists several values ("Widget; Gadget x 2"): its values
        self.options = list(options)
        self._by_key = {option.key: option for option in self.options}
        self._index: dict[str, set[str]] = {}
        for option in self.options:
            for name in (option.label, option.key, *option.aliases):
                if comparable(name):
                    self._index.setdefault(comparable(name), set()).add(option.key)

    def exact(self, cell: str) -> str | None:
        """The option the cell names, when it names exactly one."""
        keys = self._index.get(comparable(cell), set())
        return next(iter(keys)) if len(keys) == 1 else None

    def named(self, cell: str) -> list[Option]:
        """Every option the cell names ("Won" may be the won stage of several pipelines)."""
        return [self._by_key[key] for key in sorted(self._index.get(comparable(cell), set()))]

    def suggest(self, cell: str) -> str | None:
        """The option nearest to a cell that names none (never applied without the user)."""
        near = difflib.get_close_matches(comparable(cell), list(self._index), n=1, cutoff=NEAR)
        keys = self._index[near[0]] if near else set()
        return next(iter(keys)) if len(keys) == 1 else None

    def option(self, key: str) -> Option | None:
        return self._by_key.get(key)


class ValueReader:
    """Reads one column's cells under the user's choices ({cell: option key})."""

    def __init__(self, values: ValueSet, chosen: Mapping[str, str]) -> None:
        self.values = values
        self.chosen = chosen

    def __call__(self, cell: str) -> Any:
        key = self.chosen.get(cell) or self.values.exact(cell)
        option = self.values.option(key) if key else None
        if option is None:
            what = self.values.what
            raise CellError(
                f"{shown(cell)} matches no {what}; choose one for it under “Values” in the preview."
            )
        return option.key if option.value is None else option.value


@dataclass(frozen=True)
class ValueItem:
    cell: str
    rows: int  # how many rows have it
    exact: str | None
    suggested: str | None
    chosen: str | None  # the user's choice, if any

    @property
    def initial(self) -> str:
        """What the page's select shows: the user's choice, else the exact match, else the suggestion."""
        return self.chosen or self.exact or self.suggested or ""


@dataclass(frozen=True)
class ValueGroup:
    field: str
    column: str  # the file's header
    values: ValueSet
    items: list[ValueItem]
    more: bool  # the column has more distinct cells than listed

    @property
    def unmatched(self) -> list[ValueItem]:
        return [item for item in self.items if not item.exact]


def value_groups(
    columns: Mapping[str, tuple[int, str]],
    value_sets: Mapping[str, ValueSet],
    rows: Iterable[tuple[str, ...]],
    chosen: Mapping[str, Mapping[str, str]],
) -> list[ValueGroup]:
    """The distinct cells of each mapped choice column ({field: (index, header)}), in one pass over the
    file, with how each reads."""
    fields = [name for name in value_sets if name in columns]
    counts: dict[str, Counter[str]] = {name: Counter() for name in fields}
    for cells in rows:
        for name in fields:
            index, split = columns[name][0], value_sets[name].split
            cell = cells[index].strip() if index < len(cells) else ""
            for part in (split(cell) if split else [cell]) if cell else ():
                if part in counts[name] or len(counts[name]) < MOST_DISTINCT:
                    counts[name][part] += 1
    groups = []
    for name in fields:
        options = value_sets[name]
        items = [
            ValueItem(cell, count, options.exact(cell), options.suggest(cell), chosen.get(name, {}).get(cell))
            for cell, count in sorted(counts[name].items(), key=lambda pair: (-pair[1], pair[0]))
        ]
        groups.append(ValueGroup(name, columns[name][1], options, items, len(counts[name]) >= MOST_DISTINCT))
    return groups
