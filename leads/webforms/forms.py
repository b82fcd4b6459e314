"""Web-form HTML forms: the public form a visitor fills in, and the admin's editor with its question rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.db import models

from crm import access
from crm.models import User
from leads.models import Lead, WebForm

from .services import FORM_FIELDS, LABEL_MAX_LENGTH, UTM_PARAMETERS, field_label

# Bots fill every input they find; people never see this one (see public_form.html). Its name must not
# look like anything a browser autofills, or real visitors would be dropped silently.
HONEYPOT = "website_url"
NEED_MAX_LENGTH = 4000
# The browser's autofill hints (WCAG 1.3.5, "identify input purpose").
AUTOCOMPLETE = {
    "first_name": "given-name",
    "last_name": "family-name",
    "email": "email",
    "phone": "tel",
    "company": "organization",
    "title": "organization-title",
    "website": "url",
    "country": "country-name",
}


def _question(name: str, *, label: str, required: bool) -> forms.Field:
    """The form field for a lead field: its model's type and limits, the form designer's label."""
    model_field = Lead._meta.get_field(name)
    if not isinstance(model_field, models.Field):
        raise TypeError(f"{name} is not a lead column.")
    extra: dict[str, Any] = {}
    if name == "website":
        extra["assume_scheme"] = "https"
    if name == "need":
        extra["max_length"] = NEED_MAX_LENGTH
    field = model_field.formfield(label=label, required=required, help_text="", **extra)
    if field is None:
        raise TypeError(f"{name} has no form field.")
    if name == "phone":
        field.widget.input_type = "tel"
    if name == "need":
        field.widget.attrs["rows"] = 4
    if name in AUTOCOMPLETE:
        field.widget.attrs["autocomplete"] = AUTOCOMPLETE[name]
    return field


class PublicWebForm(forms.Form):
    """The questions an admin designed, hidden UTM parameters, and the honeypot."""

    def __init__(self, *args: Any, webform: WebForm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.webform = webform
        for row in webform.fields:
            name = row.get("field")
            if name in FORM_FIELDS:  # a row saved around the services is skipped, never trusted
                label = str(row.get("label") or field_label(name))
                self.fields[name] = _question(name, label=label, required=row.get("required") is True)
        for key in UTM_PARAMETERS:
            self.fields[key] = forms.CharField(required=False, widget=forms.HiddenInput, strip=True)
        self.fields[HONEYPOT] = forms.CharField(
            label="Leave this field empty",
            required=False,
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
        )

    @property
    def questions(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name in FORM_FIELDS]

    @property
    def honeypot(self) -> forms.BoundField:
        return self[HONEYPOT]

    @property
    def caught_in_honeypot(self) -> bool:
        return self.is_bound and bool(str(self.data.get(HONEYPOT) or "").strip())

    def answers(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.fields if name in FORM_FIELDS}

    def utm(self, fallback: Mapping[str, str]) -> dict[str, str]:
        """The UTM parameters posted with the form, else those in the address it was posted to."""
        return {key: self.cleaned_data.get(key) or fallback.get(key, "") for key in UTM_PARAMETERS}


class WebFormEditorForm(forms.ModelForm):
    """The form's settings; its questions are the rows of `FieldRowFormSet`."""

    tags = forms.CharField(
        label="Tags for its leads", required=False, help_text="Separate tags with commas, e.g. webinar, 2025."
    )
    redirect_url = forms.URLField(
        label="Thank-you page on your site (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Send visitors to this address after they submit, instead of the thank-you message.",
    )

    class Meta:
        model = WebForm
        fields = [
            "name",
            "slug",
            "is_active",
            "thank_you_message",
            "redirect_url",
            "repeat_submissions",
            "owner",
            "utm_source",
            "utm_medium",
            "utm_campaign",
        ]
        labels = {
            "slug": "Public address",
            "is_active": "Accepting submissions",
            "owner": "Owner of its leads",
            "repeat_submissions": "When someone submits again with the email address of an open lead",
        }
        help_texts = {
            "slug": "The form is at /f/<address>/: letters, digits and hyphens, made from the name if empty.",
            "utm_source": "Used when the visitor's address carries no utm_source.",
            "utm_medium": "Used when the visitor's address carries no utm_medium.",
            "utm_campaign": "Used when the visitor's address carries no utm_campaign.",
        }
        widgets = {
            "thank_you_message": forms.Textarea(attrs={"rows": 3}),
            "repeat_submissions": forms.RadioSelect(attrs={"class": "form-check-input"}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        owner = cast(forms.ModelChoiceField, self.fields["owner"])
        # Whom the designer may give leads to, and whoever has them now (kept when someone else edits).
        owner.queryset = (
            access.assignable_owners(user) | User.objects.filter(pk=self.instance.owner_id)
        ).order_by("first_name", "last_name", "username")
        owner.empty_label = "Nobody: the assignment rules decide"
        if self.instance.pk is None:
            # static/leads/webform_designer.js fills the address from the name as it is typed.
            self.fields["slug"].widget.attrs["data-slug-from"] = self["name"].auto_id
        else:
            self.initial["tags"] = ", ".join(self.instance.tags)
            self.fields[
                "slug"
            ].help_text = (
                "The form is at /f/<address>/. Changing it breaks the form on every site that embeds it."
            )

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]


class FieldRowForm(forms.Form):
    """One question; a row whose lead field is "—" is left out."""

    field = forms.ChoiceField(
        label="Lead field",
        required=False,
        choices=[("", "—"), *((name, field_label(name)) for name in FORM_FIELDS)],
    )
    label = forms.CharField(label="Label visitors see", max_length=LABEL_MAX_LENGTH, required=False)
    required = forms.BooleanField(label="Required", required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("field") and not cleaned.get("label"):
            self.add_error("label", "Give this question a label visitors can read.")
        return cleaned


class BaseFieldRowFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this question"

    def rows(self) -> list[dict[str, Any]]:
        """The kept questions, in order; untouched blank rows are skipped."""
        return [
            {key: form.cleaned_data[key] for key in ("field", "label", "required")}
            for form in self.forms
            if form.cleaned_data.get("field") and not form.cleaned_data.get("DELETE")
        ]


FieldRowFormSet = cast(
    type[BaseFieldRowFormSet],
    forms.formset_factory(FieldRowForm, formset=BaseFieldRowFormSet, extra=2, can_delete=True),
)
FIELD_ROWS_PREFIX = "fields"
STARTER_ROWS: list[dict[str, Any]] = [
    {"field": "first_name", "label": "First name", "required": False},
    {"field": "last_name", "label": "Last name", "required": False},
    {"field": "email", "label": "Email address", "required": True},
    {"field": "company", "label": "Company", "required": False},
]
