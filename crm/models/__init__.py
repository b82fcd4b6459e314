from .customers import Account, CompanySize, ConsentStatus, Contact, LifecycleStage
from .people import Role, Team, User
from .timeline import (
    Activity,
    ActivityKind,
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
    "CompanySize",
    "ConsentStatus",
    "Contact",
    "LifecycleEvent",
    "LifecycleStage",
    "Notification",
    "NotificationKind",
    "OutboundEmail",
    "Role",
    "Task",
    "Team",
    "User",
]
