"""What the apps above leads add to the lead page without leads importing them.

Sales adds its "Convert" button and, on a converted lead, the link to the deal it became. Each app
registers in `AppConfig.ready()` a template for a slot and a function that reads what the template
shows, or None when it has nothing for this user and lead (one or two queries, never one per row).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from crm.models import User

from .models import Lead

# "actions": buttons in the page header; "conversion": links in the "Converted on ..." line.
Slot = Literal["actions", "conversion"]
ExtraContext = Callable[[User, Lead], dict[str, Any] | None]


@dataclass(frozen=True)
class LeadExtra:
    slot: Slot
    template_name: str
    context: ExtraContext


@dataclass(frozen=True)
class ShownExtra:
    """Ready to include: `{% include extra.template_name with extra=extra.context %}`."""

    template_name: str
    context: dict[str, Any]


_extras: list[LeadExtra] = []


def register_lead_extra(slot: Slot, template_name: str, context: ExtraContext) -> None:
    """Registering the same template twice (a second ready()) changes nothing."""
    if not any(extra.template_name == template_name for extra in _extras):
        _extras.append(LeadExtra(slot, template_name, context))


def lead_extras(*, user: User, lead: Lead) -> dict[str, list[ShownExtra]]:
    shown: dict[str, list[ShownExtra]] = {"actions": [], "conversion": []}
    for extra in _extras:
        context = extra.context(user, lead)
        if context is not None:
            shown[extra.slot].append(ShownExtra(extra.template_name, context))
    return shown
