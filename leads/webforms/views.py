"""Web-form pages: the designers' list, editor and detail page (with the embed snippet), and the public form
with its thank-you page."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from crm.errors import DomainError
from crm.web.views import AuthenticatedRequest, admin_only, service_error
from leads.access import can_design_webforms
from leads.models import WebForm

from . import selectors, services
from .forms import FIELD_ROWS_PREFIX, STARTER_ROWS, FieldRowFormSet, PublicWebForm, WebFormEditorForm

# Stored for a request whose REMOTE_ADDR is not an address (e.g. a server on a Unix socket): such
# requests share one rate limit rather than escaping it.
UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104  (a stored value, not a socket bound to all interfaces)
# The embedded frame's height: a heading and a button, plus one row per question.
EMBED_BASE_HEIGHT = 260
EMBED_ROW_HEIGHT = 90
# "See Other": after a POST the browser GETs the thank-you page, so reloading it sends nothing again.
SEE_OTHER = 303


def designers_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Admins and marketers (see leads.access.WEBFORM_POLICY); to anyone else the pages do not exist."""

    @login_required
    @wraps(view)
    def wrapped(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_design_webforms(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@designers_only
def webform_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request, "leads/webforms/list.html", {"webforms": selectors.webform_list(user=request.user)}
    )


def _editor_page(request: AuthenticatedRequest, webform: WebForm | None) -> HttpResponse:
    title = f"Edit {webform}" if webform else "New web form"
    cancel_url = webform.get_absolute_url() if webform else reverse("leads:webform-list")
    data = request.POST if request.method == "POST" else None
    form = WebFormEditorForm(data, instance=webform, user=request.user)
    rows = FieldRowFormSet(
        data, initial=webform.fields if webform else STARTER_ROWS, prefix=FIELD_ROWS_PREFIX
    )
    if data is not None and all([form.is_valid(), rows.is_valid()]):
        fields = {**form.cleaned_data, "fields": rows.rows()}
        try:
            if webform is None:
                saved = services.webform_create(actor=request.user, fields=fields)
            else:
                saved = services.webform_update(actor=request.user, form_id=webform.pk, fields=fields)
        except DomainError as error:
            service_error(form, error)
        else:
            messages.success(request, f"Saved the web form {saved}.")
            return redirect(saved)
    context = {"form": form, "rows": rows, "title": title, "cancel_url": cancel_url}
    return render(request, "leads/webforms/form.html", context)


@designers_only
@require_http_methods(["GET", "POST"])
def webform_create(request: AuthenticatedRequest) -> HttpResponse:
    return _editor_page(request, None)


@designers_only
@require_http_methods(["GET", "POST"])
def webform_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _editor_page(request, selectors.webform_get(user=request.user, pk=pk))


def embed_snippet(*, url: str, title: str, questions: int) -> str:
    """The <iframe> an admin pastes into their site; its attributes are escaped for that page."""
    height = EMBED_BASE_HEIGHT + EMBED_ROW_HEIGHT * questions
    return format_html(
        '<iframe src="{}" title="{}" width="100%" height="{}" style="border: 0;" loading="lazy"></iframe>',
        url,
        title,
        height,
    )


@designers_only
def webform_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    webform = selectors.webform_get(user=request.user, pk=pk)
    public_url = request.build_absolute_uri(reverse("webform-public", args=[webform.slug]))
    questions = [
        {**row, "field_label": services.field_label(row["field"])}
        for row in webform.fields
        if row.get("field") in services.FORM_FIELDS
    ]
    context = {
        "webform": webform,
        "questions": questions,
        "public_url": public_url,
        "embed_snippet": embed_snippet(url=public_url, title=webform.name, questions=len(questions)),
        "submissions": selectors.webform_recent_submissions(form=webform),
        "utm_parameters": services.UTM_PARAMETERS,
        "can_delete": request.user.is_admin,
    }
    return render(request, "leads/webforms/detail.html", context)


@admin_only
@require_http_methods(["GET", "POST"])
def webform_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    webform = selectors.webform_get(user=request.user, pk=pk)
    if request.method == "POST":
        services.webform_delete(actor=request.user, form_id=pk)
        messages.success(request, f"Deleted the web form {webform}.")
        return redirect("leads:webform-list")
    return render(request, "leads/webforms/confirm_delete.html", {"webform": webform})


def client_ip(request: HttpRequest) -> str:
    """The connecting address. X-Forwarded-For is not read: any client can write it, so trusting it
    would let a spammer pick a fresh address for every submission."""
    try:
        return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return UNKNOWN_ADDRESS


def _public_page(template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    # Rendered without the request: no session, user or CSRF cookie is read or set for visitors.
    return HttpResponse(loader.render_to_string(f"leads/webforms/{template}", context), status=status)


# CSRF: exempt, on purpose. The form is made to be framed by the customer's own website, a cross-site
# frame: browsers do not send this site's SameSite=Lax csrftoken cookie there (and with third-party
# cookies blocked, as in Safari and Firefox's partitioning, not even keep it), so a CSRF check would
# refuse every embedded submission. Nor would it protect anything: CSRF stops a page from acting with a
# visitor's session, and this view reads no session or user; anyone may post to it directly anyway.
# Abuse is met by the honeypot and the per-address rate limit instead.
@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def webform_public(request: HttpRequest, slug: str) -> HttpResponse:
    webform = selectors.webform_public_get(slug=slug)
    if request.method == "GET":
        initial = {key: request.GET.get(key, "") for key in services.UTM_PARAMETERS}
        form = PublicWebForm(initial=initial, webform=webform)
        return _public_page("public_form.html", {"webform": webform, "form": form})
    form = PublicWebForm(request.POST, webform=webform)
    if form.caught_in_honeypot:
        return _thanked(webform)  # a bot learns nothing
    status = 200
    if form.is_valid():
        try:
            services.webform_submit(
                form=webform, data=form.answers(), ip_address=client_ip(request), utm=form.utm(request.GET)
            )
        except DomainError as error:
            service_error(form, error)
            if isinstance(error, services.SubmissionRateLimited):
                status = 429
        else:
            return _thanked(webform)
    return _public_page("public_form.html", {"webform": webform, "form": form}, status=status)


def _thanked(webform: WebForm) -> HttpResponse:
    """Sends the browser on to the form's thank-you page (its own, or the one on the customer's site)."""
    response = HttpResponseRedirect(webform.redirect_url or reverse("webform-thanks", args=[webform.slug]))
    response.status_code = SEE_OTHER
    return response


@xframe_options_exempt
@require_GET
def webform_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    return _public_page("public_thanks.html", {"webform": selectors.webform_public_get(slug=slug)})
