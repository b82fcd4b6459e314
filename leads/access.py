"""Who may see and change leads: the kernel's access policy, registered for the Lead model."""

from crm.access import Policy, Scope, register_policy
from crm.models import Role
from crm.rollup import register_account_rollup

from .models import MARKETING_FIELDS, Lead

LEAD_POLICY = Policy(
    view={Role.SALES_MANAGER: Scope.TEAM, Role.SALES_REP: Scope.OWN, Role.MARKETER: Scope.ALL},
    change={Role.SALES_MANAGER: Scope.TEAM, Role.SALES_REP: Scope.OWN, Role.MARKETER: Scope.ALL},
    team_field="team",
    # Reps and managers pick leads up from the unassigned queue (the default one and their teams').
    queue_roles=frozenset({Role.SALES_REP, Role.SALES_MANAGER}),
    # Marketers read every lead but change only what marketing owns: source, UTM fields and tags.
    writable_fields={Role.MARKETER: MARKETING_FIELDS},
)


def register_lead_policy() -> None:
    register_policy(Lead, LEAD_POLICY)
    # A converted lead's history shows on the account it became part of.
    register_account_rollup(Lead, field="converted_account")
