"""Bulk actions on the leads checked in the list: assign, change status, add a tag, delete (confirmed)."""

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
from leads.services.leads import BULK_ACTIONS as SERVICE_BULK_ACTIONS
from leads.services.leads import MAX_BULK_LEADS, leads_bulk_apply

from .models import LeadStatus
from .rules import lead_bulk_actions, leads_may_be_queued
from .selectors import lead_list


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(
        label="Action",
        choices=list(SERVICE_BULK_ACTIONS.items()),
    )
    lead = BulkIdsField(nouns="leads", required=False)
    owner = forms.ChoiceField(label="Assign to", required=False)
    status = forms.ChoiceField(
        label="Change status to",
        required=False,
        choices=[
            ("", "Choose a status"),
            *((value, label) for value, label in LeadStatus.choices if value != LeadStatus.CONVERTED),
        ],
    )
    reason = forms.CharField(label="Reason for disqualifying", max_length=300, required=False)
    tag = forms.CharField(label="Add tag", max_length=50, required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bulk_%s")  # the list's filter form has its own status and owner
        super().__init__(*args, **kwargs)
        self.actions = lead_bulk_actions(user)
        self.owners = (
            {str(owner.pk): owner for owner in access.assignable_owners(user)}
            if ("assign" in self.actions)
            else {}
        )
        owner_choices = [("", "Choose an owner"), *((pk, str(owner)) for pk, owner in self.owners.items())]
        if leads_may_be_queued(user):
            owner_choices.append(("queue", "Unassigned queue"))
        cast(forms.ChoiceField, self.fields["owner"]).choices = owner_choices
        for name in ("owner", "status"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action, leads = cleaned.get("action"), cleaned.get("lead")
        if action is None:
            return cleaned
        if action not in self.actions:
            raise ValidationError("Your role cannot do that to leads.", code="forbidden")
        if not leads:
            raise ValidationError("Select at least one lead.", code="empty")
        if len(leads) > MAX_BULK_LEADS:
            raise ValidationError(f"Select at most {MAX_BULK_LEADS} leads at a time.", code="too_many")
        if action == "assign" and not cleaned.get("owner"):
            self.add_error("owner", "Choose whom to assign the leads to.")
        if action == "status" and not cleaned.get("status"):
            self.add_error("status", "Choose the new status.")
        if cleaned.get("status") == LeadStatus.DISQUALIFIED and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why the leads are disqualified.")
        return cleaned

    @property
    def new_owner(self) -> User | None:
        return self.owners.get(self.cleaned_data["owner"])


def _names(user: User, ids: list[int]) -> dict[int, str]:
    """The names of the leads the user may see, to say which ones a bulk action could not change."""
    leads = lead_list(user=user).select_related(None).only("first_name", "last_name", "email", "company")
    return {lead.pk: lead.display_name for lead in leads.filter(pk__in=ids)}


@login_required
@require_POST
def bulk(request: AuthenticatedRequest) -> HttpResponse:
    form = BulkActionForm(request.POST, user=request.user)
    return bulk_action(
        request,
        form,
        run=lambda data: leads_bulk_apply(
            actor=request.user,
            action=data["action"],
            lead_ids=data["lead"],
            owner=form.new_owner,
            status=data.get("status") or "",
            reason=data.get("reason") or "",
            tag=data.get("tag") or "",
        ),
        names=partial(_names, request.user),
        back=safe_next(request, reverse("leads:index")),
        noun="lead",
        id_field="lead",
        confirm_template="leads/bulk_delete_confirm.html",
        action_url=reverse("leads:bulk"),
    )
