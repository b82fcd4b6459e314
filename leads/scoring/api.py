"""Lead scoring rules through the API (/api/v1/leads/scoring-rules/): what the admins' scoring pages do.

Admins only, as the pages (to anyone else every endpoint is a 403 naming the rule). Every write is
one of leads.scoring.services, which checks the rule (a refused value is a 400 naming its field) and
starts the rescore that applies the change to every lead; the answer carries that job (`rescore`,
null when no lead's points change) with the API address that reports its progress. The list is the
page's: every rule, attribute rules first, then by name; admins keep tens of rules, so it is not paged.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm import access
from crm.api.views import ADMINS_ONLY, NOT_FOUND, REFUSED, actor, record_id
from crm.models import BackgroundJob
from leads.models import Operator, RuleKind, ScoringRule

from . import selectors, services
from .rules import condition_labels

# What a PATCH leaves out keeps the rule's value: the services take every field of a rule.
RULE_FIELDS = (
    "name",
    "kind",
    "points",
    "field",
    "operator",
    "value",
    "event_type",
    "decay_days",
    "is_active",
)


class RescoreJobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True, min_value=0, max_value=100)
    progress_url = serializers.SerializerMethodField(help_text="Where the API reports this job's progress.")

    class Meta:
        model = BackgroundJob
        fields = ["id", "status", "done", "total", "percent", "message", "created_at", "finished_at"]
        fields += ["progress_url"]
        read_only_fields = fields

    def get_progress_url(self, job: BackgroundJob) -> str:
        url = reverse("api-lead-scoring-rule-rescore-progress", kwargs={"job_id": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class ConditionSerializer(serializers.Serializer):
    subject = serializers.CharField(help_text='The lead field or engagement, e.g. "Employees".')
    operator = serializers.CharField(help_text='e.g. "is at least"; "" for an engagement rule without a URL.')
    value = serializers.CharField()


class ScoringRuleSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=RuleKind.choices)
    field = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="An attribute rule's lead field: industry, employee_count, email, country, tags...",
    )
    operator = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text=f"An attribute rule's operator: {', '.join(Operator.values)}, as the field allows.",
    )
    value = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text='An attribute rule\'s value (comma-separated for "in"); on an engagement rule, only '
        "events whose URL contains it score (empty: every event of the type).",
    )
    event_type = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="An engagement rule's event type, e.g. email_opened, link_clicked, page_visited.",
    )
    decay_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Engagement rules: the points halve every this many days; null keeps them whole.",
    )
    condition = serializers.SerializerMethodField()
    rescore = serializers.SerializerMethodField()

    class Meta:
        model = ScoringRule
        fields = ["id", *RULE_FIELDS, "condition", "rescore", "created_at", "updated_at"]
        read_only_fields = ["id", "condition", "rescore", "created_at", "updated_at"]

    @extend_schema_field(ConditionSerializer)
    def get_condition(self, rule: ScoringRule) -> dict[str, str]:
        """The condition in words, as the rules page shows it."""
        labels = condition_labels(
            kind=rule.kind,
            field=rule.field,
            operator=rule.operator,
            value=rule.value,
            event_type=rule.event_type,
        )
        return ConditionSerializer(labels).data

    @extend_schema_field(RescoreJobSerializer(allow_null=True))
    def get_rescore(self, rule: ScoringRule) -> dict[str, Any] | None:
        """The rescore job a write started (null on reads, and when no lead's points change)."""
        job: BackgroundJob | None = self.context.get("job")
        return None if job is None else RescoreJobSerializer(job, context=self.context).data


@extend_schema(tags=["lead scoring"])
@extend_schema_view(
    list=extend_schema(summary="List the scoring rules", responses={200: ScoringRuleSerializer(many=True)}),
    retrieve=extend_schema(
        summary="Read one scoring rule",
        responses={200: ScoringRuleSerializer, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Add a scoring rule, and rescore every lead with it",
        request=ScoringRuleSerializer,
        responses={201: ScoringRuleSerializer, 400: REFUSED, 403: ADMINS_ONLY},
    ),
    partial_update=extend_schema(
        summary="Change a scoring rule, or (de)activate it with is_active",
        description="Fields left out keep their values. A change to what the rule scores rescores every "
        "lead for it; a rename alone does not.",
        request=ScoringRuleSerializer,
        responses={200: ScoringRuleSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Delete a scoring rule and take its points off every lead",
        description="The scores are recounted by a background job, as on the page.",
        responses={204: None, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    rescore=extend_schema(
        summary="Rescore every lead with every active rule now",
        request=None,
        responses={202: RescoreJobSerializer, 403: ADMINS_ONLY},
    ),
    rescore_progress=extend_schema(
        summary="Read a rescore job's progress",
        parameters=[OpenApiParameter("job_id", int, OpenApiParameter.PATH, description="The job's id.")],
        responses={200: RescoreJobSerializer, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
)
class ScoringRuleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ScoringRuleSerializer
    pagination_class = None
    queryset = ScoringRule.objects.none()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # The rules are admins' configuration, as the pages are (crm.web.views.admin_only).
        access.ensure_admin(actor(request), doing="manage scoring rules")

    def list(self, request: Request) -> Response:
        rules = [row.rule for row in selectors.scoring_rule_list()]
        return Response(self.get_serializer(rules, many=True).data)

    def get_queryset(self) -> QuerySet[ScoringRule]:
        return ScoringRule.objects.none()  # list() reads the selector; the schema needs a model

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(selectors.scoring_rule_get(pk=record_id(pk))).data)

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = services.scoring_rule_create(actor=actor(request), **serializer.validated_data)
        return Response(self._saved(saved), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        rule = selectors.scoring_rule_get(pk=record_id(pk))
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = {name: getattr(rule, name) for name in RULE_FIELDS} | dict(serializer.validated_data)
        saved = services.scoring_rule_update(actor=actor(request), rule_id=rule.pk, **fields)
        return Response(self._saved(saved))

    def destroy(self, request: Request, pk: str) -> Response:
        rule = selectors.scoring_rule_get(pk=record_id(pk))
        services.scoring_rule_delete(actor=actor(request), rule_id=rule.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=False, methods=["post"], url_path="rescore")
    def rescore(self, request: Request) -> Response:
        job = services.rescore_start(actor=actor(request))
        body = RescoreJobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @action(
        detail=False,
        methods=["get"],
        url_path=r"rescore/(?P<job_id>[^/.]+)",
        url_name="rescore-progress",
    )
    def rescore_progress(self, request: Request, job_id: str) -> Response:
        job = selectors.rescore_job_get(pk=record_id(job_id))
        return Response(RescoreJobSerializer(job, context=self.get_serializer_context()).data)

    def _saved(self, saved: services.RuleSaved) -> dict[str, Any]:
        context = {**self.get_serializer_context(), "job": saved.job}
        return dict(ScoringRuleSerializer(saved.rule, context=context).data)
