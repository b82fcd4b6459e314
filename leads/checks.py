from typing import Any

from django.core.checks import Error, register

from .models import STATUS_TRANSITIONS, LeadStatus


@register()
def every_lead_status_has_transitions(**kwargs: Any) -> list[Error]:
    """Proves at start-up that the transition table covers every status, in both directions."""
    missing = set(LeadStatus.values) - set(STATUS_TRANSITIONS)
    unknown = {target for targets in STATUS_TRANSITIONS.values() for target in targets} - set(
        LeadStatus.values
    )
    return [
        Error(f"Lead status {status!r} has no entry in STATUS_TRANSITIONS.", id="leads.E001")
        for status in sorted(missing)
    ] + [
        Error(f"STATUS_TRANSITIONS names unknown status {status!r}.", id="leads.E002")
        for status in sorted(unknown)
    ]
