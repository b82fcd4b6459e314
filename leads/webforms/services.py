"""Every write of web-to-lead: designing a form (admins and marketers) and turning a submission into a
lead, or into an update of the open lead that already has the visitor's email address."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import capfirst, slugify

from crm import access
from crm.errors import Conflict, Invalid, NotFound
from crm.models import User
from crm.records import apply_changes, check_owner_assignable, lock_for_change, validate
from crm.timeline.engagement import FORM_SUBMITTED, engagement_record
from crm.timeline.events import event_record
from leads.dedupe.pending import duplicates_stale, lead_duplicates_check_soon
from leads.models import (
    IDENTITY_FIELDS,
    Lead,
    LeadSettings,
    LeadSource,
    LeadStatus,
    WebForm,
    WebFormSubmission,
)
from leads.models.webforms import RepeatSubmission
from leads.services.leads import lead_capture, normalize_email, normalize_phone

from .events import LEAD_FORM_RESUBMITTED

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
        "redirect_url",
        "repeat_submissions",
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
# First keys of pg_advisory_xact_lock(int, int): "web-form submissions of one IP address", and "of one
# email address" (two submissions at once from one person must not both find no open lead and create two).
SUBMISSION_LOCK_CLASS = 7311
EMAIL_LOCK_CLASS = 7312
SLUG_MAX_LENGTH = 50  # WebForm.slug's
# A lead that is still being worked: a repeat submission updates it rather than starting another.
CLOSED_STATUSES = (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)


class SubmissionRateLimited(Conflict):
    """One address has sent as many submissions as the lead settings allow in an hour."""

    def __init__(self) -> None:
        super().__init__(
            "We have received too many submissions from your network in the last hour. "
            "Please try again later.",
            code="rate_limited",
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
        raise Invalid(errors={"fields": errors}, code="fields_invalid")
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


def _free_slug(name: str, *, form_id: int | None) -> str:
    """The form's address made from its name ("Book a demo" -> "book-a-demo"), numbered when taken."""
    base = slugify(name)[:SLUG_MAX_LENGTH].strip("-_")
    if not base:
        raise Invalid(
            "The name has no letters or digits to make an address from; type the address.",
            field="slug",
            code="slug_required",
        )
    others = WebForm.objects.exclude(pk=form_id) if form_id is not None else WebForm.objects.all()
    slug, number = base, 2
    while others.filter(slug=slug).exists():
        suffix = f"-{number}"
        slug, number = f"{base[: SLUG_MAX_LENGTH - len(suffix)].rstrip('-_')}{suffix}", number + 1
    return slug


@transaction.atomic
def webform_create(*, actor: User, fields: Mapping[str, Any]) -> WebForm:
    """Creates a form from its settings; `fields["fields"]` is the list of questions. Without a slug,
    the form's address is made from its name."""
    access.ensure_can_create(actor, WebForm)
    values = _clean_design({"fields": [], **fields})
    if not str(values.get("slug") or "").strip():
        values["slug"] = _free_slug(str(values.get("name") or ""), form_id=None)
    if values.get("owner") is not None:
        check_owner_assignable(actor=actor, owner=values["owner"])
    webform = WebForm(created_by=actor, **values)
    validate(webform, exclude=UNVALIDATED)
    webform.save()
    return webform


@transaction.atomic
def webform_update(*, actor: User, form_id: int, fields: Mapping[str, Any]) -> WebForm:
    """Changes a form's settings; a slug set to "" is made again from the name."""
    webform = lock_for_change(actor=actor, model=WebForm, pk=form_id)
    values = _clean_design(fields)
    if "slug" in values and not str(values["slug"] or "").strip():
        values["slug"] = _free_slug(str(values.get("name") or webform.name), form_id=webform.pk)
    changes = apply_changes(webform, values)
    if not changes:
        return webform
    if "owner" in changes and webform.owner is not None:
        check_owner_assignable(actor=actor, owner=webform.owner)
    validate(webform, exclude=UNVALIDATED)
    webform.save()
    return webform


@transaction.atomic
def webform_delete(*, actor: User, form_id: int) -> None:
    """Deletes the form and its submission log; the leads it created stay, without their form."""
    access.ensure_admin(actor, doing="delete web forms")
    webform = WebForm.objects.select_for_update().filter(pk=form_id).first()
    if webform is None:
        raise NotFound
    webform.delete()


def _lock_ip(ip_address: str) -> None:
    """Serialises one address's submissions, so that two at once cannot both pass the last free slot."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [SUBMISSION_LOCK_CLASS, ip_address])


def _lock_email(email: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [EMAIL_LOCK_CLASS, email])


def _answers(form: WebForm, data: Mapping[str, Any]) -> dict[str, Any]:
    """The visitor's answers to the form's own questions, as the lead stores them."""
    answers: dict[str, Any] = {}
    for row in form.fields:
        name = row.get("field")
        if name in FORM_FIELDS and name in data:
            value = data[name]
            model_field = Lead._meta.get_field(name)
            answers[name] = "" if value is None and not getattr(model_field, "null", False) else value
    return answers


def _lead_fields(form: WebForm, answers: Mapping[str, Any], utm: Mapping[str, Any]) -> dict[str, Any]:
    fields = dict(answers)
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


def _open_lead(email: str) -> Lead | None:
    """The newest lead still being worked with this email address, locked for the update."""
    return (
        Lead.objects.select_for_update(of=("self",))
        .filter(email_normalized=email)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("-created_at", "-id")
        .first()
    )


def _update_open_lead(lead: Lead, *, form: WebForm, answers: Mapping[str, Any]) -> None:
    """Gives the lead the visitor's new answers. A blank answer, or a field the form does not ask for,
    keeps what the lead has; the lead keeps its email spelling, owner, source and first UTM tags."""
    values = {name: value for name, value in answers.items() if name != "email" and value not in ("", None)}
    values["tags"] = [*lead.tags, *(tag for tag in form.tags if tag not in lead.tags)]
    changes = apply_changes(lead, values)
    data = {"form": form.name}
    if changes:
        lead.phone_normalized = normalize_phone(lead.phone)
        # Only the new answers are checked: an old value the form never asked about is not the visitor's.
        validate(lead, exclude=[field.name for field in Lead._meta.fields if field.name not in changes])
        recheck = duplicates_stale(changes)
        if recheck:
            lead.duplicates_checked_at = None
        lead.save()
        if recheck:
            lead_duplicates_check_soon(lead.pk)
        data["updated"] = ", ".join(field_label(name).lower() for name in changes)
    # On the lead's timeline, so that its owner sees the visitor came back and what they said.
    event_record(actor=None, target=lead, type=LEAD_FORM_RESUBMITTED, data=data)


@transaction.atomic
def webform_submit(
    *, form: WebForm, data: Mapping[str, Any], ip_address: str, utm: Mapping[str, Any]
) -> Lead:
    """Turns a visitor's validated answers into a lead, unless their address has used up its hourly quota.

    `data` holds the parsed answers by lead field; only the form's own questions are read from it.
    `utm` holds the visitor's UTM parameters; the form's UTM defaults fill the ones missing.
    When an open lead already has the visitor's email address, a form set to update it updates it
    (see `_update_open_lead`); otherwise, or when the form is set to create, a new lead is captured.
    """
    if not form.is_active:
        raise Invalid("This form no longer takes submissions.", code="form_inactive")
    _lock_ip(ip_address)
    limit = LeadSettings.current().webform_submissions_per_hour
    recent = WebFormSubmission.objects.filter(
        ip_address=ip_address, created_at__gte=timezone.now() - RATE_WINDOW
    ).count()
    if recent >= limit:
        raise SubmissionRateLimited
    answers = _answers(form, data)
    email = normalize_email(str(answers.get("email") or ""))
    lead = None
    if email and form.repeat_submissions == RepeatSubmission.UPDATE:
        _lock_email(email)
        lead = _open_lead(email)
        if lead is not None:
            _update_open_lead(lead, form=form, answers=answers)
    if lead is None:
        lead = lead_capture(fields=_lead_fields(form, answers, utm))
    WebFormSubmission.objects.create(form=form, ip_address=ip_address, lead=lead)
    engagement_record(target=lead, type=FORM_SUBMITTED, data={"form": form.slug})
    return lead
