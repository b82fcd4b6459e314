"""The import forms: the record type and file to upload, then the column mapping and the import's options."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django import forms

from crm import access
from crm.models import DuplicatePolicy, User
from crm.models.imports import DateOrder

from .mapping import IGNORE, ImportFields
from .registry import RecordType
from .saved import SavedMappingMatch
from .services import MAX_MEGABYTES, MAX_ROWS

ACCEPTED_FILES = ".csv,.tsv,.txt,.xlsx"
ME = ""  # the owner choice that names nobody: the records get the person who uploaded the file


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="Import")
    file = forms.FileField(
        label="CSV or Excel file",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}),
        help_text=(
            "A .csv file (any separator, UTF-8 or Windows encoding) or an .xlsx workbook (its first sheet), "
            f"with the column names in the first row. Up to {MAX_ROWS:,} rows and {MAX_MEGABYTES} MB."
        ),
    )

    def __init__(self, *args: Any, record_types: Sequence[RecordType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = cast(forms.ChoiceField, self.fields["kind"])
        kind.choices = [(record_type.kind, record_type.label) for record_type in record_types]


class MappingForm(forms.Form):
    """One select per column of the file (labelled with the column's name), then the import's options."""

    duplicate_policy = forms.ChoiceField(
        label="Rows that match an existing record or an earlier row of the file",
        choices=DuplicatePolicy.choices,
        initial=DuplicatePolicy.SKIP,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    all_or_nothing = forms.BooleanField(
        label="All or nothing: import no row at all if any row has an error",
        required=False,
    )
    date_order = forms.ChoiceField(
        required=False,
        label="Dates such as 03/04/2024 are",
        choices=[("", "Not known yet: report such dates"), *DateOrder.choices],
        help_text="Dates written 2024-04-03, or with a day above 12, are read whatever you choose.",
    )
    owner = forms.ChoiceField(
        required=False,
        label="Owner of the new records",
        help_text="For the rows that name no owner of their own.",
    )
    save_as = forms.CharField(
        required=False,
        max_length=80,
        label="Save this mapping as",
        help_text="e.g. “Salesforce opportunities”: everyone who imports these records can apply it to "
        "their files, and a file with the same columns comes mapped with it. An existing name is updated.",
    )

    def __init__(
        self,
        *args: Any,
        headers: Sequence[str],
        fields: ImportFields,
        mapping: Mapping[str, str],
        user: User,
        date_order: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if date_order is None:
            del self.fields["date_order"]  # the record type has no dates
        else:
            self.initial["date_order"] = date_order
        self.headers = list(headers)
        for index, header in enumerate(self.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header,
                choices=fields.choices,
                required=False,
                initial=mapping.get(header, IGNORE),
            )
        self.people = (
            access.assignable_owners(user).exclude(pk=user.pk).order_by("first_name", "last_name", "username")
        )
        owner = cast(forms.ChoiceField, self.fields["owner"])
        owner.choices = lambda: [(ME, "Me"), *((str(person.pk), str(person)) for person in self.people)]
        if not fields.owned:
            del self.fields["owner"]  # products, users, teams: nobody owns them

    def clean(self) -> dict[str, Any]:
        """`owner` becomes the chosen person, or None for the uploader."""
        cleaned = super().clean() or {}
        choice = cleaned.get("owner") or ME
        cleaned["owner"] = None if choice == ME else self.people.filter(pk=choice).first()
        return cleaned

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{index}"] for index in range(len(self.headers))]

    def mapping(self) -> dict[str, str]:
        """{header: field} from the cleaned selects."""
        return {
            header: self.cleaned_data.get(f"column_{index}") or IGNORE
            for index, header in enumerate(self.headers)
        }


class SavedMappingChoiceForm(forms.Form):
    """The record type's saved mappings, those that know most of the file's columns first."""

    saved = forms.ChoiceField(
        required=False,
        label="Apply a saved mapping",
        help_text="Those that know most of this file’s columns come first; the columns a mapping does not "
        "know keep their guessed fields.",
    )

    def __init__(self, *args: Any, matches: Sequence[SavedMappingMatch], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        saved = cast(forms.ChoiceField, self.fields["saved"])
        saved.choices = [
            (str(match.saved.pk), f"{match.saved.name} ({match.matched} of {match.headers} columns known)")
            for match in matches
        ]


VALUE_FIELD = re.compile(r"^value-(\w+)-(\d+)$")


def posted_values(data: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The Values selects of the mapping page: {field: {cell: option key}} (the cell rides in a hidden
    input beside each select, so a select never depends on the order the page listed the cells in)."""
    values: dict[str, dict[str, str]] = {}
    for name, key in data.items():
        match = VALUE_FIELD.match(name)
        cell = data.get(f"{name}-cell", "")
        if match and cell:
            values.setdefault(match[1], {})[cell] = key
    return values
