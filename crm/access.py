"""The one access policy: who may see, change and act on which record.

Every record type registers a Policy: for each role, the scope of records it may view and change
(its own, its team's, all), and the scope of each named act (delete, assign, convert, complete...),
which is that of change unless the policy says otherwise. Admins see, change and do everything.
Selectors filter with `visible()` inside their one query; services check `ensure_can_change()`, and
the features' rules (`rules.py`) ask `can(user, act, record)`; a record the user may not see is
NotFound (a 404), one they may see but not act on is Forbidden (a 403).
Timeline rows (activities, tasks, events) follow the record they are attached to, and whoever may see
a record may also see, read-only, the parents it points to (a deal's account and contact: see
`share_parent`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Lookup, Model, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from .errors import Forbidden, NotFound
from .models import Role, Team, User

# What a user does to a record: see it, change its fields, or one of the named acts a policy may scope
# apart from change (e.g. marketers change a lead's marketing fields but neither convert nor delete it).
Action = Literal[
    "view", "change", "create", "delete", "assign", "status", "convert", "merge", "complete", "move"
]
M = TypeVar("M", bound=Model)


class Scope(enum.IntEnum):
    NONE = 0
    OWN = 1
    TEAM = 2
    ALL = 3


@dataclass(frozen=True)
class Policy:
    view: Mapping[str, Scope]
    change: Mapping[str, Scope]
    # The named acts whose scopes differ from change's, each role -> scope; an act left out is as wide as
    # change ("create" is whether the role may create such records at all).
    acts: Mapping[Action, Mapping[str, Scope]] = field(default_factory=dict)
    owner_field: str = "owner"
    # A record may also belong to a team directly (a team's queue); TEAM scope then reaches it too.
    team_field: str | None = None
    # Roles that may see and work unowned records: the default queue, and their own teams' queues.
    queue_roles: frozenset[str] = frozenset()
    # Roles whose change may touch only these fields (e.g. marketers and a lead's marketing fields).
    writable_fields: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Record types whose pages carry a timeline accept activities and tasks attached to them.
    has_timeline: bool = True

    def scope(self, user: User, action: Action) -> Scope:
        if not user.is_authenticated or not user.is_active:
            return Scope.NONE
        if user.is_admin:
            return Scope.ALL
        return self.scopes(action).get(user.role, Scope.NONE)

    def scopes(self, action: Action) -> Mapping[str, Scope]:
        """Each role's scope for `action`."""
        if action == "view":
            return self.view
        if action == "change":
            return self.change
        return self.acts.get(action, self.change)


_policies: dict[type[Model], Policy] = {}


def register_policy(model: type[Model], policy: Policy) -> None:
    _policies[model] = policy


def policy_for(model: type[Model]) -> Policy:
    try:
        return _policies[model]
    except KeyError:
        raise LookupError(f"No access policy is registered for {model.__name__}.") from None


@dataclass(frozen=True)
class SharedParent:
    """Records of `child` that a user may see make their `field` (an account, a contact) visible too."""

    child: type[Model]
    field: str


_shared_parents: dict[type[Model], list[SharedParent]] = {}


def share_parent(child: type[Model], *, field: str) -> None:
    """Whoever may see a `child` record may see the record its `field` points to (implicit sharing,
    as Salesforce's parent access): a manager reads the account of their rep's deal even when someone
    else, or nobody, owns the account. Viewing only: changing the parent is its own policy's call."""
    parent = child._meta.get_field(field).related_model
    if not isinstance(parent, type):
        raise LookupError(f"{child.__name__}.{field} is not a foreign key to a model.")
    shares = _shared_parents.setdefault(parent, [])
    if SharedParent(child, field) not in shares:
        shares.append(SharedParent(child, field))


def timeline_models() -> list[type[Model]]:
    return [model for model, policy in _policies.items() if policy.has_timeline]


def team_ids(user: User) -> frozenset[int]:
    """The teams whose records `user` reaches with TEAM scope: the own team and every team managed."""
    cached: frozenset[int] | None = getattr(user, "_crm_team_ids", None)
    if cached is None:
        managed = set(Team.objects.filter(manager=user).values_list("id", flat=True))
        cached = frozenset(managed | ({user.team_id} if user.team_id else set()))
        user._crm_team_ids = cached  # type: ignore[attr-defined]
    return cached


class EqualsAny(Lookup):
    """`column = ANY(array)`: with ARRAY(subquery) on the right, PostgreSQL runs the subquery once (an
    InitPlan) and then uses the array as an index condition, also inside an OR (a BitmapOr arm)."""

    lookup_name = "any"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def team_member_ids(user: User) -> ArraySubquery:
    """The ids of the people in the teams `user` reaches, and the user's own, as one SQL array."""
    members = User.objects.filter(Q(team_id__in=team_ids(user)) | Q(pk=user.pk)).order_by().values("pk")
    return ArraySubquery(members)


def scope_filter(user: User, model: type[Model], action: Action) -> Q:
    policy = policy_for(model)
    scope = policy.scope(user, action)
    owner = policy.owner_field
    if scope == Scope.ALL:
        return Q()
    condition = Q(pk__in=[])
    if scope == Scope.OWN:
        condition = Q(**{owner: user})
    if scope == Scope.TEAM:
        # Owner ids, not a join to the owner's team: owner-leading indexes then serve the team's lists
        # and sums (a join made PostgreSQL read every row and look its owner up).
        condition = Q(EqualsAny(F(f"{owner}_id"), team_member_ids(user)))
        if policy.team_field:
            condition |= Q(**{f"{policy.team_field}_id__in": team_ids(user)})
    if user.role in policy.queue_roles and user.is_active:
        queue = Q(**{f"{owner}__isnull": True})
        if policy.team_field:
            teams = Q(**{f"{policy.team_field}__isnull": True}) | Q(
                **{f"{policy.team_field}_id__in": team_ids(user)}
            )
            queue &= teams
        condition |= queue
    if action == "view":
        condition |= _shared_with(user, model)
    return condition


def _shared_with(user: User, model: type[Model]) -> Q:
    """`model` rows that a visible child points to, as `pk = ANY(ARRAY(...))`: an index condition that
    PostgreSQL ORs with the owner's (a plain IN (subquery) inside an OR is checked row by row)."""
    condition = Q(pk__in=[])
    for share in _shared_parents.get(model, []):
        children = share.child._default_manager.filter(**{f"{share.field}__isnull": False})
        parent_ids = visible(user, children).order_by().values(share.field)
        condition |= Q(EqualsAny(F("pk"), ArraySubquery(parent_ids)))
    return condition


def visible(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    return queryset.filter(scope_filter(user, queryset.model, "view"))


def changeable(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    return queryset.filter(scope_filter(user, queryset.model, "change"))


def can(user: User, action: Action, record: Model) -> bool:
    """Decides in Python for a loaded record (select_related its owner to keep it query-free); a view
    that only a shared child grants costs one query."""
    if _can_by_policy(user, action, record):
        return True
    if action != "view" or type(record) not in _shared_parents:
        return False
    return type(record)._default_manager.filter(_shared_with(user, type(record)), pk=record.pk).exists()


def allows(user: User, action: Action, model: type[Model]) -> bool:
    """Whether the user's role may do `action` to any record of `model` (what a list's bulk bar offers)."""
    return policy_for(model).scope(user, action) != Scope.NONE


def _can_by_policy(user: User, action: Action, record: Model) -> bool:
    policy = policy_for(type(record))
    scope = policy.scope(user, action)
    if scope == Scope.ALL:
        return True
    owner_id = getattr(record, f"{policy.owner_field}_id")
    team_id = getattr(record, f"{policy.team_field}_id") if policy.team_field else None
    if owner_id is None and user.role in policy.queue_roles and user.is_active:
        return team_id is None or team_id in team_ids(user)
    if scope == Scope.NONE:
        return False
    if owner_id is not None and owner_id == user.pk:
        return True
    if scope == Scope.TEAM:
        if team_id is not None and team_id in team_ids(user):
            return True
        if owner_id is not None:
            owner: User = getattr(record, policy.owner_field)
            return owner.team_id in team_ids(user)
    return False


def can_create(user: User, model: type[Model]) -> bool:
    return allows(user, "create", model)


def writable_fields(user: User, model: type[Model]) -> frozenset[str] | None:
    """The only fields `user` may change on records of `model`, or None when not limited."""
    if user.is_admin:
        return None
    return policy_for(model).writable_fields.get(user.role)


def ensure_fields_writable(user: User, record: Model, fields: Iterable[str]) -> None:
    allowed = writable_fields(user, type(record))
    if allowed is None:
        return
    refused = sorted(set(fields) - allowed)
    if refused:
        raise Forbidden(
            f"Your role cannot change {', '.join(refused)} on this record.", code="field_not_writable"
        )


def ensure_can_view(user: User, record: Model) -> None:
    if not can(user, "view", record):
        raise NotFound


def ensure_can(user: User, action: Action, record: Model, *, refusal: str, code: str) -> None:
    """NotFound when the record is invisible to the user, Forbidden (saying `refusal`) when they may see
    it but not do `action` to it."""
    ensure_can_view(user, record)
    if not can(user, action, record):
        raise Forbidden(refusal, code=code)


def ensure_can_change(user: User, record: Model) -> None:
    ensure_can(user, "change", record, refusal="You can see this record but not change it.", code="read_only")


def ensure_admin(user: User, *, doing: str) -> None:
    """For configuration services (rules, forms, settings): active admins only."""
    if not (user.is_active and user.is_admin):
        raise Forbidden(f"Only admins can {doing}.", code="admin_only")


def ensure_can_create(user: User, model: type[Model]) -> None:
    if not can_create(user, model):
        raise Forbidden(
            f"Your role cannot create {model._meta.verbose_name_plural}.", code="create_not_allowed"
        )


def assignable_owners(user: User) -> QuerySet[User]:
    """Whom `user` may make the owner of a record: anyone (admin), the own teams (manager), oneself."""
    people = User.objects.filter(is_active=True)
    if user.is_admin:
        return people
    if user.role == Role.SALES_MANAGER:
        return people.filter(Q(pk=user.pk) | Q(team_id__in=team_ids(user)))
    return people.filter(pk=user.pk)


def visible_targets(user: User, prefix: str = "") -> Q:
    """Timeline rows whose target record `user` may see: one subquery per record type, in one query."""
    condition = Q(pk__in=[])
    for model in timeline_models():
        content_type = ContentType.objects.get_for_model(model)
        target = Q(**{f"{prefix}content_type": content_type})
        if policy_for(model).scope(user, "view") != Scope.ALL:
            ids = visible(user, model._default_manager.all()).values("pk")
            target &= Q(**{f"{prefix}object_id__in": ids})
        condition |= target
    return condition


SALES_WORKS_OWN_MANAGER_TEAM_OTHERS_READ = Policy(
    view={
        Role.SALES_MANAGER: Scope.TEAM,
        Role.SALES_REP: Scope.OWN,
        Role.MARKETER: Scope.ALL,
        Role.SUPPORT_AGENT: Scope.ALL,
    },
    change={Role.SALES_MANAGER: Scope.TEAM, Role.SALES_REP: Scope.OWN},
)


def register_kernel_policies() -> None:
    from .models import Account, Contact

    register_policy(Account, SALES_WORKS_OWN_MANAGER_TEAM_OTHERS_READ)
    register_policy(Contact, SALES_WORKS_OWN_MANAGER_TEAM_OTHERS_READ)
