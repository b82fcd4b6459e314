from .customers import Account, CompanySize, ConsentStatus, Contact, LifecycleStage
from .imports import DuplicatePolicy, ImportStatus, RecordImport, RecordImportProblem, SavedMapping
from .jobs import ATTEMPTS_ALLOWED, BackgroundJob, JobInterrupt, JobStatus
from .jobs import FINISHED as JOB_FINISHED
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
from .workers import WorkerBeat

__all__ = [
    "Account",
    "Activity",
    "ActivityKind",
    "BackgroundJob",
    "CompanySize",
    "ConsentStatus",
    "Contact",
    "DuplicatePolicy",
    "EngagementEvent",
    "ImportStatus",
    "JobInterrupt",
    "ATTEMPTS_ALLOWED",
    "JobStatus",
    "JOB_FINISHED",
    "LifecycleEvent",
    "LifecycleStage",
    "Notification",
    "NotificationKind",
    "OutboundEmail",
    "RecordImport",
    "RecordImportProblem",
    "Role",
    "SavedMapping",
    "SavedView",
    "Task",
    "Team",
    "User",
    "WorkerBeat",
]
