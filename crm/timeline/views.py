"""A record's timeline (activities, tasks, lifecycle events, changes), the user's own tasks, and their
notifications: the list, the bell in the navigation bar, and marking them read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.customers.account360 import account_timeline
from crm.errors import DomainError
from crm.models import Account, Task, User
from crm.timeline.audit import record_changes
from crm.timeline.forms import ActivityForm, TaskForm
from crm.timeline.notifications import notifications_mark_read
from crm.timeline.presenters import account_timeline_lines, timeline_lines
from crm.timeline.rules import task_can_be_completed
from crm.timeline.selectors import (
    TASK_SECTIONS,
    my_tasks,
    notification_list,
    record_timeline,
    timeline_target,
)
from crm.timeline.services import activity_log, task_complete, task_create, task_reopen
from crm.web.views import AuthenticatedRequest, safe_next, service_error

# The event a saved activity or task sends to the page (HX-Trigger), for the boxes that listen to it.
TIMELINE_CHANGED = "timeline-changed"


def timeline_context(
    *,
    user: User,
    record: Model,
    activity_form: ActivityForm | None = None,
    task_form: TaskForm | None = None,
    status: str = "",
    older: str | None = None,
) -> dict[str, Any]:
    """What timeline/_section.html needs: the entries presented, the two forms, and which tasks `user`
    may tick.

    An account shows its 360 timeline: its contacts', deals' and converted leads' rows too, a page at
    a time from the `older` cursor.
    """
    context: dict[str, Any]
    if isinstance(record, Account):
        context = account_timeline_context(user=user, account=record, older=older)
    else:
        entries = record_timeline(record=record)
        tasks = [entry.item for entry in entries if isinstance(entry.item, Task)]
        context = {
            "timeline": timeline_lines(entries),
            "changeable_task_ids": {task.pk for task in tasks if task_can_be_completed(user, task)},
        }
    return {
        **context,
        "record": record,
        "activity_form": activity_form or ActivityForm(),
        "task_form": task_form or TaskForm(user=user),
        "timeline_status": status,
    }


def account_timeline_context(*, user: User, account: Account, older: str | None = None) -> dict[str, Any]:
    """A page of the account's 360 timeline, and which of its tasks `user` may tick."""
    page = account_timeline(account=account, older=older)
    return {
        "record": account,
        "account_timeline": page,
        "account_timeline_entries": account_timeline_lines(page.entries),
        "changeable_task_ids": {task.pk for task in page.tasks if task_can_be_completed(user, task)},
    }


def record_sections(*, user: User, record: Model, older: str | None = None) -> dict[str, Any]:
    """The timeline shown on every record's detail page; its change history loads when opened
    (record_changes_page)."""
    return timeline_context(user=user, record=record, older=older)


@login_required
@require_GET
def record_changes_page(request: AuthenticatedRequest, label: str, pk: int) -> HttpResponse:
    """A record's change history: the section its detail page loads when opened, or a page of its own
    (the section's link without JavaScript)."""
    record = timeline_target(user=request.user, label=label, pk=pk)
    template = "timeline/_changes.html" if request.htmx else "timeline/changes.html"
    return render(request, template, {"record": record, "changes": record_changes(record=record)})


def _timeline_response(
    request: AuthenticatedRequest, record: Model, form: Form, *, saved: bool, status: str, **forms: Any
) -> HttpResponse:
    if request.htmx:
        # The success note only after a save: a refused form shows its errors alone.
        context = timeline_context(user=request.user, record=record, status=status if saved else "", **forms)
        response = render(request, "timeline/_section.html", context)
        if saved:
            # Parts of the record's page that depend on its timeline (a deal's exit criteria) reload.
            response["HX-Trigger"] = TIMELINE_CHANGED
        return response
    if saved:
        messages.success(request, status)
    else:
        errors = "; ".join(str(error) for field_errors in form.errors.values() for error in field_errors)
        messages.error(request, f"Nothing was saved: {errors}")
    return redirect(_record_url(record))


def _record_url(record: Model) -> str:
    url: str = record.get_absolute_url()  # type: ignore[attr-defined]  # every timeline record type has one
    return url


@login_required
@require_POST
def activity_add(request: AuthenticatedRequest, label: str, pk: int) -> HttpResponse:
    record = timeline_target(user=request.user, label=label, pk=pk)
    form = ActivityForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            activity_log(actor=request.user, target=record, **form.cleaned_data)
            saved = True
        except DomainError as error:
            service_error(form, error)
    return _timeline_response(
        request, record, form, saved=saved, status="Activity logged.", activity_form=None if saved else form
    )


@login_required
@require_POST
def task_add(request: AuthenticatedRequest, label: str, pk: int) -> HttpResponse:
    record = timeline_target(user=request.user, label=label, pk=pk)
    form = TaskForm(request.POST, user=request.user)
    saved = False
    if form.is_valid():
        try:
            task_create(actor=request.user, target=record, **form.cleaned_data)
            saved = True
        except DomainError as error:
            service_error(form, error)
    return _timeline_response(
        request, record, form, saved=saved, status="Task added.", task_form=None if saved else form
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_tasks_page(request: AuthenticatedRequest) -> HttpResponse:
    """GET lists the user's open tasks; POST adds a personal task (no record, assigned to oneself)."""
    data = request.POST if request.method == "POST" else None
    form = TaskForm(data, user=request.user, with_assignee=False)
    if form.is_valid():
        try:
            task = task_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            service_error(form, error)
        else:
            messages.success(request, f"Added task {task.title}.")
            return redirect("my-tasks")
    # Each section pages on its own: ?overdue=<cursor> shows the next overdue tasks.
    tasks = my_tasks(user=request.user, after={key: request.GET.get(key) for key in TASK_SECTIONS})
    more_urls = {}
    for key in TASK_SECTIONS:
        page = getattr(tasks, key).page
        if page.has_next:
            query = request.GET.copy()
            query[key] = page.next_cursor
            more_urls[key] = f"?{query.urlencode()}"
    return render(request, "timeline/my_tasks.html", {"tasks": tasks, "more_urls": more_urls, "form": form})


def _task_response(request: AuthenticatedRequest, task: Task, message: str) -> HttpResponse:
    if request.htmx:
        place = "timeline" if request.POST.get("place") == "timeline" else "tasks"
        return render(
            request,
            "timeline/_task.html",
            {"task": task, "place": place, "can_change": True, "focus": True, "next": safe_next(request, "")},
        )
    messages.success(request, message)
    return redirect(safe_next(request, reverse("my-tasks")))


@login_required
@require_POST
def task_complete_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    task = task_complete(actor=request.user, task_id=pk)
    return _task_response(request, task, f"Marked {task.title} done.")


@login_required
@require_POST
def task_reopen_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    task = task_reopen(actor=request.user, task_id=pk)
    return _task_response(request, task, f"Reopened {task.title}.")


# htmx stops polling when a poll answers 286: a signed-out tab stops asking.
HTMX_STOP_POLLING = 286


@login_required
@require_GET
def notification_list_page(request: AuthenticatedRequest) -> HttpResponse:
    notifications = notification_list(user=request.user)
    return render(request, "notifications/list.html", {"notifications": notifications})


@require_GET
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell partial (its unread count comes from the context processor), polled by htmx."""
    if not request.user.is_authenticated:
        return HttpResponse(status=HTMX_STOP_POLLING)
    return render(request, "notifications/_bell.html")


@login_required
@require_POST
def notifications_read(request: AuthenticatedRequest) -> HttpResponse:
    """Marks the given notifications (`id`, repeated) read, or all of them when none is given."""
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
    notifications_mark_read(actor=request.user, notification_ids=ids or None)
    return redirect(safe_next(request, reverse("notification-list")))
