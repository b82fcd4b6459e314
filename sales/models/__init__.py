from .deals import (
    Deal,
    DealLine,
    DealStatus,
    DealType,
    ForecastCategory,
    StageVisit,
    line_total,
)
from .forecast import Quota
from .onboarding import Onboarding, OnboardingRole, OnboardingStep, OnboardingTemplate, OnboardingTemplateItem
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
    "Deal",
    "DealLine",
    "DealStatus",
    "DealType",
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
