from .assignment import AssignmentRule
from .imports import DuplicatePolicy, ImportStatus, LeadImport, LeadImportError
from .lead import (
    IDENTITY_FIELDS,
    MARKETING_FIELD_ORDER,
    MARKETING_FIELDS,
    STATUS_TRANSITIONS,
    Authority,
    Lead,
    LeadSource,
    LeadStatus,
    PurchaseTimeline,
)
from .merges import LeadDuplicate, LeadMerge
from .scoring import LeadScore, Operator, RuleKind, ScoringRule
from .settings import LeadSettings
from .webforms import WebForm, WebFormSubmission

__all__ = [
    "IDENTITY_FIELDS",
    "MARKETING_FIELDS",
    "MARKETING_FIELD_ORDER",
    "STATUS_TRANSITIONS",
    "AssignmentRule",
    "Authority",
    "DuplicatePolicy",
    "ImportStatus",
    "Lead",
    "LeadDuplicate",
    "LeadImport",
    "LeadImportError",
    "LeadMerge",
    "LeadScore",
    "LeadSettings",
    "LeadSource",
    "LeadStatus",
    "Operator",
    "PurchaseTimeline",
    "RuleKind",
    "ScoringRule",
    "WebForm",
    "WebFormSubmission",
]
