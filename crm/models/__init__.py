from .customers import Account, CompanySize, ConsentStatus, Contact, LifecycleStage
from .jobs import BackgroundJob, JobStatus
from .lists import SavedView
from .people import Role, Team, User
from .timeline import (
    Activity,
    ActivityKind,
    EngagementEvent,
    LifecycleEvent,
    Notification,
    NotificationKind,
    OutboundEmail,
    Task,
)

__all__ = [
    "Account",
    "Activity",
    "ActivityKind",
    "BackgroundJob",
    "CompanySize",
    "ConsentStatus",
    "Contact",
    "EngagementEvent",
    "JobStatus",
    "LifecycleEvent",
    "LifecycleStage",
    "Notification",
    "NotificationKind",
    "OutboundEmail",
    "Role",
    "SavedView",
    "Task",
    "Team",
    "User",
]
