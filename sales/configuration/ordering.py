"""Putting admin-ordered rows (stages, lost reasons, checklist items) in a new order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from crm.errors import Conflict


class Positioned(Protocol):
    pk: int
    position: int


P = TypeVar("P", bound=Positioned)


def in_new_order(rows: Sequence[P], ids: Sequence[int], *, what: str) -> list[P]:
    """`rows` in the order of `ids`, which must name each of them exactly once."""
    by_id = {row.pk: row for row in rows}
    if len(ids) != len(by_id) or set(ids) != set(by_id):
        raise Conflict(
            f"The {what} changed since this page was loaded; reload it and try again.", code="stale_order"
        )
    return [by_id[pk] for pk in ids]


def moved(rows: Sequence[P], pk: int, to: int) -> list[P]:
    """`rows` with the one whose id is `pk` moved to place `to` (0 is first, clamped to the ends)."""
    order = list(rows)
    row = next((row for row in order if row.pk == pk), None)
    if row is None:
        return order
    order.remove(row)
    order.insert(max(0, min(to, len(order))), row)
    return order


def changed_positions(rows: Sequence[P]) -> list[P]:
    """Numbers `rows` 0, 1, 2... and returns those whose position changed (for one bulk_update)."""
    changed = []
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            changed.append(row)
    return changed
