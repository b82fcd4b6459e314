"""The deal pages' forms and list filters: they parse and validate input; the services decide and write."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.urls import reverse

from crm import access
from crm.models import Account, Contact, User
from crm.selectors.customers import account_list, contact_list

from .filters import OpportunityFilter
from .models import (
    LostReason,
    Opportunity,
    Pipeline,
    Product,
    SalesSettings,
    Stage,
    StageKind,
)
from .selectors.deals import active_lost_reasons, sellable_products
from .services import EDITABLE_FIELDS

BOARD_FILTERS = ("q", "owner", "team", "close_period", "type")
# The page cursor of the list and the board's columns: a new filter or sort starts without it.
CURSOR_PARAMS = ("after", "before")
DEFAULT_SORT = "-created_at"
SORT_LABELS = {"name": "Name", "amount": "Amount", "close_date": "Close date", "created_at": "Created"}
# Deals without a close date sort after the dated ones in both directions (keyset pages need a value).
CLOSE_SORT = {
    "asc": Coalesce(F("close_date"), date(9999, 12, 31)),
    "desc": Coalesce(F("close_date"), date(1, 1, 1)),
}
DATE_INPUT = {"type": "date"}


def filter_query(data: QueryDict, names: Iterable[str] | None = None) -> QueryDict:
    """The filters (and sort) of a query string without its page cursor, optionally only `names`."""
    query = QueryDict(mutable=True)
    for name, values in data.lists():
        if name in CURSOR_PARAMS or (names is not None and name not in names):
            continue
        kept = [value for value in values if value.strip()]
        if kept:
            query.setlist(name, kept)
    return query


class BoardFilter(OpportunityFilter):
    """OpportunityFilter as the board uses it: the board itself decides the pipeline, stages and status."""

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        super().__init__(filter_query(data, BOARD_FILTERS) if data is not None else None, **kwargs)
        for name in list(self.filters):
            if name not in BOARD_FILTERS:
                del self.filters[name]
        fields = self.form.fields
        fields["q"].widget = forms.TextInput(attrs={"type": "search"})
        fields["type"].widget = forms.CheckboxSelectMultiple(choices=fields["type"].choices)
        cast(forms.ModelChoiceField, fields["owner"]).empty_label = "Anyone"
        cast(forms.ModelChoiceField, fields["team"]).empty_label = "Any team"
        fields["close_period"].widget.choices = [("", "Any time"), *fields["close_period"].choices[1:]]

    @property
    def query(self) -> str:
        return filter_query(self.data, BOARD_FILTERS).urlencode() if self.data else ""

    @property
    def is_filtered(self) -> bool:
        return bool(self.query)


@dataclass(frozen=True)
class SortColumn:
    label: str
    query: str
    aria_sort: str  # "ascending", "descending" or "" when the list is not sorted by this column


class DealListFilter(OpportunityFilter):
    """OpportunityFilter as the deal list shows it, with its keyset ordering."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        fields["q"].widget = forms.TextInput(attrs={"type": "search"})
        for name in ("status", "type", "forecast_category"):
            fields[name].widget = forms.CheckboxSelectMultiple(choices=fields[name].choices)
        for name in ("close_after", "close_before"):
            fields[name].widget = forms.DateInput(attrs=DATE_INPUT)
        cast(forms.ModelChoiceField, fields["owner"]).empty_label = "Anyone"
        cast(forms.ModelChoiceField, fields["team"]).empty_label = "Any team"
        cast(forms.ModelChoiceField, fields["pipeline"]).empty_label = "Any pipeline"
        fields["stage"] = PipelineStagesField(
            label=fields["stage"].label, queryset=stage_queryset(), required=False
        )
        del fields["ordering"]  # the column headers sort
        fields["account"].widget = forms.HiddenInput()  # set by the account page's link, not typed in

    @property
    def sort(self) -> str:
        """The `ordering` parameter in force, e.g. "-amount"."""
        value = self.data.get("ordering", "") if self.is_bound else ""
        return value if value.lstrip("-") in SORT_LABELS else DEFAULT_SORT

    def keyset_ordering(self) -> list[str]:
        key = self.sort.lstrip("-")
        prefix = "-" if self.sort.startswith("-") else ""
        return [f"{prefix}{'close_sort' if key == 'close_date' else key}"]

    def filter_queryset(self, queryset: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
        if self.sort.lstrip("-") == "close_date":
            queryset = queryset.annotate(close_sort=CLOSE_SORT["desc" if self.sort[0] == "-" else "asc"])
        filtered: QuerySet[Opportunity] = super().filter_queryset(queryset)
        return filtered

    def sort_columns(self) -> dict[str, SortColumn]:
        """Each sortable column's link: ascending first, then descending; filters kept, page reset."""
        query = filter_query(self.data) if self.is_bound else QueryDict(mutable=True)
        columns = {}
        for key, label in SORT_LABELS.items():
            link = query.copy()
            if self.sort == key:
                link["ordering"], aria_sort = f"-{key}", "ascending"
            elif self.sort == f"-{key}":
                link["ordering"], aria_sort = key, "descending"
            else:
                link["ordering"], aria_sort = key, ""
            columns[key] = SortColumn(label, link.urlencode(), aria_sort)
        return columns

    @property
    def is_filtered(self) -> bool:
        query = filter_query(self.data) if self.is_bound else QueryDict()
        return any(name != "ordering" for name in query)


def grouped_stages(stages: Iterable[Stage]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Stage choices under their pipeline's name (stages select_related their pipeline)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for stage in stages:
        groups.setdefault(str(stage.pipeline), []).append((str(stage.pk), stage.name))
    return list(groups.items())


class PipelineStagesField(forms.ModelMultipleChoiceField):
    """Stages named with their pipeline: several pipelines may each have a "Demo"."""

    def label_from_instance(self, obj: Stage) -> str:
        return f"{obj.pipeline} · {obj.name}"


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


class OpportunityForm(forms.ModelForm):
    """Create and edit a deal. Changing the stage moves the deal (opportunity_update checks the criteria)."""

    pipeline = forms.ModelChoiceField(label="Pipeline", queryset=Pipeline.objects.none(), empty_label=None)
    expected_stage = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Opportunity
        fields = [
            "name",
            "account",
            "primary_contact",
            "amount",
            "currency",
            "close_date",
            "owner",
            "type",
            "forecast_category",
            "next_step",
            "next_step_due",
            "contract_start",
            "contract_end",
            "lost_reason",
            "lost_note",
        ]
        widgets = {
            "close_date": forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
            "next_step_due": forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
            "contract_start": forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
            "contract_end": forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, user: User, has_lines: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "deal_%s")  # the detail page also holds the timeline's forms
        super().__init__(*args, **kwargs)
        deal: Opportunity = self.instance
        self.is_new = deal.pk is None
        self._limit_account(user)
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
            reason = cast(forms.ModelChoiceField, self.fields["lost_reason"])
            reason.queryset = active_lost_reasons()
            reason.empty_label = "Choose a reason"
            reason.help_text = "Required when the deal moves to a lost stage."
            if deal.lost_reason_id is not None:
                reason.queryset = reason.queryset | LostReason.objects.filter(pk=deal.lost_reason_id)
                reason.disabled = True  # the service sets the reason only when the deal is lost
        self.order_fields(["name", "account", "primary_contact", "pipeline", "stage"])
        if has_lines:
            for name in ("amount", "currency"):
                self.fields[name].disabled = True
            self.fields["amount"].help_text = "The sum of the product lines; change the lines instead."

    def _limit_account(self, user: User) -> None:
        field = cast(forms.ModelChoiceField, self.fields["account"])
        accounts = account_list(user=user)
        if self.instance.account_id is not None:
            accounts = accounts | Account.objects.filter(pk=self.instance.account_id)
        field.queryset = accounts.select_related(None).order_by("name", "id")
        field.empty_label = "Choose an account"
        field.widget.attrs.update(
            {
                "hx-get": reverse("sales:opportunity-contact-options"),
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

    @property
    def moves(self) -> bool:
        """Whether the person chose another stage than the one the form showed: an old form saved after
        someone else moved the deal leaves it where they put it."""
        stage = self.cleaned_data.get("stage")
        shown = self.cleaned_data.get("expected_stage") or self.instance.stage_id
        return not self.is_new and stage is not None and stage.pk != shown

    def service_fields(self) -> dict[str, Any]:
        """What opportunity_create / opportunity_update receive."""
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

    def __init__(
        self, *args: Any, opportunity: Opportunity, stages: list[Stage] | None = None, **kwargs: Any
    ):
        kwargs.setdefault("auto_id", "move_%s")
        super().__init__(*args, **kwargs)
        stage = cast(forms.ModelChoiceField, self.fields["stage"])
        stage.queryset = Stage.objects.filter(pipeline_id=opportunity.pipeline_id)
        if stages is not None:
            stage.choices = [(s.pk, s.name) for s in stages]  # already loaded: no second query
        cast(forms.ModelChoiceField, self.fields["lost_reason"]).queryset = active_lost_reasons()
        self.initial.update(stage=opportunity.stage_id, expected_stage=opportunity.stage_id)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        stage = cleaned.get("stage")
        if stage is not None and stage.kind == StageKind.LOST and cleaned.get("lost_reason") is None:
            self.add_error("lost_reason", "Choose why the deal was lost.")
        return cleaned


class ProductField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return f"{obj.name} ({obj.sku}) · {obj.currency} {obj.unit_price}"


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
    """Add a product; its price defaults to the catalogue's list price."""

    product = ProductField(label="Product", queryset=Product.objects.none(), empty_label="Choose a product")
    field_order = ["product", "quantity", "unit_price", "discount"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "line_new_%s")
        kwargs.setdefault("initial", {"quantity": Decimal(1), "discount": Decimal(0)})
        super().__init__(*args, **kwargs)
        cast(ProductField, self.fields["product"]).queryset = sellable_products()
        self.fields["unit_price"].required = False
        self.fields["unit_price"].help_text = "Leave empty for the list price."
        self.fields["discount"].required = False
