"""The merge screen's form: for each field the two leads hold differently, which value to keep."""

from __future__ import annotations

from typing import Any

from django import forms

from .fields import SIDES
from .selectors import FieldDifference


class MergeForm(forms.Form):
    def __init__(self, *args: Any, differences: list[FieldDifference], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for difference in differences:
            self.fields[difference.name] = forms.ChoiceField(
                label=difference.label,
                choices=[("kept", difference.kept), ("merged", difference.merged)],
                initial=difference.initial,
                widget=forms.RadioSelect(
                    attrs={"class": "form-check-input", "aria-describedby": f"merge-{difference.name}"}
                ),
                error_messages={"required": f"Pick which {difference.label.lower()} to keep."},
            )

    def field_choices(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value in SIDES}
