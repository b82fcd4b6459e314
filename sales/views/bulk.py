"""Bulk actions on the deals checked in the list: assign, move to a stage, set the forecast category,
delete (confirmed). Each deal is changed or refused on its own, and the refusals are reported by name."""

from __future__ import annotations

from functools import partial
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from crm import access
from crm.lists.bulk import BulkIdsField, bulk_action
from crm.models import User
from crm.web.views import AuthenticatedRequest, safe_next
from sales.forms import StageField, stage_queryset
from sales.models import ForecastCategory, LostReason, StageKind
from sales.selectors import active_lost_reasons, deal_list
from sales.services.bulk import BULK_ACTIONS, MAX_BULK_DEALS, deals_bulk_apply


class DealBulkForm(forms.Form):
    action = forms.ChoiceField(label="Action", choices=list(BULK_ACTIONS.items()))
    deal = BulkIdsField(nouns="deals", required=False)
    owner = forms.ModelChoiceField(
        label="Assign to", queryset=User.objects.none(), required=False, empty_label="Choose an owner"
    )
    lost_reason = forms.ModelChoiceField(
        label="Lost reason (for Lost)",
        queryset=LostReason.objects.none(),
        required=False,
        empty_label="Choose a reason",
    )
    forecast_category = forms.ChoiceField(
        label="Forecast category",
        required=False,
        choices=[("", "Choose a category"), *ForecastCategory.choices],
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bulk_%s")  # the list's filter form has its own owner and stage
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = access.assignable_owners(user)
        cast(forms.ModelChoiceField, self.fields["lost_reason"]).queryset = active_lost_reasons()
        self.fields["stage"] = StageField(
            label="Move to stage",
            stages=stage_queryset().filter(pipeline__is_active=True),
            empty_label="Choose a stage",
            required=False,
        )
        self.order_fields(["action", "deal", "owner", "stage", "lost_reason", "forecast_category"])
        for name in ("owner", "stage", "lost_reason", "forecast_category"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action, ids = cleaned.get("action"), cleaned.get("deal")
        if action is None:
            return cleaned
        if not ids:
            raise ValidationError("Select at least one deal.", code="empty")
        if len(ids) > MAX_BULK_DEALS:
            raise ValidationError(f"Select at most {MAX_BULK_DEALS} deals at a time.", code="too_many")
        if action == "assign" and not cleaned.get("owner"):
            self.add_error("owner", "Choose whom to assign the deals to.")
        if action == "move":
            stage = cleaned.get("stage")
            if stage is None:
                self.add_error("stage", "Choose the stage to move the deals to.")
            elif stage.kind == StageKind.LOST and not cleaned.get("lost_reason"):
                self.add_error("lost_reason", "Choose why the deals were lost.")
        if action == "forecast" and not cleaned.get("forecast_category"):
            self.add_error("forecast_category", "Choose the forecast category.")
        return cleaned


def _names(user: User, ids: list[int]) -> dict[int, str]:
    """The names of the deals the user may see, to say which ones a bulk action could not change."""
    deals = deal_list(user=user).select_related(None).filter(pk__in=ids).only("name")
    return {deal.pk: deal.name for deal in deals}


@login_required
@require_POST
def bulk(request: AuthenticatedRequest) -> HttpResponse:
    return bulk_action(
        request,
        DealBulkForm(request.POST, user=request.user),
        run=lambda data: deals_bulk_apply(
            actor=request.user,
            action=data["action"],
            deal_ids=data["deal"],
            owner=data.get("owner"),
            stage=data.get("stage"),
            lost_reason=data.get("lost_reason"),
            forecast_category=data.get("forecast_category") or "",
        ),
        names=partial(_names, request.user),
        back=safe_next(request, reverse("sales:deal-list")),
        noun="deal",
        id_field="deal",
        confirm_template="sales/deals/bulk_delete_confirm.html",
        action_url=reverse("sales:deal-bulk"),
    )
