"""Hooks the kernel publishes so that upper stages can react without the kernel importing them.

All are sent inside the writing service's transaction; receivers that start background work
must do so after commit (`crm.jobs.wakeups.wake_on_commit`). Connect with a `dispatch_uid`.
"""

from django.dispatch import Signal

# sender: the Activity class; kwargs: activity (the new Activity, its target loaded).
activity_logged = Signal()

# sender: the EngagementEvent class; kwargs: event (the new EngagementEvent).
engagement_recorded = Signal()

# sender: the Task class; kwargs: task (the Task just completed).
task_completed = Signal()
