"""Lead assignment rules through the API (/api/v1/leads/assignment-rules/): what the admins' assignment
pages do.

Admins only, as the pages (to anyone else every endpoint is a 403). The rules are tried in order and
the first match wins, so the list is every rule in that order, not paged; `move` puts one rule at a
place as the page's arrows do, `reorder` sets the whole order. Every write is one of
leads.assignment.services, which checks the rule: a refused value is a 400 naming its field
(`criteria`, `assign_to_user`, or `non_field_errors` for a rule with both targets or none).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm import access
from crm.api.serializers import name_of
from crm.api.views import ADMINS_ONLY, NOT_FOUND, REFUSED, actor, record_id
from crm.models import Team, User
from leads.models import AssignmentRule, Operator

from . import selectors, services
from .criteria import FIELDS

TARGETS = ("assign_to_user", "assign_to_team")


class CriterionSerializer(serializers.Serializer):
    field = serializers.CharField(help_text=f"A lead field: {', '.join(FIELDS)}.")
    operator = serializers.CharField(
        help_text=f"{', '.join(Operator.values)}, as the field allows (free_mail is scoring's only)."
    )
    value = serializers.CharField(
        required=False, allow_blank=True, default="", help_text='Comma-separated for "in"; empty for "empty".'
    )


class AssignmentRuleSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(
        many=True, required=False, help_text="Every criterion must match; none matches every lead."
    )
    criteria_text = serializers.SerializerMethodField()
    assign_to_user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text="The sales rep or manager who gets the matching leads (or set assign_to_team). "
        "Setting one target clears the other.",
    )
    assign_to_user_name = name_of("assign_to_user")
    assign_to_team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="The team whose members take turns (away and deactivated members are skipped).",
    )
    assign_to_team_name = name_of("assign_to_team")
    last_assigned_name = name_of("last_assigned")

    class Meta:
        model = AssignmentRule
        fields = [
            "id",
            "name",
            "position",
            "is_active",
            "criteria",
            "criteria_text",
            "assign_to_user",
            "assign_to_user_name",
            "assign_to_team",
            "assign_to_team_name",
            "last_assigned",
            "last_assigned_name",
            "created_at",
        ]
        read_only_fields = ["id", "position", "criteria_text", "last_assigned", "created_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {
            "position": {"help_text": "Where the rule is tried: 0 first."},
            "last_assigned": {"help_text": "The team member who got this rule's latest lead."},
        }

    def get_criteria_text(self, rule: AssignmentRule) -> list[str]:
        """The criteria as the rules page words them."""
        return selectors.criteria_sentences(rule.criteria)


class MoveSerializer(serializers.Serializer):
    to = serializers.IntegerField(min_value=0, help_text="The rule's new place: 0 is first.")


class ReorderSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(),
        allow_empty=False,
        help_text="Rule ids in the order to try them; rules left out keep their order after these.",
    )


RULES = AssignmentRuleSerializer(many=True)


@extend_schema(tags=["lead assignment"])
@extend_schema_view(
    list=extend_schema(
        summary="List the assignment rules in the order they are tried", responses={200: RULES}
    ),
    retrieve=extend_schema(
        summary="Read one assignment rule",
        responses={200: AssignmentRuleSerializer, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Add an assignment rule (it is tried last)",
        responses={201: AssignmentRuleSerializer, 400: REFUSED, 403: ADMINS_ONLY},
    ),
    partial_update=extend_schema(
        summary="Change an assignment rule, or (de)activate it with is_active",
        description="Fields left out keep their values; setting one target clears the other. A new team "
        "starts its rotation from its first member.",
        responses={200: AssignmentRuleSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Delete an assignment rule", responses={204: None, 403: ADMINS_ONLY, 404: NOT_FOUND}
    ),
    move=extend_schema(
        summary="Move a rule to another place in the order",
        description="The others shift; the same move twice leaves the rule where the first put it.",
        request=MoveSerializer,
        responses={200: RULES, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    reorder=extend_schema(
        summary="Put the rules in a new order",
        request=ReorderSerializer,
        responses={200: RULES, 400: REFUSED, 403: ADMINS_ONLY},
    ),
)
class AssignmentRuleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AssignmentRuleSerializer
    pagination_class = None
    queryset = AssignmentRule.objects.none()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # The rules are admins' configuration, as the pages are (crm.web.views.admin_only).
        access.ensure_admin(actor(request), doing="manage assignment rules")

    def get_queryset(self) -> QuerySet[AssignmentRule]:
        return AssignmentRule.objects.none()  # list() reads the selector; the schema needs a model

    def list(self, request: Request) -> Response:
        return self._all()

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(selectors.assignment_rule_get(pk=record_id(pk))).data)

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.assignment_rule_create(actor=actor(request), **self._fields(serializer, {}))
        body = self.get_serializer(selectors.assignment_rule_get(pk=rule.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        rule = selectors.assignment_rule_get(pk=record_id(pk))
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        current = {
            "name": rule.name,
            "criteria": rule.criteria,
            "assign_to_user": rule.assign_to_user,
            "assign_to_team": rule.assign_to_team,
            "is_active": rule.is_active,
        }
        services.assignment_rule_update(
            actor=actor(request), rule_id=rule.pk, **self._fields(serializer, current)
        )
        return Response(self.get_serializer(selectors.assignment_rule_get(pk=rule.pk)).data)

    def destroy(self, request: Request, pk: str) -> Response:
        rule = selectors.assignment_rule_get(pk=record_id(pk))
        services.assignment_rule_delete(actor=actor(request), rule_id=rule.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        rule = selectors.assignment_rule_get(pk=record_id(pk))
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.assignment_rule_move(
            actor=actor(request), rule_id=rule.pk, to=serializer.validated_data["to"]
        )
        return self._all()

    @action(detail=False, methods=["post"])
    def reorder(self, request: Request) -> Response:
        serializer = ReorderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.assignment_rules_reorder(actor=actor(request), rule_ids=serializer.validated_data["ids"])
        return self._all()

    def _all(self) -> Response:
        rules = [row.rule for row in selectors.assignment_rule_rows()]
        return Response(AssignmentRuleSerializer(rules, many=True).data)

    @staticmethod
    def _fields(serializer: serializers.BaseSerializer[Any], current: dict[str, Any]) -> dict[str, Any]:
        """The rule's fields as the services take them: what was sent over what the rule has."""
        sent = dict(serializer.validated_data)
        if "criteria" in sent:
            sent["criteria"] = [dict(criterion) for criterion in sent["criteria"]]
        if any(target in sent for target in TARGETS):
            # One target named replaces the other: a rule has one.
            current = {**current, "assign_to_user": None, "assign_to_team": None}
        return {"criteria": [], **current, **sent}
