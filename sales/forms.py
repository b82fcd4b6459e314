"""The deal pages' forms: they parse and validate input; the services decide and write. The board's and
the list's filters are in sales.filters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from crm import access
from crm.customers.selectors import ACCOUNT_SEARCH_MAX, account_list, account_suggestions, contact_list
from crm.models import Account, Contact, User
from crm.web.combobox import Combobox
from sales.selectors import (
    PRODUCT_SEARCH_MAX,
    active_lost_reasons,
    product_suggestions,
    sellable_products,
)
from sales.services.deals import EDITABLE_FIELD_ORDER, EDITABLE_FIELDS, closed_on, reopen_stage

from .models import (
    Deal,
    LostReason,
    Pipeline,
    Product,
    SalesSettings,
    Stage,
    StageKind,
)

DATE_INPUT = {"type": "date"}
NO_ACCOUNT = "No account"


def account_label(account: Account) -> str:
    return f"{account.name} ({account.domain})" if account.domain else account.name


ACCOUNT_PICK = Combobox[Account](
    search="account_search",
    picked="account",
    noun="account",
    scope="you can see",
    lookups=("name", "domain"),
    key="domain",
    stale="Choose an account you can see.",
    label=account_label,
    optional=NO_ACCOUNT,
)
PRODUCT_PICK = Combobox[Product](
    search="product_search",
    picked="product",
    noun="product",
    scope="on sale",
    lookups=("name", "sku"),
    key="SKU",
    stale="That product is no longer on sale; choose another.",
    css="form-control form-control-sm",
)


def grouped_stages(stages: Iterable[Stage]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Stage choices under their pipeline's name (stages select_related their pipeline)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for stage in stages:
        groups.setdefault(str(stage.pipeline), []).append((str(stage.pk), stage.name))
    return list(groups.items())


class StageField(forms.ChoiceField):
    """A stage, offered in <optgroup>s by pipeline; cleans to the Stage."""

    def __init__(self, *, stages: Iterable[Stage], empty_label: str, **kwargs: Any) -> None:
        self.stages = {str(stage.pk): stage for stage in stages}
        choices = [("", empty_label), *grouped_stages(self.stages.values())]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value: Any) -> Stage | None:
        key = str(super().clean(value) or "")
        return self.stages.get(key)


def stage_queryset() -> QuerySet[Stage]:
    return Stage.objects.select_related("pipeline").order_by(
        "pipeline__name", "pipeline_id", "position", "id"
    )


class DealForm(forms.ModelForm):
    """Create and edit a deal. Changing the stage moves the deal (deal_update checks the criteria)."""

    # The account is searched for by name, not chosen from a list of every account (admins see them all):
    # a suggestion fills the hidden id; without JavaScript the typed name or domain is looked up on save.
    # Left empty, the deal has no account (a stage's exit criteria may ask for one later on).
    account_search = forms.CharField(label="Account", max_length=ACCOUNT_SEARCH_MAX, required=False)
    account = forms.CharField(required=False, widget=forms.HiddenInput)
    pipeline = forms.ModelChoiceField(label="Pipeline", queryset=Pipeline.objects.none(), empty_label=None)
    expected_stage = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Deal
        # The service's fields but the account (searched for, above), and why a deal moved to Lost.
        fields = [*(name for name in EDITABLE_FIELD_ORDER if name != "account"), "lost_reason"]
        widgets = {
            "close_date": forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
            "next_step_due": forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
            "contract_start": forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
            "contract_end": forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, user: User, has_lines: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "deal_%s")  # the detail page also holds the timeline's forms
        super().__init__(*args, **kwargs)
        deal: Deal = self.instance
        self.user = user
        self.is_new = deal.pk is None
        self._init_account()
        self._limit_contact(user)
        owner = cast(forms.ModelChoiceField, self.fields["owner"])
        current_owner = deal.owner_id if deal.owner_id is not None else user.pk
        owner.queryset = access.assignable_owners(user) | User.objects.filter(pk=current_owner)
        owner.empty_label = None
        pipelines = Pipeline.objects.filter(is_active=True)
        if not self.is_new:
            pipelines = pipelines | Pipeline.objects.filter(pk=deal.pipeline_id)
        cast(forms.ModelChoiceField, self.fields["pipeline"]).queryset = pipelines
        stages = stage_queryset().filter(pipeline__in=pipelines)
        if self.is_new:
            # A new deal starts in an open stage; the first one unless told.
            self.fields["stage"] = StageField(
                label="Stage",
                stages=stages.filter(kind=StageKind.OPEN),
                empty_label="The pipeline's first stage",
                required=False,
            )
            for name in ("lost_reason", "lost_note"):
                del self.fields[name]
            self.initial.setdefault("owner", user.pk)
            self.initial.setdefault("currency", SalesSettings.current().default_currency)
        else:
            self.fields["stage"] = StageField(label="Stage", stages=stages, empty_label="Choose a stage")
            self.initial.update(
                pipeline=deal.pipeline_id, stage=str(deal.stage_id), expected_stage=deal.stage_id
            )
            if not deal.is_open:
                # A closed deal moves again only once reopened, from its page.
                for name in ("pipeline", "stage"):
                    self.fields[name].disabled = True
                self.fields["stage"].help_text = "A won or lost deal is reopened from its page first."
            reason = cast(forms.ModelChoiceField, self.fields["lost_reason"])
            reason.queryset = active_lost_reasons()
            reason.empty_label = "Choose a reason"
            reason.help_text = "Required when the deal moves to a lost stage."
            if deal.lost_reason_id is not None:
                reason.queryset = reason.queryset | LostReason.objects.filter(pk=deal.lost_reason_id)
                reason.disabled = True  # the service sets the reason only when the deal is lost
        self.order_fields(["name", "account_search", "account", "primary_contact", "pipeline", "stage"])
        if has_lines:
            for name in ("amount", "currency"):
                self.fields[name].disabled = True
            self.fields["amount"].help_text = "The sum of the product lines; change the lines instead."

    def _init_account(self) -> None:
        """Shows the preset account (the account page's upsell button) or the deal's by name."""
        account = self.initial.get("account")
        if account is None and self.instance.account_id is not None:
            account = self.instance.account
        if isinstance(account, Account):
            self.initial.update(account=account.pk, account_search=account.name)
        ACCOUNT_PICK.attach(self, url=reverse("sales:deal-account-options"))
        self.fields["account"].widget.attrs.update(
            {
                "hx-get": reverse("sales:deal-contact-options"),
                "hx-target": f"#{self['primary_contact'].auto_id}",
                "hx-trigger": "change",
            }
        )

    def _limit_contact(self, user: User) -> None:
        field = cast(forms.ModelChoiceField, self.fields["primary_contact"])
        account_id = self._chosen_account_id()
        contacts = (
            contact_list(user=user).filter(account_id=account_id) if account_id else Contact.objects.none()
        )
        if self.instance.primary_contact_id is not None:
            contacts = contacts | Contact.objects.filter(pk=self.instance.primary_contact_id)
        field.queryset = contacts.select_related(None).order_by("last_name", "first_name", "id")
        field.empty_label = "No primary contact"
        field.help_text = "A contact at the chosen account."

    def _chosen_account_id(self) -> int | None:
        raw: Any = self.data.get(self.add_prefix("account")) if self.is_bound else self.initial.get("account")
        if raw is None:
            account_id: int | None = self.instance.account_id
            return account_id
        value = str(getattr(raw, "pk", raw))
        return int(value) if value.isdigit() else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._clean_account(cleaned)
        pipeline, stage = cleaned.get("pipeline"), cleaned.get("stage")
        if pipeline is not None and stage is not None and stage.pipeline_id != pipeline.pk:
            self.add_error("stage", f"{stage} is not a stage of {pipeline}; choose one of its stages.")
        elif not self.is_new and pipeline is not None and stage is None:
            self.add_error("stage", "Choose the stage.")
        if (
            self.moves
            and stage is not None
            and stage.kind == StageKind.LOST
            and not cleaned.get("lost_reason")
        ):
            self.add_error("lost_reason", "Choose why the deal was lost.")
        start, end = cleaned.get("contract_start"), cleaned.get("contract_end")
        if start and end and end < start:
            self.add_error("contract_end", "The contract must end after it starts.")
        return cleaned

    def _clean_account(self, cleaned: dict[str, Any]) -> None:
        visible = account_list(user=self.user).select_related(None)
        pickable = visible
        if self.instance.account_id is not None:
            pickable = visible | Account.objects.filter(pk=self.instance.account_id)
        account = ACCOUNT_PICK.clean(
            self,
            cleaned,
            pickable=pickable,
            named=visible.order_by("name", "id"),
            suggest=lambda text, limit: account_suggestions(user=self.user, text=text, limit=limit),
        )
        if account is not None or "account_search" not in self.errors:
            cleaned["account"] = account  # None: the search box was left empty, for no account

    @property
    def moves(self) -> bool:
        """Whether the person chose another stage than the one the form showed: an old form saved after
        someone else moved the deal leaves it where they put it."""
        stage = self.cleaned_data.get("stage")
        shown = self.cleaned_data.get("expected_stage") or self.instance.stage_id
        return not self.is_new and stage is not None and stage.pk != shown

    def service_fields(self) -> dict[str, Any]:
        """What deal_create / deal_update receive."""
        data = self.cleaned_data
        fields = {name: data[name] for name in EDITABLE_FIELDS if name in data and not self._locked(name)}
        if self.is_new:
            fields["pipeline"] = data["pipeline"]
            if data.get("stage") is not None:
                fields["stage"] = data["stage"]
        elif self.moves:
            fields["stage"] = data["stage"]
            fields["lost_reason"] = data.get("lost_reason")
        return fields

    def _locked(self, name: str) -> bool:
        return self.fields[name].disabled

    @property
    def expected_stage_id(self) -> int | None:
        value = self.cleaned_data.get("expected_stage")
        return int(value) if value else None


class MoveForm(forms.Form):
    """The detail page's "Move to stage" and the board's drop: one endpoint, one service."""

    stage = forms.ModelChoiceField(label="Move to stage", queryset=Stage.objects.none(), empty_label=None)
    expected_stage = forms.IntegerField(required=False, widget=forms.HiddenInput)
    lost_reason = forms.ModelChoiceField(
        label="Lost reason", queryset=LostReason.objects.none(), required=False, empty_label="Choose a reason"
    )
    lost_note = forms.CharField(label="Why it was lost (optional)", max_length=300, required=False)
    closed_on = forms.DateField(
        label="Closed on",
        required=False,
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
        help_text="The day the deal was won or lost; left empty, today.",
    )

    def __init__(self, *args: Any, deal: Deal, stages: list[Stage] | None = None, **kwargs: Any):
        kwargs.setdefault("auto_id", "move_%s")
        super().__init__(*args, **kwargs)
        stage = cast(forms.ModelChoiceField, self.fields["stage"])
        stage.queryset = Stage.objects.filter(pipeline_id=deal.pipeline_id)
        if stages is not None:
            stage.choices = [(s.pk, s.name) for s in stages]  # already loaded: no second query
        cast(forms.ModelChoiceField, self.fields["lost_reason"]).queryset = active_lost_reasons()
        self.initial.update(stage=deal.stage_id, expected_stage=deal.stage_id)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        stage = cleaned.get("stage")
        if stage is not None and stage.kind == StageKind.LOST and cleaned.get("lost_reason") is None:
            self.add_error("lost_reason", "Choose why the deal was lost.")
        return cleaned

    @property
    def closed_at(self) -> datetime | None:
        day = self.cleaned_data.get("closed_on")
        return closed_on(day) if day else None


class ReopenForm(forms.Form):
    """A closed deal's "Reopen": the open stage it goes back to, and a new expected close date."""

    stage = forms.ModelChoiceField(label="Reopen in stage", queryset=Stage.objects.none(), empty_label=None)
    close_date = forms.DateField(
        label="Expected close date",
        required=False,
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, deal: Deal, stages: list[Stage] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reopen_%s")
        super().__init__(*args, **kwargs)
        stage = cast(forms.ModelChoiceField, self.fields["stage"])
        stage.queryset = Stage.objects.filter(pipeline_id=deal.pipeline_id, kind=StageKind.OPEN)
        if stages is not None:
            stage.choices = [(s.pk, s.name) for s in stages if s.kind == StageKind.OPEN]
        if not self.is_bound:
            self.initial["stage"] = reopen_stage(deal).pk
            if deal.close_date is not None and deal.close_date >= timezone.localdate():
                self.initial["close_date"] = deal.close_date
        self.fields[
            "close_date"
        ].help_text = "When it is now expected to close; required when the old date has passed."


def _positive_quantity(value: Decimal) -> None:
    if value <= 0:
        raise ValidationError("The quantity must be more than zero.", code="min_value")


class LineForm(forms.Form):
    """Change a product line: quantity, unit price and discount."""

    quantity = forms.DecimalField(
        label="Quantity", max_digits=12, decimal_places=2, validators=[_positive_quantity]
    )
    unit_price = forms.DecimalField(label="Unit price", max_digits=14, decimal_places=2, min_value=Decimal(0))
    discount = forms.DecimalField(
        label="Discount (%)", max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100)
    )


class LineAddForm(LineForm):
    """Add a product to `deal`; its price defaults to the catalogue's list price."""

    # The product is searched for by name or SKU, not chosen from a list of the whole catalogue: a
    # suggestion fills the hidden id; without JavaScript the typed name or SKU is looked up on save.
    product_search = forms.CharField(label="Product", max_length=PRODUCT_SEARCH_MAX, required=False)
    product = forms.CharField(required=False, widget=forms.HiddenInput)
    field_order = ["product_search", "product", "quantity", "unit_price", "discount"]

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "line_new_%s")
        kwargs.setdefault("initial", {"quantity": Decimal(1), "discount": Decimal(0)})
        super().__init__(*args, **kwargs)
        # Not the outerHTML its form swaps the lines section with.
        PRODUCT_PICK.attach(
            self, url=reverse("sales:deal-line-products", args=[deal.pk]), hx={"hx-swap": "innerHTML"}
        )
        self.fields["unit_price"].required = False
        self.fields["unit_price"].help_text = "Leave empty for the list price."
        self.fields["discount"].required = False

    def add_error(self, field: str | None, error: Any) -> None:
        # A service names the product; the person chose it in the search box, where its error shows.
        super().add_error("product_search" if field == "product" else field, error)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._clean_product(cleaned)
        return cleaned

    def _clean_product(self, cleaned: dict[str, Any]) -> None:
        product = PRODUCT_PICK.clean(
            self,
            cleaned,
            pickable=sellable_products(),
            named=sellable_products(),
            suggest=lambda text, limit: product_suggestions(text=text, limit=limit),
        )
        if product is not None:
            cleaned["product"] = product
