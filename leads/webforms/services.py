"""Every write of web-to-lead: designing a form (admins only) and turning a submission into a lead."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import capfirst

from crm import access
from crm.errors import DomainError
from crm.models import User
from crm.services.engagement import FORM_SUBMITTED, engagement_record
from crm.services.records import apply_changes, check_owner_assignable
from leads.models import IDENTITY_FIELDS, Lead, LeadSettings, LeadSource, WebForm, WebFormSubmission
from leads.services import lead_capture

# The lead fields a public form may ask for, in the order the editor offers them.
FORM_FIELDS: tuple[str, ...] = (*IDENTITY_FIELDS, "need")
# Every lead needs a name, an email address or a company (a model constraint), so every form
# must require at least one of these.
IDENTIFYING_FIELDS = frozenset({"email", "last_name", "company"})
UTM_PARAMETERS: tuple[str, ...] = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
DESIGN_FIELDS = frozenset(
    {
        "name",
        "slug",
        "is_active",
        "fields",
        "thank_you_message",
        "owner",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "tags",
    }
)
# Set by the services, never by the designer; null (not blank) once its creator is deleted.
UNVALIDATED = ["created_by"]
LABEL_MAX_LENGTH = 100
UTM_MAX_LENGTH = 200  # the Lead's UTM columns; longer values from a query string are cut, not refused
RATE_WINDOW = timedelta(hours=1)
# First key of pg_advisory_xact_lock(int, int): "web-form submissions of one IP address".
SUBMISSION_LOCK_CLASS = 7311


class SubmissionRateLimited(DomainError):
    """One address has sent as many submissions as the lead settings allow in an hour."""

    def __init__(self) -> None:
        super().__init__(
            "We have received too many submissions from your network in the last hour. "
            "Please try again later."
        )


def field_label(name: str) -> str:
    """The default label of a lead field, e.g. "Job title"."""
    return str(capfirst(getattr(Lead._meta.get_field(name), "verbose_name", name)))


def clean_field_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The form's questions as stored: known lead fields, each once, labelled, one identifying required."""
    cleaned: list[dict[str, Any]] = []
    errors: list[str] = []
    for row in rows:
        name = str(row.get("field") or "").strip()
        label = str(row.get("label") or "").strip()
        if name not in FORM_FIELDS:
            errors.append(f"“{name}” is not a lead field a web form can ask for.")
            continue
        if any(existing["field"] == name for existing in cleaned):
            errors.append(f"The {field_label(name).lower()} field is asked for twice.")
            continue
        if not label:
            errors.append(f"Give the {field_label(name).lower()} field a label visitors can read.")
        elif len(label) > LABEL_MAX_LENGTH:
            errors.append(
                f"Keep the label of the {field_label(name).lower()} field to {LABEL_MAX_LENGTH} characters."
            )
        cleaned.append({"field": name, "label": label, "required": row.get("required") is True})
    if not any(row["field"] in IDENTIFYING_FIELDS and row["required"] for row in cleaned):
        errors.append(
            "Ask for an email address, a last name or a company, and make at least one of them required: "
            "every lead needs one."
        )
    if errors:
        raise ValidationError({"fields": errors})
    return cleaned


def clean_tags(tags: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))


def _clean_design(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - DESIGN_FIELDS
    if unknown:
        raise TypeError(f"A web form has no setting {', '.join(sorted(unknown))}.")
    values = dict(fields)
    if "fields" in values:
        values["fields"] = clean_field_rows(values["fields"])
    if "tags" in values:
        values["tags"] = clean_tags(values["tags"])
    return values


@transaction.atomic
def webform_create(*, actor: User, fields: Mapping[str, Any]) -> WebForm:
    """Creates a form from its settings; `fields["fields"]` is the list of questions."""
    access.ensure_admin(actor, doing="design web forms")
    values = _clean_design({"fields": [], **fields})
    if values.get("owner") is not None:
        check_owner_assignable(actor=actor, owner=values["owner"])
    webform = WebForm(created_by=actor, **values)
    webform.full_clean(exclude=UNVALIDATED)
    webform.save()
    return webform


def _lock(form_id: int) -> WebForm:
    webform = WebForm.objects.select_for_update().filter(pk=form_id).first()
    if webform is None:
        raise Http404
    return webform


@transaction.atomic
def webform_update(*, actor: User, form_id: int, fields: Mapping[str, Any]) -> WebForm:
    access.ensure_admin(actor, doing="design web forms")
    webform = _lock(form_id)
    changes = apply_changes(webform, _clean_design(fields))
    if not changes:
        return webform
    if "owner" in changes and webform.owner is not None:
        check_owner_assignable(actor=actor, owner=webform.owner)
    webform.full_clean(exclude=UNVALIDATED)
    webform.save()
    return webform


@transaction.atomic
def webform_delete(*, actor: User, form_id: int) -> None:
    """Deletes the form and its submission log; the leads it created stay, without their form."""
    access.ensure_admin(actor, doing="design web forms")
    _lock(form_id).delete()


def _lock_ip(ip_address: str) -> None:
    """Serialises one address's submissions, so that two at once cannot both pass the last free slot."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [SUBMISSION_LOCK_CLASS, ip_address])


def _lead_fields(form: WebForm, data: Mapping[str, Any], utm: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for row in form.fields:
        name = row.get("field")
        if name in FORM_FIELDS and name in data:
            value = data[name]
            model_field = Lead._meta.get_field(name)
            fields[name] = "" if value is None and not getattr(model_field, "null", False) else value
    defaults = {
        "utm_source": form.utm_source,
        "utm_medium": form.utm_medium,
        "utm_campaign": form.utm_campaign,
    }
    for key in UTM_PARAMETERS:
        given = str(utm.get(key) or "").strip()[:UTM_MAX_LENGTH]
        fields[key] = given or defaults.get(key, "")
    fields.update(source=LeadSource.WEB_FORM, web_form=form, tags=list(form.tags))
    if form.owner is not None and form.owner.is_active:
        fields["owner"] = form.owner
    return fields


@transaction.atomic
def webform_submit(
    *, form: WebForm, data: Mapping[str, Any], ip_address: str, utm: Mapping[str, Any]
) -> Lead:
    """Turns a visitor's validated answers into a lead, unless their address has used up its hourly quota.

    `data` holds the parsed answers by lead field; only the form's own questions are read from it.
    `utm` holds the visitor's UTM parameters; the form's UTM defaults fill the ones missing.
    """
    if not form.is_active:
        raise DomainError("This form no longer takes submissions.")
    _lock_ip(ip_address)
    limit = LeadSettings.current().webform_submissions_per_hour
    recent = WebFormSubmission.objects.filter(
        ip_address=ip_address, created_at__gte=timezone.now() - RATE_WINDOW
    ).count()
    if recent >= limit:
        raise SubmissionRateLimited
    lead = lead_capture(fields=_lead_fields(form, data, utm))
    WebFormSubmission.objects.create(form=form, ip_address=ip_address, lead=lead)
    engagement_record(target=lead, type=FORM_SUBMITTED, data={"form": form.slug})
    return lead
