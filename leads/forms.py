"""The lead pages' forms: they parse and validate input; the services decide and write."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, cast

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Concat, Trim
from django.http import QueryDict

from crm import access
from crm.models import User

from .filters import LeadFilter
from .models import IDENTITY_FIELDS, MARKETING_FIELD_ORDER, Lead, LeadStatus
from .rules import lead_next_statuses, leads_may_be_queued

DEFAULT_SORT = "-created_at"
# Query parameters that page through the list: a saved view or a new sort starts without them.
CURSOR_PARAMS = ("after", "before")
# The sort keys of the list, by `ordering` parameter; keyset pagination adds the id as the tie-breaker.
SORT_KEYS: dict[str, list[str]] = {
    "name": ["last_name", "first_name"],
    "company": ["company"],
    "status": ["status_rank"],
    "score": ["score"],
    "owner": ["owner_name"],
    "created_at": ["created_at"],
}
SORT_LABELS = {
    "name": "Name",
    "company": "Company",
    "status": "Status",
    "score": "Score",
    "owner": "Owner",
    "created_at": "Created",
}
# Statuses in lifecycle order, and the owner's name as shown ("" for the queue), as sort keys.
STATUS_RANK = Case(
    *(When(status=status, then=Value(rank)) for rank, status in enumerate(LeadStatus.values)),
    output_field=IntegerField(),
)
OWNER_NAME = Coalesce(
    Case(
        When(Q(owner__first_name="") & Q(owner__last_name=""), then=F("owner__username")),
        default=Trim(Concat(F("owner__first_name"), Value(" "), F("owner__last_name"))),
        output_field=CharField(),
    ),
    Value(""),
    output_field=CharField(),
)
CONTACT_FIELDS = list(IDENTITY_FIELDS)
QUALIFICATION_FIELDS = ["budget", "authority", "need", "timeline"]
MARKETING_FORM_FIELDS = list(MARKETING_FIELD_ORDER)


def list_query(data: QueryDict) -> QueryDict:
    """The list's filters and sort without its page cursor: what a saved view or a sort link keeps."""
    query = data.copy()
    for name in CURSOR_PARAMS:
        query.pop(name, None)
    return query


def clean_list_query(raw: str) -> str:
    """A query string with only the lead list's own, non-empty parameters, in a stable order."""
    data = QueryDict(raw.lstrip("?"))
    query = QueryDict(mutable=True)
    for name in LeadListFilter.base_filters:
        values = [value for value in data.getlist(name) if value.strip()]
        if values:
            query.setlist(name, values)
    return query.urlencode()


def is_filtered(query: QueryDict) -> bool:
    """Whether the list is narrowed by any filter (a sort alone shows every lead)."""
    names = set(LeadListFilter.base_filters) - {"ordering"}
    return any(value.strip() for name, values in query.lists() if name in names for value in values)


@dataclass(frozen=True)
class SortColumn:
    label: str
    query: str
    aria_sort: str  # "ascending", "descending" or "" when the list is not sorted by this column


class LeadListFilter(LeadFilter):
    """LeadFilter as the list page shows it: checkboxes, date pickers, and sorting by owner too."""

    ordering = django_filters.OrderingFilter(
        label="Sort by",
        fields=[(keys[0], param) for param, keys in SORT_KEYS.items()],
        field_labels={SORT_KEYS[param][0]: label for param, label in SORT_LABELS.items()},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        fields["q"].widget = forms.TextInput(attrs={"type": "search"})
        for name in ("status", "source"):
            fields[name].widget = forms.CheckboxSelectMultiple(
                attrs={"class": "form-check-input"}, choices=fields[name].choices
            )
        for name in ("created_after", "created_before"):
            fields[name].widget = forms.DateInput(attrs={"type": "date"})
        fields["owner"].empty_label = "Anyone"

    @property
    def sort(self) -> str:
        """The `ordering` parameter in force, e.g. "-score"."""
        if not self.is_bound:
            return DEFAULT_SORT
        self.form.is_valid()  # an invalid parameter is left out of cleaned_data, the others stay
        value = self.form.cleaned_data.get("ordering")
        param = value[0] if value else ""
        return param if param.lstrip("-") in SORT_KEYS else DEFAULT_SORT

    def keyset_ordering(self) -> list[str]:
        descending = self.sort.startswith("-")
        return [f"-{key}" if descending else key for key in SORT_KEYS[self.sort.lstrip("-")]]

    def filter_queryset(self, queryset: QuerySet[Lead]) -> QuerySet[Lead]:
        keys = {key.lstrip("-") for key in self.keyset_ordering()}
        if "status_rank" in keys:
            queryset = queryset.annotate(status_rank=STATUS_RANK)
        if "owner_name" in keys:
            queryset = queryset.annotate(owner_name=OWNER_NAME)
        filtered: QuerySet[Lead] = super().filter_queryset(queryset)
        return filtered

    def sort_columns(self, query: QueryDict) -> dict[str, SortColumn]:
        """Each sortable column's link: ascending first, then descending; filters kept, page reset."""
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


class TagsField(forms.CharField):
    """Comma-separated text in, a list of distinct tags out."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Separate tags with commas.")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list | tuple):
            return [str(tag) for tag in value]
        tags = [tag.strip() for tag in str(value or "").split(",")]
        return list(dict.fromkeys(tag for tag in tags if tag))

    def validate(self, value: Any) -> None:
        super().validate(value)
        too_long = [tag for tag in value if len(tag) > 50]
        if too_long:
            raise ValidationError(f"Tags have at most 50 characters: {too_long[0][:50]}…", code="max_length")


class LeadForm(forms.ModelForm):
    """Create and edit; fields the user's role may not change are shown disabled and never saved."""

    website = forms.URLField(label="Website", max_length=300, required=False, assume_scheme="https")
    tags = TagsField(label="Tags", required=False)

    class Meta:
        model = Lead
        fields = [*CONTACT_FIELDS, *QUALIFICATION_FIELDS, *MARKETING_FORM_FIELDS, "owner"]
        widgets = {"need": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "lead_%s")  # the detail page also holds the timeline's task "title"
        super().__init__(*args, **kwargs)
        owner = cast(forms.ModelChoiceField, self.fields["owner"])
        owners = access.assignable_owners(user)
        if self.instance.owner_id is not None:
            owners = owners | User.objects.filter(pk=self.instance.owner_id)
        owner.queryset = owners
        queue = bool(leads_may_be_queued(user)) or (
            self.instance.pk is not None and self.instance.owner_id is None
        )
        owner.required = not queue
        owner.empty_label = "Unassigned queue" if queue else None
        if self.instance.pk is None:
            self.initial.setdefault("owner", user.pk)
        writable = access.writable_fields(user, Lead)
        self.locked = [name for name in self.fields if writable is not None and name not in writable]
        for name in self.locked:
            self.fields[name].disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.locked:
            if self._posted_a_change(name):
                self.add_error(name, "Your role cannot change this field.")
        return cleaned

    def _posted_a_change(self, name: str) -> bool:
        """A disabled field is never posted by a browser; a forged value that differs is refused."""
        key = self.add_prefix(name)
        if key not in self.data:
            return False
        probe = copy.copy(self.fields[name])
        probe.disabled = False
        posted = probe.widget.value_from_datadict(self.data, self.files, key)
        return bool(probe.has_changed(self.get_initial_for_field(probe, name), posted))

    def focus_first_field(self) -> None:
        """For the inline form: HTMX moves the focus to an autofocus field when it swaps the form in."""
        name = next(name for name in self.fields if name not in self.locked)
        self.fields[name].widget.attrs["autofocus"] = True

    @property
    def editable_data(self) -> dict[str, Any]:
        """The cleaned values the user may change: what the create and update services receive."""
        return {name: value for name, value in self.cleaned_data.items() if name not in self.locked}

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Fieldsets by topic; when the role may change only some fields, theirs come first."""
        sections = [
            ("Contact", [self[name] for name in CONTACT_FIELDS]),
            ("Qualification", [self[name] for name in QUALIFICATION_FIELDS]),
            ("Marketing", [self[name] for name in MARKETING_FORM_FIELDS]),
            ("Assignment", [self["owner"]]),
        ]
        return sorted(sections, key=lambda section: all(field.name in self.locked for field in section[1]))


class LeadStatusForm(forms.Form):
    # Any status parses; the select offers only the allowed ones, and the service refuses the rest.
    status = forms.ChoiceField(label="New status", choices=[("", "Choose a status"), *LeadStatus.choices])
    reason = forms.CharField(
        label="Reason for disqualifying",
        max_length=300,
        required=False,
        help_text="Required when disqualifying.",
    )

    def __init__(self, *args: Any, lead: Lead, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "status_%s")
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.choices = [("", "Choose a status"), *lead_next_statuses(lead)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("status") == LeadStatus.DISQUALIFIED and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why the lead is disqualified.")
        return cleaned


class SavedViewForm(forms.Form):
    name = forms.CharField(label="Save this view as", max_length=80)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "view_%s")
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        return str(self.cleaned_data["name"]).strip()

    def clean_query(self) -> str:
        return clean_list_query(self.cleaned_data["query"])
