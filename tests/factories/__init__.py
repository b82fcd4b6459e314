from .customers import AccountFactory, ContactFactory
from .leads import LeadFactory
from .people import TeamFactory, UserFactory
from .sales import DealFactory, LostReasonFactory, PipelineFactory, ProductFactory
from .timeline import ActivityFactory, TaskFactory

__all__ = [
    "AccountFactory",
    "ActivityFactory",
    "ContactFactory",
    "LeadFactory",
    "LostReasonFactory",
    "DealFactory",
    "PipelineFactory",
    "ProductFactory",
    "TaskFactory",
    "TeamFactory",
    "UserFactory",
]
