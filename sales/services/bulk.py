"""The deal list's bulk bar and the API's bulk endpoint: one deal write applied to many, each in its own
transaction, with a report of what was done and what was refused."""

from __future__ import annotations

from collections.abc import Iterable

from crm.errors import Invalid
from crm.lists.bulk import BulkResult, bulk_apply
from crm.models import User
from sales.models import LostReason, Stage

from .deals import deal_delete, deal_move, deal_update

BULK_ACTIONS = {
    "assign": "Assign to an owner",
    "move": "Move to a stage",
    "forecast": "Set the forecast category",
    "delete": "Delete",
}
MAX_BULK_DEALS = 500


def deals_bulk_apply(
    *,
    actor: User,
    action: str,
    deal_ids: Iterable[int],
    owner: User | None = None,
    stage: Stage | None = None,
    lost_reason: LostReason | None = None,
    forecast_category: str = "",
) -> BulkResult:
    """The one entry for the deal list's bulk bar and the API's bulk endpoint."""
    ids = list(deal_ids)
    if len(ids) > MAX_BULK_DEALS:
        raise Invalid(f"Select at most {MAX_BULK_DEALS} deals at a time.", field="ids", code="too_many")
    if action == "assign":
        if owner is None:
            raise Invalid("Choose the new owner.", field="owner", code="required")
        return bulk_apply(ids, lambda pk: deal_update(actor=actor, deal_id=pk, fields={"owner": owner}))
    if action == "move":
        if stage is None:
            raise Invalid("Choose the stage.", field="stage", code="required")
        return bulk_apply(
            ids,
            lambda pk: deal_move(
                actor=actor,
                deal_id=pk,
                stage_id=stage.pk,
                lost_reason_id=lost_reason.pk if lost_reason else None,
            ),
        )
    if action == "forecast":
        return bulk_apply(
            ids,
            lambda pk: deal_update(actor=actor, deal_id=pk, fields={"forecast_category": forecast_category}),
        )
    if action == "delete":
        return bulk_apply(ids, lambda pk: deal_delete(actor=actor, deal_id=pk))
    raise Invalid(f"Unknown bulk action {action!r}.", field="action", code="unknown_action")
