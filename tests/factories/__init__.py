from .customers import AccountFactory, ContactFactory
from .people import TeamFactory, UserFactory
from .timeline import ActivityFactory, TaskFactory

__all__ = ["AccountFactory", "ActivityFactory", "ContactFactory", "TaskFactory", "TeamFactory", "UserFactory"]
