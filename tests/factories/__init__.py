from .customers import AccountFactory, ContactFactory
from .leads import LeadFactory
from .people import TeamFactory, UserFactory
from .sales import LostReasonFactory, OpportunityFactory, PipelineFactory, ProductFactory
from .timeline import ActivityFactory, TaskFactory

__all__ = [
    "AccountFactory",
    "ActivityFactory",
    "ContactFactory",
    "LeadFactory",
    "LostReasonFactory",
    "OpportunityFactory",
    "PipelineFactory",
    "ProductFactory",
    "TaskFactory",
    "TeamFactory",
    "UserFactory",
]
