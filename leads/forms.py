"""The lead pages' forms: they parse and validate input; the services decide and write."""

from __future__ import annotations

import copy
from typing import Any, ClassVar, cast

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Concat, Trim

from crm import access
from crm.lists.sorting import KeysetSorting
from crm.models import User

from .filters import LeadFilter
from .models import IDENTITY_FIELDS, MARKETING_FIELD_ORDER, Lead, LeadStatus
from .rules import lead_next_statuses, leads_may_be_queued

# The list's sorts: `ordering` parameter -> (column label, sort fields); keyset pages add the id.
SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("Name", ("last_name", "first_name")),
    "company": ("Company", ("company",)),
    "status": ("Status", ("status_rank",)),
    "score": ("Score", ("score",)),
    "owner": ("Owner", ("owner_name",)),
    "created_at": ("Created", ("created_at",)),
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


class LeadListFilter(KeysetSorting, LeadFilter):
    """LeadFilter as the list page shows it: checkboxes, date pickers, and sorting by owner too."""

    sorts: ClassVar = SORTS
    default_sort = "-created_at"
    sort_annotations: ClassVar = {"status_rank": STATUS_RANK, "owner_name": OWNER_NAME}
    ordering = django_filters.OrderingFilter(
        label="Sort by",
        fields=[(keys[0], param) for param, (_, keys) in SORTS.items()],
        field_labels={keys[0]: label for label, keys in SORTS.values()},
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
