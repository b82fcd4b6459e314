"""Panels that the apps above the kernel add to a record's page: the account and contact pages, and the
pages of the apps' own records (a lead's).

The kernel draws the customer pages but cannot import sales, orders or support, and leads cannot import
sales; each of those apps registers its panels in `AppConfig.ready()`: a template, and a function that
reads what the template shows (a fixed number of queries, whatever the data size) or None when the panel
has nothing to say to this user. The same registry names record types the way people say them on these
pages ("deal").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Model

from crm.models import User

# Where a panel goes: buttons beside the page title, the narrow column, the wide one, or a link in the
# record's status line (what a converted lead became, after "Converted on ...").
Slot = Literal["actions", "side", "main", "status"]
PanelContext = Callable[[User, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class RecordPanel:
    model: type[Model]
    template_name: str
    context: PanelContext
    slot: Slot
    position: int


@dataclass(frozen=True)
class ShownPanel:
    """A panel ready to include: `{% include panel.template_name with panel=panel.context %}`."""

    template_name: str
    context: dict[str, Any]


_panels: list[RecordPanel] = []


def register_record_panel(
    model: type[Model],
    template_name: str,
    context: PanelContext,
    *,
    slot: Slot = "main",
    position: int = 100,
) -> None:
    """Adds a panel to the detail page of `model` (Account, Contact, Lead); registering twice changes
    nothing."""
    if any(p.model is model and p.template_name == template_name for p in _panels):
        return
    _panels.append(RecordPanel(model, template_name, context, slot, position))
    _panels.sort(key=lambda p: (p.position, p.template_name))


def record_panels(*, user: User, record: Model) -> dict[str, list[ShownPanel]]:
    """The panels of the record's page by slot, in position order, without those with nothing to show."""
    shown: dict[str, list[ShownPanel]] = {"actions": [], "side": [], "main": [], "status": []}
    for panel in _panels:
        if panel.model is not type(record):
            continue
        context = panel.context(user, record)
        if context is not None:
            shown[panel.slot].append(ShownPanel(panel.template_name, context))
    return shown
