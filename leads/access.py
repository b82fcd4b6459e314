"""Who may see and change leads and web forms: the kernel's access policy, registered for their models."""

from collections.abc import Mapping

from crm import access
from crm.access import Policy, Scope, register_policy, share_parent
from crm.models import Role, User
from crm.timeline.rollup import register_account_rollup

from .models import MARKETING_FIELDS, Lead, WebForm

# Who works leads as their owner does: reps their own, managers their teams'.
LEAD_WORKERS: Mapping[str, Scope] = {Role.SALES_MANAGER: Scope.TEAM, Role.SALES_REP: Scope.OWN}
LEAD_POLICY = Policy(
    view={**LEAD_WORKERS, Role.MARKETER: Scope.ALL},
    # Marketers read every lead but change only what marketing owns: source, UTM fields and tags.
    change={**LEAD_WORKERS, Role.MARKETER: Scope.ALL},
    writable_fields={Role.MARKETER: MARKETING_FIELDS},
    # Every act on a lead beyond those fields is its workers': marketers do none of them.
    acts={
        "create": LEAD_WORKERS,
        "delete": LEAD_WORKERS,
        "assign": LEAD_WORKERS,
        "status": LEAD_WORKERS,
        "convert": LEAD_WORKERS,
        "merge": LEAD_WORKERS,
        "complete": LEAD_WORKERS,  # the tasks on a lead
    },
    team_field="team",
    # Reps and managers pick leads up from the unassigned queue (the default one and their teams').
    queue_roles=frozenset({Role.SALES_REP, Role.SALES_MANAGER}),
)


def register_lead_policy() -> None:
    register_policy(Lead, LEAD_POLICY)
    # Whoever may read a converted lead may read the account and contact it became.
    share_parent(Lead, field="converted_account")
    share_parent(Lead, field="converted_contact")
    # A converted lead's history shows on the account it became part of.
    register_account_rollup(Lead, field="converted_account")


# Web forms capture leads, which is marketing's job: marketers list, design and edit every form and see
# its submissions (admins too, as everywhere). Deleting one, and its submission log, stays with admins.
WEBFORM_POLICY = Policy(
    view={Role.MARKETER: Scope.ALL},
    change={Role.MARKETER: Scope.ALL},
    owner_field="created_by",
    has_timeline=False,
)
WEBFORM_DESIGNER_ROLES = frozenset(
    role for role, scope in WEBFORM_POLICY.change.items() if scope != Scope.NONE
)


def can_design_webforms(user: User) -> bool:
    return access.can_create(user, WebForm)


def register_webform_policy() -> None:
    register_policy(WebForm, WEBFORM_POLICY)
