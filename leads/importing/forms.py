"""The import forms: the file to upload, then the column mapping and the import's options."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from django import forms

from crm import access
from crm.imports.mapping import IGNORE
from crm.models import Role, User
from leads.models import DuplicatePolicy

from .mapping import FIELDS

ACCEPTED_FILES = ".csv,.tsv,.txt,.xlsx"
# The owner choices that name nobody: the default lets the assignment rules pick an owner, as for any
# new lead; QUEUE leaves the leads unassigned in the queue.
BY_RULES = ""
QUEUE = "queue"


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV or Excel file",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}),
    )

    def __init__(self, *args: Any, max_rows: int, max_megabytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"A .csv file (any separator, UTF-8 or Windows encoding) or an .xlsx workbook (its first sheet), "
            f"with the column names in the first row. Up to {max_rows:,} rows and {max_megabytes} MB."
        )


class MappingForm(forms.Form):
    """One select per column of the file (labelled with the column's name), then the import's options."""

    duplicate_policy = forms.ChoiceField(
        label="Rows that match an existing lead or contact, or an earlier row of the file",
        choices=DuplicatePolicy.choices,
        initial=DuplicatePolicy.SKIP,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text="A match is the same email address (leads and contacts) or the same phone number (leads).",
    )
    all_or_nothing = forms.BooleanField(
        label="All or nothing: import no row at all if any row has an error",
        required=False,
    )
    owner = forms.ChoiceField(required=False, label="Owner of the new leads")

    def __init__(
        self, *args: Any, headers: Sequence[str], mapping: Mapping[str, str], user: User, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = list(headers)
        for index, header in enumerate(self.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header,
                choices=FIELDS.choices,
                required=False,
                initial=mapping.get(header, IGNORE),
            )
        self.people = access.assignable_owners(user).order_by("first_name", "last_name", "username")
        if user.role == Role.SALES_REP and not user.is_admin:
            nobody = [(BY_RULES, "Me")]  # a rep's imported leads are theirs
        else:
            nobody = [
                (BY_RULES, "Nobody yet: the assignment rules decide (else the queue)"),
                (QUEUE, "Nobody: leave them in the queue"),
            ]
        owner = cast(forms.ChoiceField, self.fields["owner"])
        owner.choices = lambda: [*nobody, *((str(person.pk), str(person)) for person in self.people)]

    def clean(self) -> dict[str, Any]:
        """`owner` becomes the chosen person or None, and `run_assignment_rules` says what None means."""
        cleaned = super().clean() or {}
        choice = cleaned.get("owner") or BY_RULES
        cleaned["run_assignment_rules"] = choice != QUEUE
        cleaned["owner"] = None if choice in (BY_RULES, QUEUE) else self.people.filter(pk=choice).first()
        return cleaned

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{index}"] for index in range(len(self.headers))]

    def option_fields(self) -> list[forms.BoundField]:
        return [self["duplicate_policy"], self["all_or_nothing"], self["owner"]]

    def mapping(self) -> dict[str, str]:
        """{header: field} from the cleaned selects."""
        return {
            header: self.cleaned_data.get(f"column_{index}") or IGNORE
            for index, header in enumerate(self.headers)
        }
