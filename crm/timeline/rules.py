"""Who may tick a task off, reopen, edit or delete it: one rule for the services, the timeline and the
task list."""

from __future__ import annotations

from crm import access
from crm.errors import ALLOWED, Decision, Forbidden, refused
from crm.models import Task, User


def task_can_be_completed(user: User, task: Task) -> Decision:
    """Its assignee and creator, admins, and whoever may complete the tasks of the record it is on (the
    policy's "complete" act: a marketer reads a rep's lead and its tasks, and does not tick them off)."""
    if user.pk in (task.assignee_id, task.created_by_id) or user.is_admin:
        return ALLOWED
    target = task.target
    if target is not None and access.can(user, "complete", target):
        return ALLOWED
    return refused(Forbidden("You can see this task but not change it.", code="task_read_only"))


def task_can_be_changed(user: User, task: Task) -> Decision:
    """Editing or deleting a task is for the same people as ticking it off: those who work it."""
    return task_can_be_completed(user, task)
