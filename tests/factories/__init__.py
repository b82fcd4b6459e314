from .customers import AccountFactory, ContactFactory
from .leads import LeadFactory
from .people import TeamFactory, UserFactory
from .timeline import ActivityFactory, TaskFactory

__all__ = [
    "AccountFactory",
    "ActivityFactory",
    "ContactFactory",
    "LeadFactory",
    "TaskFactory",
    "TeamFactory",
    "UserFactory",
]
