"""The lead conversion form: which account the lead joins, and the optional deal it opens."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.urls import reverse

from crm import access
from crm.models import Account, User
from leads.models import Lead
from sales.models import Pipeline

NEW_ACCOUNT = ""


class DateInput(forms.DateInput):
    input_type = "date"


class LeadConvertForm(forms.Form):
    account = forms.ModelChoiceField(
        label="Account",
        queryset=Account.objects.none(),
        required=False,
        help_text="The accounts that match the lead and those you own; the lead's person joins it.",
    )
    create_deal = forms.BooleanField(label="Create a deal", required=False, initial=True)
    name = forms.CharField(label="Deal name", max_length=200, required=False)
    amount = forms.DecimalField(
        label="Amount",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        help_text="Leave empty for the lead's budget.",
    )
    close_date = forms.DateField(label="Expected close date", required=False, widget=DateInput())
    pipeline = forms.ModelChoiceField(
        label="Pipeline", queryset=Pipeline.objects.filter(is_active=True), required=False, empty_label=None
    )

    def __init__(
        self,
        *args: Any,
        user: User,
        lead: Lead,
        match: Account | None,
        choices: list[Account],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        account = cast(forms.ModelChoiceField, self.fields["account"])
        # Any visible account is accepted; only a short list is offered, to keep the page light.
        account.queryset = access.visible(user, Account.objects.all())
        options: list[tuple[Any, str]] = [(choice.pk, _account_label(choice)) for choice in choices]
        if match is None:
            # With a matching account the conversion joins it (the domain is unique), so no new one then.
            options.insert(0, (NEW_ACCOUNT, f"Create a new account {lead.company.strip() or lead}"))
            account.required = False
        else:
            account.required = True
        account.choices = options
        # Picking another account redraws the preview of what the conversion will link.
        account.widget.attrs.update(
            {
                "hx-get": reverse("sales:lead-convert", args=[lead.pk]),
                "hx-trigger": "change",
                "hx-target": "#conversion-preview",
                "hx-select": "#conversion-preview",
                "hx-swap": "outerHTML",
            }
        )
        self.initial.setdefault("account", match.pk if match else NEW_ACCOUNT)
        self.initial.setdefault("name", f"{match or lead.company.strip() or lead}: new business")
        self.initial.setdefault("amount", lead.budget)
        default = Pipeline.objects.filter(is_active=True).order_by("-is_default", "id").first()
        if default is not None:
            self.initial.setdefault("pipeline", default.pk)

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of sales.conversion.services.lead_convert."""
        data = self.cleaned_data
        return {
            "account": data["account"],
            "create_deal": data["create_deal"],
            "deal_name": data["name"],
            "amount": data["amount"],
            "close_date": data["close_date"],
            "pipeline": data["pipeline"],
        }


def _account_label(account: Account) -> str:
    return f"{account.name} ({account.domain})" if account.domain else account.name
