from .forecast import Quota
from .onboarding import Onboarding, OnboardingRole, OnboardingStep, OnboardingTemplate, OnboardingTemplateItem
from .opportunities import (
    ForecastCategory,
    Opportunity,
    OpportunityLine,
    OpportunityStatus,
    OpportunityType,
    StageVisit,
    line_total,
)
from .pipelines import (
    CriterionKind,
    ExitCriterion,
    LostReason,
    Pipeline,
    RequiredField,
    RequiredRecord,
    Stage,
    StageKind,
)
from .products import Product
from .settings import SalesSettings

__all__ = [
    "CriterionKind",
    "ExitCriterion",
    "ForecastCategory",
    "LostReason",
    "Onboarding",
    "OnboardingRole",
    "OnboardingStep",
    "OnboardingTemplate",
    "OnboardingTemplateItem",
    "Opportunity",
    "OpportunityLine",
    "OpportunityStatus",
    "OpportunityType",
    "Pipeline",
    "Product",
    "Quota",
    "RequiredField",
    "RequiredRecord",
    "SalesSettings",
    "Stage",
    "StageKind",
    "StageVisit",
    "line_total",
]
