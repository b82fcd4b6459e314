"""Reads of web-to-lead: forms with their submission counts (admins and marketers), and a public form by
its slug."""

from __future__ import annotations

from django.db.models import Count, Max, QuerySet

from crm import access
from crm.errors import NotFound
from crm.models import User
from leads.models import WebForm, WebFormSubmission

RECENT_SUBMISSIONS = 10


def webform_list(*, user: User) -> QuerySet[WebForm]:
    """The forms `user` may see, each with its submission count and latest submission, in one query."""
    forms = WebForm.objects.select_related("owner").annotate(
        submission_count=Count("submissions"), last_submission_at=Max("submissions__created_at")
    )
    return access.visible(user, forms)


def webform_get(*, user: User, pk: int) -> WebForm:
    webform = webform_list(user=user).filter(pk=pk).first()
    if webform is None:
        raise NotFound
    return webform


def webform_recent_submissions(*, form: WebForm) -> list[WebFormSubmission]:
    return list(form.submissions.select_related("lead")[:RECENT_SUBMISSIONS])


def webform_public_get(*, slug: str) -> WebForm:
    """The form behind a public address; an inactive or unknown one is a 404."""
    webform = WebForm.objects.select_related("owner").filter(slug=slug, is_active=True).first()
    if webform is None:
        raise NotFound
    return webform
